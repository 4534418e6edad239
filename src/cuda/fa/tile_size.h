// Tile shapes of the mma.sync (sm_80+) fa kernel, one row per head_dim, with the reason.
// Every warp owns 16 query rows (one m16 MMA tile), so block_m = 16 * warps.
#pragma once

namespace dattn::cuda::flash {

struct TileSize {
  int block_m;          // query rows per block
  int block_n;          // keys per K/V tile
  int warps;
  int min_blocks_per_sm;  // __launch_bounds__ occupancy hint: caps registers per thread
};

constexpr TileSize tile_size_sm80(int head_dim) {
  // D=64: small rows, so a wide block shares each K/V tile among 8 warps; ~37 KB of shared
  //   memory and few registers allow 2+ blocks per SM.
  if (head_dim == 64) return {128, 64, 8, 2};
  // D=96: same shape as 64; 53 KB of shared memory still fits 2 blocks on an A100.
  if (head_dim == 96) return {128, 64, 8, 2};
  // D=128: 64 fp32 output + 32 score registers per thread; 8 warps halve the K/V re-reads
  //   of a 64-row block; 70 KB of shared memory fits 2 blocks on an A100, 3 on an H100.
  if (head_dim == 128) return {128, 64, 8, 2};
  // D=256: the 128 fp32 output registers per thread leave room only for a narrow score
  //   tile (block_n 32) and 4 warps; 68 KB of shared memory.
  if (head_dim == 256) return {64, 32, 4, 1};
  return {0, 0, 0, 0};
}

}  // namespace dattn::cuda::flash
