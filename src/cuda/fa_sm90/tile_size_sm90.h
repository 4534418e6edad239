// Tile shapes of the sm90 (wgmma + TMA) fa kernel, one row per head_dim, with the reason.
// Every consumer warpgroup owns 64 query rows (the M of one wgmma), so block_m = 64 * consumers.
#pragma once

#include <cstdint>

namespace dattn::cuda::flash_sm90 {

struct TileSizeSm90 {
  int block_m;    // query rows per CTA
  int block_n;    // keys per K/V tile
  int consumers;  // consumer warpgroups
  int stages;     // K/V shared-memory buffers in flight
  // Softmax of tile n runs while P·V of tile n-1 is on the tensor cores (intra-warpgroup
  // overlap); otherwise each wgmma group is waited for at once.
  bool overlap_softmax;
};

// wide_kv (D = 128 only, wide_kv_tiles() below): 176-key tiles instead of 128.
constexpr TileSizeSm90 tile_size_sm90(int head_dim, bool wide_kv = false) {
  // D=128: S (64 fp32 registers/thread at block_n 128) + O (64) + P (32) fit the 240 registers
  //   a consumer gets after setmaxnreg; two Q buffers (64 KB: a persistent CTA loads its next
  //   item's Q early, kernel_traits_sm90.h) + 2 stages of K and V (128 KB) + O's staging for
  //   its TMA store (32 KB, epilogue_sm90.h) = 224 KB of the 227 KB a CTA may use, so 1 CTA/SM;
  //   two stages let TMA fetch tile n+1 during tile n.
  //   Overlap: measured +6-11 % on an H100 (bench/NOTES.md, v2).
  //   wide_kv: 176 keys (FA3's tile for non-causal hdim 128): S 88 + O 64 + P 44 registers, no
  //   spills; 208 KB of shared memory with one Q buffer (so one item per CTA); 903 SASS
  //   instructions per 176-key tile against 699 per 128, so the per-tile costs (barriers,
  //   waits, row maxima) spread over 37 % more keys.
  if (head_dim == 128) return {128, wide_kv ? 176 : 128, 2, 2, true};
  // D=64: three consumers (192 query rows, as FA3 does): S (64) + O (32) + P (32) fit the 160
  //   registers each of three consumers gets, and a third warp per scheduler hides more of the
  //   softmax's latencies: same-machine A/B on an H200 against two consumers (bench/NOTES.md
  //   session 6) SD3.5 1.002 -> 0.764 ms, CogVideoX 8.83 -> 7.31 ms. block_n stays 128 so each
  //   Q·Kᵀ wgmma is wide (n128) and the softmax overhead per FLOP does not double. 112 KB of
  //   shared memory (two 24 KB Q buffers, two 32 KB stages). No overlap: it measured 10 % slower at D=64 on an H100 (bench/NOTES.md, v2).
  if (head_dim == 64) return {192, 128, 3, 2, false};
  return {0, 0, 0, 0, false};
}

// Whether a problem runs on the 176-key tiles: D = 128, non-causal, at least 8192 keys. Same-
// machine A/B on an H200 (bench/NOTES.md session 7): +1.7 % at (4,32,16384), +2.0 % at 32768,
// +2.3 % at Wan's (1,40,32760); but -1 % at Flux's 4608 keys and -3 % at 1024, where the
// last tile's padding (3 % of the keys there, 1 % at 8192) costs more than the wider tile
// saves. Causal keeps 128, as FA3 does (the masked diagonal tiles grow with block_n).
inline bool wide_kv_tiles(int64_t head_dim, int64_t seq_kv, bool causal) {
  return head_dim == 128 && !causal && seq_kv >= 8192;
}

}  // namespace dattn::cuda::flash_sm90
