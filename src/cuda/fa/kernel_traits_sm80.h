// Shapes and shared-memory layout of the mma.sync fa kernel, derived from tile_size.h.
#pragma once

#include <cstdint>

#include "cuda/fa/tile_size.h"

namespace dattn::cuda::flash {

template <int kHeadDim_, class Element_>
struct KernelTraitsSm80 {
  using Element = Element_;
  static constexpr int kHeadDim = kHeadDim_;
  static constexpr TileSize kTile = tile_size_sm80(kHeadDim);
  static_assert(kTile.block_m > 0, "no fa tile size for this head_dim (see tile_size.h)");
  static constexpr int kBlockM = kTile.block_m;
  static constexpr int kBlockN = kTile.block_n;
  static constexpr int kWarps = kTile.warps;
  static constexpr int kThreads = kWarps * 32;
  static constexpr int kMinBlocksPerSm = kTile.min_blocks_per_sm;
  static_assert(kBlockM == 16 * kWarps, "each warp owns one 16-row MMA tile");
  static_assert(kHeadDim % 16 == 0 && kBlockN % 16 == 0, "k16 MMA steps over D and over keys");

  // Rows padded by 16 bytes: the 8 row addresses of one ldmatrix then start 4 banks apart
  // and cover all 32 banks, so no swizzle is needed, for every head_dim (a swizzle of 8
  // 16-byte chunks would not fit D=96's 12).
  static constexpr int kSmemStride = kHeadDim + 8;  // elements
  static constexpr int kChunksPerRow = kHeadDim / 8;  // 16-byte chunks
  static constexpr int kSmemQ = kBlockM * kSmemStride;
  static constexpr int kSmemK = kBlockN * kSmemStride;
  static constexpr int kSmemV = kBlockN * kSmemStride;
  static constexpr int kSmemBytes = (kSmemQ + kSmemK + kSmemV) * int(sizeof(Element));

  static constexpr int kNTilesS = kBlockN / 8;  // n8 tiles of the score row block
  static constexpr int kNTilesO = kHeadDim / 8;  // n8 tiles of the output row block
  static_assert(kBlockN * kChunksPerRow % kThreads == 0, "K/V tile loads split evenly");
  static_assert(kBlockM * kChunksPerRow % kThreads == 0, "Q tile loads split evenly");
};

}  // namespace dattn::cuda::flash
