// Shapes and shared-memory layout of the mma.sync fa kernel, derived from tile_size.h.
#pragma once

#include <cstdint>

#include "cuda/fa/tile_size.h"

namespace dattn::cuda::flash {

// The tile defaults to tile_size.h's row; the timing tool instantiates other shapes to
// compare them (the library itself uses the defaults only).
template <int kHeadDim_, class Element_, int kBlockM_ = tile_size_sm80(kHeadDim_).block_m,
          int kBlockN_ = tile_size_sm80(kHeadDim_).block_n, int kWarps_ = tile_size_sm80(kHeadDim_).warps,
          int kMTiles_ = tile_size_sm80(kHeadDim_).m_tiles,
          int kMinBlocksPerSm_ = tile_size_sm80(kHeadDim_).min_blocks_per_sm>
struct KernelTraitsSm80 {
  using Element = Element_;
  static constexpr int kHeadDim = kHeadDim_;
  static_assert(kBlockM_ > 0, "no fa tile size for this head_dim (see tile_size.h)");
  static constexpr int kBlockM = kBlockM_;
  static constexpr int kBlockN = kBlockN_;
  static constexpr int kWarps = kWarps_;
  static constexpr int kThreads = kWarps * 32;
  static constexpr int kMTiles = kMTiles_;  // 16-row MMA tiles per warp
  static constexpr int kWarpRows = 16 * kMTiles;
  static constexpr int kMinBlocksPerSm = kMinBlocksPerSm_;
  static_assert(kBlockM == kWarpRows * kWarps, "a block is its warps' row tiles");
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
