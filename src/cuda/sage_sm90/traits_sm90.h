// Compile-time shape of the Hopper sage_attn kernel: threads, tiles, and the shared-memory
// layout TMA writes and wgmma reads. One table of constants with the reason for each.
#pragma once

#include <cstdint>

#include "core/sage_contract.h"
#include "cuda/common/register_pool.h"
#include "cuda/quant/layout.h"

namespace dattn::cuda::sage_sm90 {

struct Tile {
  // Consumer warpgroups of 64 query rows each (one wgmma M, and one q_scale block each) share
  // every K/V tile; one more warpgroup drives TMA (fa_sm90's structure). How many consumers
  // is per kernel (TraitsSm90::kConsumers).
  // 128 keys per tile: S is one m64n128 accumulator (64 registers), P·V four k32 steps.
  // Two k_scale blocks per tile (kKBlock = 64).
  static constexpr int kBlockN = 128;
  static constexpr int kStages = 2;
  static constexpr int kProducerRegs = 24;
};
static_assert(Tile::kBlockN == 2 * dattn::sage::kKBlock, "two k_scale blocks per KV tile");
static_assert(dattn::sage::kQBlock == 64, "one q_scale per consumer warpgroup");
static_assert(Tile::kBlockN == 128, "V^T rows of one tile are one 128-byte swizzle span (issue_pv)");
static_assert(quant::PackConfig::kSeqPad % Tile::kBlockN == 0, "packed keys cover whole tiles: no load needs a bound");

template <int kDp_, bool kFp8_>
struct TraitsSm90 : Tile {
  static constexpr int kDp = kDp_;
  static constexpr bool kFp8 = kFp8_;
  static_assert(kDp == 64 || kDp == 128, "packed head dims");
  // D = 64: three consumer warpgroups (192 query rows per CTA), so each scheduler has three
  // warps to hide the softmax's latencies (the loop is bound by each warp's dependency chain,
  // bench/NOTES.md session 5); fp8's registers (O, O_t and S: 32 + 32 + 64) and f16's (O, S, P:
  // 32 + 64 + 32), with the row sums beside O (and O_t), fit 160 per thread (ptxas spills 40
  // bytes for fp8, 160 causal; f16 none, 16 causal).
  // Same-machine A/B on an H200 (bench/NOTES.md session 6): fp8 +9 %, f16 +10-11 % (SD3.5,
  // CogVideoX). At D = 128 two: O_t or P·V's f16 operands need 240.
  static constexpr int kConsumers = kDp == 64 ? 3 : 2;
  static constexpr int kBlockM = 64 * kConsumers;
  static constexpr int kThreads = 128 * (kConsumers + 1);
  static constexpr int kConsumerRegs = kConsumers == 3 ? 160 : 240;
  static_assert(kProducerRegs * 128 + kConsumerRegs * 128 * kConsumers <= launch_register_pool(kThreads),
                "setmaxnreg counts must fit the CTA's launch registers (common/register_pool.h)");
  // Q and K are int8 rows of kDp bytes: one swizzle span per row (128- or 64-byte swizzle),
  // so a tile is one TMA box and the k32 steps of wgmma advance 32 bytes along the row.
  static constexpr int kQKSwizzle = kDp;
  static constexpr uint32_t kQKAtomBytes = 8 * kDp;  // 8 rows: the descriptor's stride
  static constexpr uint32_t kQBytes = kBlockM * kDp;
  static constexpr uint32_t kKTileBytes = kBlockN * kDp;
  // fp8 V is V^T [kDp channels][128 keys]: rows of 128 bytes, K-major as 8-bit wgmma needs.
  // f16 V is [128 keys][kDp] like fa's V: kDp / 64 column blocks of [128][64], read N-major.
  static constexpr int kVColBlocks = kFp8 ? 1 : kDp / 64;
  static constexpr uint32_t kVColBlockBytes = kBlockN * 128;
  static constexpr uint32_t kVTileBytes = kFp8 ? kDp * kBlockN : kBlockN * kDp * 2;
  // fp8 P·V goes into a fresh accumulator per tile, added to O afterwards: the FP8 tensor-core
  // sum is a 22-bit float with 13 mantissa bits (DESIGN.md's two-level accumulation). f16
  // P·V accumulates into O itself, as fa does; the 64 registers of a second accumulator would
  // spill at kDp = 128.
  static constexpr bool kTwoLevel = kFp8;
  // Two-level only: fold the previous tile's P·V between the maxima and the exponentials of
  // the next (its FMAs fill the exponential unit's idle issue slots), rather than after them.
  // Measured at D = 128: +7-16 % end to end (bench/NOTES.md, v6); at D = 64 the fold is half
  // as long and splitting the softmax costs more than it gains (CogVideoX -13 %).
  static constexpr bool kFoldBeforeExps = kTwoLevel && kDp == 128;
  // The two consumers at D = 128 start half a period apart (sm90::WarpgroupStagger) rather
  // than issue their products in turns (ping-pong, which fa keeps). Same-machine A/Bs on an H200
  // (bench/NOTES.md v11, session 6): fp8 4-8 % faster; f16 1.4-2.6 % faster since its row sums
  // come from the tensor cores (with them in the exponentials, turns were 3-6 % faster on an
  // H100). At D = 64 three consumers run free.
  static constexpr bool kStagger = kDp == 128;
  static_assert(kConsumers == 2 || !kStagger, "the stagger pairs exactly two consumers");
  // The INT8 Q·Kᵀ accumulates onto a bias so that the softmax converts no score to float
  // (flash_sm90::OnlineSoftmaxSm90::max_int8), at the cost of 64 moves per tile to reset the
  // accumulator. Same-machine A/B on an H200 (bench/NOTES.md v15, v16): fp8 at D = 64 1-6 %
  // faster (its products are short, so the maxima weigh more); fp8 at D = 128 and f16 0-4 %
  // slower (the moves land in the exponentials, which bound those loops).
  static constexpr bool kBiasedScores = kFp8 && kDp == 64;
  // D = 64, non-causal: the tile loop as two loops, the unmasked tiles and then the masked one,
  // each holding one softmax path, rather than one loop branching per tile. fp8 then spills 40
  // bytes, 7 LDL/STL per tile, against 144 bytes, 37 per tile; f16 holds its row sums from the
  // tensor cores without a spill. Same-machine A/Bs (bench/NOTES.md session 11): fp8
  // CogVideoX +3.3 %, SD3.5 +0.5 % (H200, before fp8 took its row sums from the tensor cores);
  // f16 with its row sums +1.5-2.6 %, where one loop lost 0.8-1.7 % (H100). Split, fp8 at
  // D = 128 is 5-8 % slower (no spill to remove: ptxas schedules the shorter loop worse), f16
  // at D = 128 level, and fp8 causal at D = 64 -4 % on CogVideoX's shape, so those keep one loop.
  static constexpr bool kSplitTileLoop = kDp == 64;
  // The row sums of P come from the tensor cores, not from 64 adds per thread and tile among
  // the exponentials. Each V stage buffer is followed by ones (written once per CTA; TMA never
  // touches them) and P·V is m64n(D + 8): its last 8 columns are the sums of the P that the
  // product used (fp8 or f16), folded and rescaled exactly as O is. fp8's V^T takes 8 rows of
  // e4m3 ones; f16's N-major V a whole [128 keys][64] column block of f16 ones (its 128-byte
  // swizzle spreads the 8 columns over every 16-byte chunk of the block). Same-machine A/Bs:
  // D = 128 fp8 +2.6-7.2 %, f16 +1-2.7 % (H200, session 6); D = 64 fp8 +2.9-7.0 % although it
  // spills 40 bytes (160 causal), f16 +1.5-2.6 % with kSplitTileLoop (H100, session 11).
  static constexpr uint32_t kVSumBytes = kFp8 ? 8 * kBlockN : kVColBlockBytes;
  static constexpr uint32_t kVSumWord = kFp8 ? 0x38383838u : 0x3C003C00u;  // 1.0 in e4m3 / f16
  static constexpr uint32_t kVStageBytes = kVTileBytes + kVSumBytes;

  // Each consumer's 64 output rows (16-bit) staged for a TMA store where the output allows one
  // (kernel_sm90.cuh, store_output_tma).
  static constexpr uint32_t kOWarpgroupBytes = 64 * kDp * 2;

  // Byte offsets from the 1024-aligned shared-memory base (every tile stays 1024-aligned).
  static constexpr uint32_t kOffQ = 0;
  static constexpr uint32_t kOffK = kOffQ + kQBytes;
  static constexpr uint32_t kOffV = kOffK + kStages * kKTileBytes;
  static constexpr uint32_t kOffO = kOffV + kStages * kVStageBytes;
  static constexpr uint32_t kOffBarriers = kOffO + kConsumers * kOWarpgroupBytes;
  static_assert(kOffK % 1024 == 0 && kOffV % 1024 == 0 && kVStageBytes % 1024 == 0 && kOffBarriers % 8 == 0,
                "tile alignment");
  // q_full, then per stage k_full, v_full, k_empty, v_empty (fa_sm90's SmemSm90 order).
  static constexpr int kBarriers = 1 + 4 * kStages;
  // +1024: the runtime aligns the dynamic base to 16 bytes only; the kernel rounds it up.
  static constexpr int kSmemBytes = kOffBarriers + 8 * kBarriers + 1024;
  static_assert(kSmemBytes <= 227 * 1024, "more shared memory than an sm_90 CTA may use");
};

// The query rows per CTA of the kernel for a padded head dim and P·V precision (the host's Q
// tensor map boxes that many rows).
constexpr int block_m(int dp, bool fp8) {
  if (dp == 64) return fp8 ? TraitsSm90<64, true>::kBlockM : TraitsSm90<64, false>::kBlockM;
  return fp8 ? TraitsSm90<128, true>::kBlockM : TraitsSm90<128, false>::kBlockM;
}

}  // namespace dattn::cuda::sage_sm90
