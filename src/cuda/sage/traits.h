// Tile shapes and shared-memory layout of the mma.sync sage_attn kernel (sm_80, sm_89,
// sm_90). One table of constants with the reason for each; everything else derives from it.
#pragma once

#include <cstdint>

#include "core/sage_contract.h"
#include "cuda/quant/layout.h"

namespace dattn::cuda::sage_mma {

struct Tile {
  // 8 warps x 16 query rows (one m16 MMA tile each): each K/V tile brought into shared
  // memory serves 128 rows, halving K/V traffic against a 64-row block.
  static constexpr int kBlockM = 128;
  static constexpr int kWarps = 8;
  // Keys per tile = the K scale block, so one k_scale multiplies the whole tile, and two
  // k32 steps of the fp8 P·V product (four k16 steps in f16).
  static constexpr int kBlockN = 64;
  // Double buffering: tile n+1 streams in (cp.async) while tile n is computed.
  static constexpr int kStages = 2;
  // Bytes added to every shared-memory row: rows of 64/128/144/272 bytes would put the 8 rows
  // of an ldmatrix in the same banks; 16 more bytes spread them over all 32.
  static constexpr int kRowPad = 16;
};
static_assert(Tile::kBlockM == 16 * Tile::kWarps, "one m16 tile per warp");
static_assert(Tile::kBlockN == dattn::sage::kKBlock, "one k_scale per KV tile");
static_assert(quant::PackConfig::kSeqPad % Tile::kBlockM == 0, "packed rows cover whole tiles");
static_assert(quant::PackConfig::kSeqPad % Tile::kBlockN == 0, "packed keys cover whole tiles");
static_assert(Tile::kBlockM % dattn::sage::kQBlock == 0, "a warp's 16 rows share one q_scale");

template <int kDp, bool kFp8>
struct Traits : Tile {
  static constexpr int kThreads = kWarps * 32;
  static constexpr int kQPitch = kDp + kRowPad;  // int8 Q rows
  static constexpr int kKPitch = kDp + kRowPad;  // int8 K rows
  // fp8: V^T, one row of kBlockN key bytes per channel; f16: one row of kDp halves per key.
  static constexpr int kVRows = kFp8 ? kDp : kBlockN;
  static constexpr int kVRowBytes = kFp8 ? kBlockN : kDp * 2;
  static constexpr int kVPitch = kVRowBytes + kRowPad;
  static constexpr int kQBytes = kBlockM * kQPitch;
  static constexpr int kKBytes = kBlockN * kKPitch;
  static constexpr int kVBytes = kVRows * kVPitch;
  static constexpr int kSmemBytes = kQBytes + kStages * (kKBytes + kVBytes);
  static constexpr int kNTiles = kBlockN / 8;  // n8 score tiles per warp
  static constexpr int kDTiles = kDp / 8;      // n8 output tiles per warp
  static_assert(kDp == 64 || kDp == 128, "packed head dims");
};

// What the kernel reads: the packed operands of quant/layout.h, and where it writes.
struct Params {
  const int8_t* q;
  const float* q_scale;
  const int8_t* k;
  const float* k_scale;
  const void* v;
  const float* v_scale;  // fp8 only
  const float* q_kmean;  // with LSE only
  void* out;
  int64_t out_sb, out_sh, out_ss;
  bool out_vec2;  // out base and strides allow 2-element stores
  float* lse;
  int64_t lse_sb, lse_sh;
  int64_t heads_q, heads_kv, seq_q, seq_kv, sq_pad, sk_pad;
  int head_dim;
};

}  // namespace dattn::cuda::sage_mma
