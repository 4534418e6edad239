// The packed form of sage_attn's quantized operands: what the quantization kernels write and
// every sage attention kernel reads (the mma.sync kernel in sage/, the wgmma one in sage_sm90/).
// The values are those of the contract (core/sage_contract.h); only their placement differs
// from the logical tensors:
//   q       int8 [B, Hq,  sq_pad, Dp]   rows >= Sq and channels >= D are zero
//   q_scale fp32 [B, Hq,  sq_pad / kQBlock]   0 for all-padding blocks
//   k       int8 [B, Hkv, sk_pad, Dp]   smoothed; padding zero
//   k_scale fp32 [B, Hkv, sk_pad / kKBlock]
//   v (fp8) e4m3 [B, Hkv, Dp, sk_pad]   transposed, keys permuted inside each group of 16
//                                        (kv_position below), padding zero
//   v (f16) f16  [B, Hkv, sk_pad, Dp]   unscaled, padding zero
//   v_scale fp32 [B, Hkv, Dp]           fp8 only
//   k_mean  fp32 [B, Hkv, Dp]
//   q_kmean fp32 [B, Hq, sq_pad]        sm_scale * dot(q, k_mean), only when LSE is wanted
#pragma once

#include <cuda_runtime.h>  // __host__ __device__ in host-only translation units

#include <cstddef>
#include <cstdint>

#include "core/problem.h"
#include "core/sage_contract.h"

namespace dattn::cuda::quant {

// Packing constants. Changing one changes every consumer, hence one table.
struct PackConfig {
  // Sequences are padded to the largest tile any sage kernel reads (128 query rows for both
  // mma.sync and wgmma), so tile loads never need bounds checks.
  static constexpr int kSeqPad = 128;
  // Tokens per block of the K-mean / V-amax statistics pass: small enough that even one
  // (b, h) pair of a few thousand tokens spreads over tens of SMs (the pass is bound by load
  // latency, so the number of blocks in flight sets its speed).
  static constexpr int kStatsChunk = 128;
  static constexpr int kThreads = 128;  // quantization blocks: 4 warps cover one 64-token block
};
static_assert(PackConfig::kSeqPad % sage::kQBlock == 0 && PackConfig::kSeqPad % sage::kKBlock == 0);

// Head dim as stored: the tensor-core kernels are built for 64 and 128 only.
inline int padded_head_dim(int64_t d) { return d <= 64 ? 64 : 128; }

inline int64_t round_up(int64_t x, int64_t m) { return (x + m - 1) / m * m; }
inline int64_t ceil_div(int64_t x, int64_t m) { return (x + m - 1) / m; }

// An 8-bit P fragment (mma.sync's m16n8k32 A, and wgmma's register A, which has the same
// layout per warp) holds 4 consecutive k bytes per thread, but the Q·K^T accumulator P is
// built from gives a thread keys {2t, 2t+1, 2t+8, 2t+9} of each 16. Storing key j of a
// 16-group of V^T at this position makes the two agree without shuffles.
__host__ __device__ inline int kv_position(int j) {
  const int base = j & ~15, r = j & 15;
  return base + (r < 8 ? 4 * (r >> 1) + (r & 1) : 4 * ((r - 8) >> 1) + 2 + (r & 1));
}
// The inverse: which key of its 16 sits at position `pos` (kv_key(kv_position(j)) == j).
__host__ __device__ inline int kv_key(int pos) {
  const int base = pos & ~15, q = (pos & 15) >> 2, w = pos & 3;
  return base + (w < 2 ? 2 * q + w : 8 + 2 * q + (w - 2));
}

struct PackedShape {
  int64_t batch, heads_q, heads_kv, seq_q, seq_kv, head_dim;
  int dp;                  // padded head dim
  int64_t sq_pad, sk_pad;  // padded sequence lengths
  int64_t stats_chunks;    // ceil(seq_kv / kStatsChunk)
  bool fp8_v;              // V stored as e4m3 (fp8 P·V) or f16
  bool want_q_kmean;       // LSE requested
};

PackedShape packed_shape(const dattn_problem& p, bool fp8_v);

struct Packed {
  int8_t* q;
  float* q_scale;
  int8_t* k;
  float* k_scale;
  void* v;
  float* v_scale;  // nullptr for f16 V
  float* k_mean;
  float* q_kmean;       // nullptr without LSE
  double* partial_sum;  // [B, Hkv, stats_chunks, Dp] per-chunk K sums
  float* partial_vmax;  // [B, Hkv, stats_chunks, Dp] per-chunk max |V|; nullptr for f16 V
};

// Bytes of workspace `carve` needs.
size_t packed_bytes(const PackedShape& s);
// Lays the buffers out in `base` (256-byte aligned each).
Packed carve(const PackedShape& s, void* base);

}  // namespace dattn::cuda::quant
