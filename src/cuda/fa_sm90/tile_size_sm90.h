// Tile shapes of the sm90 (wgmma + TMA) fa kernel, one row per head_dim, with the reason.
// Every consumer warpgroup owns 64 query rows (the M of one wgmma), so block_m = 64 * consumers.
#pragma once

namespace dattn::cuda::flash_sm90 {

struct TileSizeSm90 {
  int block_m;    // query rows per CTA
  int block_n;    // keys per K/V tile
  int consumers;  // consumer warpgroups
  int stages;     // K/V shared-memory buffers in flight
};

constexpr TileSizeSm90 tile_size_sm90(int head_dim) {
  // D=128: S (64 fp32 registers/thread at block_n 128) + O (64) + P (32) fit the 240 registers
  //   a consumer gets after setmaxnreg; Q 32 KB + 2 stages of K and V (128 KB) = 160 KB of
  //   the 227 KB a CTA may use, so 1 CTA/SM; two stages let TMA fetch tile n+1 during tile n.
  if (head_dim == 128) return {128, 128, 2, 2};
  // D=64: same shape; 80 KB of shared memory. block_n stays 128 so each Q·Kᵀ wgmma is wide
  //   (n128) and the softmax overhead per FLOP does not double.
  if (head_dim == 64) return {128, 128, 2, 2};
  return {0, 0, 0, 0};
}

}  // namespace dattn::cuda::flash_sm90
