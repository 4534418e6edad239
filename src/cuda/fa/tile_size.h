// Tile shapes of the mma.sync (sm_80+) fa kernel, one row per head_dim, with the reason.
// A warp owns m_tiles 16-row MMA tiles of queries, so block_m = 16 * m_tiles * warps; two
// tiles per warp read each K/V fragment from shared memory once for both, halving that
// traffic per MMA. Measured on an H100 (bench/results/2026-11-25-gpu-tests-*.md, bf16,
// D=128): 128x32 w4 mt2 247 / 307 TFLOPS (Flux / (4,32,8192)), 128x64 w4 mt2 253 / 309,
// 128x64 w8 mt1 258 / 293: within a few percent of each other, so the table keeps the shape
// that does not spill.
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
  // D=64: 2 x (32 output + 32 score) accumulators per thread (242 registers, no spill);
  //   block_n 128 would need 64 more and spills.
  if (head_dim == 64) return {128, 64, 4, 2, 2};
  // D=96: 2 x (48 output + 32 score) accumulators: 255 registers, no spill.
  if (head_dim == 96) return {128, 64, 4, 2, 2};
  // D=128: 2 x (64 output + 16 score) accumulators (252 registers). block_n 64 adds 32
  //   score registers and spills ~180 bytes per thread; FlashAttention-2 picks this 128x32
  //   shape on sm_8x for the same reason.
  if (head_dim == 128) return {128, 32, 4, 2, 2};
  // D=256: 128 output accumulators per thread leave room for one tile per warp and a
  //   narrow score tile (block_n 32) only; 68 KB of shared memory.
  if (head_dim == 256) return {64, 32, 4, 1, 1};
  return {0, 0, 0, 0, 0};
}

}  // namespace dattn::cuda::flash
