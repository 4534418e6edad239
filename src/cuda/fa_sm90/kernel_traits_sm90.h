// Compile-time shape of one sm90 fa kernel: threads, tiles, and the shared-memory layout that
// TMA writes and wgmma reads (128-byte swizzled, so every tile starts 1024-byte aligned).
#pragma once

#include <cstdint>

#include "cuda/common/register_pool.h"
#include "cuda/fa_sm90/tile_size_sm90.h"

namespace dattn::cuda::flash_sm90 {

// Whether the epilogue stages O in shared memory and stores it by TMA (epilogue_sm90.h): at
// D = 128, +7.7 % at (4,32,1024,128), +3.5 % at 4096, +2.2 % Flux with 128-key tiles, ~+1 % at
// 8k with 176-key tiles (same-call A/Bs on an H200, bench/NOTES.md v37, v40). Not at D = 64,
// whose three consumers measured 1.3 % slower with it (SD3.5, CogVideoX).
constexpr bool stores_o_by_tma(int head_dim) { return head_dim == 128; }

template <int kHeadDim_, class T, bool kWideKV = false>
struct KernelTraitsSm90 {
  using Element = T;
  static constexpr int kHeadDim = kHeadDim_;
  static constexpr TileSizeSm90 kTile = tile_size_sm90(kHeadDim, kWideKV);
  static_assert(kTile.block_m > 0, "no sm90 tile size for this head_dim");
  static constexpr int kBlockM = kTile.block_m;
  static constexpr int kBlockN = kTile.block_n;
  static constexpr int kConsumers = kTile.consumers;
  static constexpr int kStages = kTile.stages;
  static_assert(kBlockM == 64 * kConsumers, "each consumer warpgroup owns 64 query rows");
  static_assert(kBlockN == 128 || kBlockN == 176, "S is computed by m64n128 or m64n176 wgmma");
  static_assert(kConsumers == 2 || !kTile.overlap_softmax, "sm90::WarpgroupTurns pairs exactly two consumers");
  static constexpr int kThreads = 128 * (kConsumers + 1);  // warpgroup 0 produces

  // A 128-byte swizzle atom row holds 64 16-bit elements: tiles are stored as head_dim / 64
  // column blocks of [rows][64], which is also the TMA box.
  static constexpr int kBoxCols = 64;
  static constexpr int kColBlocks = kHeadDim / kBoxCols;
  static constexpr int kRowBytes = kBoxCols * 2;
  static constexpr uint32_t kQBytes = kBlockM * kHeadDim * 2;
  static constexpr uint32_t kKVBytes = kBlockN * kHeadDim * 2;  // one K or V tile
  static constexpr uint32_t kKTileBytes = kKVBytes, kVTileBytes = kKVBytes;
  static constexpr uint32_t kVStageBytes = kVTileBytes;  // V buffers' stride (sage's may exceed the tile)
  static constexpr uint32_t kQColBlockBytes = kBlockM * kRowBytes;
  static constexpr uint32_t kKVColBlockBytes = kBlockN * kRowBytes;

  // Two Q buffers let a persistent CTA load its next work item's Q while the current one runs
  // (flash_fwd_kernel_sm90.h); the 176-key tiles leave no room for a second (32 + 2 x 88 KB),
  // so those kernels take one item per CTA.
  static constexpr int kQBuffers = kWideKV ? 1 : 2;
  static constexpr bool kPersistent = kQBuffers == 2;

  static constexpr bool kStoreOByTma = stores_o_by_tma(kHeadDim);
  // The staging of a consumer's 64 rows: a buffer of its own (kOWarpgroupBytes, one 64-column
  // box after another), or, in a CTA that runs one item (the 176-key tiles, which have no room
  // for one), the consumer's own rows of the Q buffer, dead once its last Q·Kᵀ retired: the
  // same 128-byte-swizzled [64 rows][64 columns] boxes, kQColBlockBytes apart.
  // (The Q rows are dead only because such a CTA runs a single item: the launcher's rule, which
  // flash_fwd_kernel_sm90 traps on if broken.)
  static constexpr bool kOStagedInQ = kStoreOByTma && !kPersistent;
  static constexpr uint32_t kOWarpgroupBytes = 64 * kHeadDim * 2;
  static constexpr uint32_t kOBytes = kStoreOByTma && !kOStagedInQ ? kConsumers * kOWarpgroupBytes : 0;
  static constexpr uint32_t kOBoxStride = kOStagedInQ ? kQColBlockBytes : 64 * kRowBytes;

  // Byte offsets from the 1024-aligned shared-memory base.
  static constexpr uint32_t kOffQ = 0;
  static constexpr uint32_t kOffK = kOffQ + kQBuffers * kQBytes;
  static constexpr uint32_t kOffV = kOffK + kStages * kKVBytes;
  static constexpr uint32_t kOffO = kOffV + kStages * kVStageBytes;
  static constexpr uint32_t kOffBarriers = kOffO + kOBytes;
  // q_full, then per stage k_full, v_full, k_empty, v_empty (SmemSm90), then q_full of buffer 1
  // and q_empty of both (SmemFa).
  static constexpr int kBarriers = 1 + 4 * kStages + 3;
  // +1024: the runtime aligns the dynamic base to 16 bytes only; the kernel rounds it up.
  static constexpr int kSmemBytes = kOffBarriers + 8 * kBarriers + 1024;
  static_assert(kSmemBytes <= 227 * 1024, "more shared memory than an sm_90 CTA may use");
  // Consumer wg's staging for its output rows (epilogue_sm90.h), from the aligned base.
  static constexpr uint32_t o_staging(int wg) {
    return kOStagedInQ ? kOffQ + wg * 64 * kRowBytes : kOffO + wg * kOWarpgroupBytes;
  }

  // Producer warpgroup keeps few registers; consumers take the rest (setmaxnreg).
  static constexpr int kProducerRegs = 24;
  static constexpr int kConsumerRegs = kConsumers == 2 ? 240 : 160;
  static_assert(kProducerRegs * 128 + kConsumerRegs * 128 * kConsumers <= launch_register_pool(kThreads),
                "setmaxnreg counts must fit the CTA's launch registers (common/register_pool.h)");
};

}  // namespace dattn::cuda::flash_sm90
