// Tile shapes of the mma.sync (sm_80+) fa kernel, one row per head_dim, with the reason.
// A warp owns m_tiles 16-row MMA tiles of queries, so block_m = 16 * m_tiles * warps; two
// tiles per warp share every K/V fragment read from shared memory, halving that traffic
// per MMA (measured on the H100: shared-memory reads, not the tensor cores, bound the
// one-tile version at ~260 TFLOPS for D=128).
#pragma once

namespace dattn::cuda::flash {

struct TileSize {
  int block_m;            // query rows per block
  int block_n;            // keys per K/V tile
  int warps;
  int m_tiles;            // 16-row MMA tiles per warp
  int min_blocks_per_sm;  // __launch_bounds__ occupancy hint: caps registers per thread
};

constexpr TileSize tile_size_sm80(int head_dim) {
  // D=64: 2 tiles per warp need 32 + 32 accumulator registers per tile; 128 keys per tile
  //   halve the loop's barriers; 2 blocks of 4 warps per SM.
  if (head_dim == 64) return {128, 128, 4, 2, 2};
  // D=96: 2 x (48 output + 32 score) accumulators per thread fit the 255-register limit.
  if (head_dim == 96) return {128, 64, 4, 2, 2};
  // D=128: FlashAttention-2's sm_80 shape: 2 x (64 output + 32 score) accumulators per
  //   thread, 4 warps, 2 blocks per SM (70 KB of shared memory each).
  if (head_dim == 128) return {128, 64, 4, 2, 2};
  // D=256: 128 output accumulators per thread leave room for one tile per warp and a
  //   narrow score tile (block_n 32) only; 68 KB of shared memory.
  if (head_dim == 256) return {64, 32, 4, 1, 1};
  return {0, 0, 0, 0, 0};
}

}  // namespace dattn::cuda::flash
