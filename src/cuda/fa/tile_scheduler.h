// Maps a CUDA block to its (query tile, head, batch).
#pragma once

#include <cstdint>

namespace dattn::cuda::flash {

struct BlockCoord {
  int m_block, head, batch;
};

// Query tiles go in reverse: under a causal mask the last tiles see the most keys, so
// starting them first keeps the tail of the grid short.
__device__ __forceinline__ BlockCoord block_coord() {
  return {static_cast<int>(gridDim.x - 1 - blockIdx.x), static_cast<int>(blockIdx.y),
          static_cast<int>(blockIdx.z)};
}

}  // namespace dattn::cuda::flash
