// The fa forward kernel for sm_90a: one CTA per (block_m-row query tile, head, batch).
// Warpgroup 0 gives up its registers and one of its threads drives TMA; the consumer
// warpgroups (tile_size_sm90.h: two at D = 128, three at D = 64) each own 64 query rows and run
// wgmma + the online softmax. The consumers share every K/V tile and fill each other's gaps on
// the tensor cores; at D = 128 each also overlaps its own softmax with its wgmma (see the
// consumer loop).
#pragma once

#include <cstdint>

#include "cuda/fa_sm90/epilogue_sm90.h"
#include "cuda/fa_sm90/mainloop_sm90.h"
#include "cuda/fa_sm90/params_sm90.h"
#include "cuda/fa_sm90/softmax_sm90.h"

namespace dattn::cuda::flash_sm90 {

// Query tiles go in reverse: under a causal mask the last tiles see the most keys, so
// starting them first keeps the tail of the grid short.
__device__ __forceinline__ int m_block_of_cta() { return static_cast<int>(gridDim.x - 1 - blockIdx.x); }

template <class Traits>
__global__ void __launch_bounds__(Traits::kThreads, 1)
    flash_fwd_kernel_sm90(const __grid_constant__ TensorMaps tm, const __grid_constant__ ParamsSm90 p) {
#if defined(__CUDA_ARCH_FEAT_SM90_ALL)
  using T = typename Traits::Element;
  constexpr int kBlockM = Traits::kBlockM;
  constexpr int kBlockN = Traits::kBlockN;
  constexpr int kNBlocksS = kBlockN / 8;
  constexpr int kNBlocksO = Traits::kHeadDim / 8;

  extern __shared__ __align__(16) unsigned char smem_raw[];
  const uint32_t raw = sm90::smem_u32(smem_raw);
  const SmemSm90<Traits> sm{(raw + 1023u) & ~1023u};

  const int head = blockIdx.y;
  const TileCoord tc{m_block_of_cta() * kBlockM, head, head / p.group, static_cast<int>(blockIdx.z)};
  const KeyTiles keys = KeyTiles::of(tc.m0, kBlockM, kBlockN, p.seq_q, p.seq_kv, p.causal);
  const int n_tiles = keys.count, first_masked_tile = keys.first_masked;

  const int warpgroup = sm90::warpgroup_index();
  if (threadIdx.x == 0) sm.init_barriers();
  __syncthreads();

  if (warpgroup == 0) {
    sm90::regs_release<Traits::kProducerRegs>();
    if (threadIdx.x == 0 && n_tiles > 0) ProducerSm90<Traits>::run(sm, &tm.q, &tm.k, &tm.v, tc, n_tiles);
  } else {
    sm90::regs_claim<Traits::kConsumerRegs>();
    using Consumer = ConsumerSm90<Traits>;
    const int wg = warpgroup - 1;
    const int lane = threadIdx.x % 32;
    const int warp_row = wg * 64 + (threadIdx.x / 32 % 4) * 16 + lane / 4;  // row within the tile
    const int row = tc.m0 + warp_row;

    float o[kNBlocksO][4];
#pragma unroll
    for (int i = 0; i < kNBlocksO; ++i) o[i][0] = o[i][1] = o[i][2] = o[i][3] = 0.0f;
    OnlineSoftmaxSm90<kNBlocksS, kNBlocksO> softmax;

    const uint32_t q_rows = sm.q() + wg * 64 * Traits::kRowBytes;
    uint32_t pa[kBlockN / 16][4];
    const auto scores_to_p = [&](float (&sc)[kNBlocksS][4], int n, float (&alpha)[2]) {
      if (n >= first_masked_tile) mask_scores(sc, -INFINITY, p.seq_q, p.seq_kv, p.causal, row, n * kBlockN);
      softmax.update(sc, alpha, p.scale_log2);
    };
    const auto pack_p = [&](const float (&sc)[kNBlocksS][4]) {
#pragma unroll
      for (int j = 0; j < kBlockN / 16; ++j) {
        pa[j][0] = sm80::pack2<T>(sc[2 * j][0], sc[2 * j][1]);
        pa[j][1] = sm80::pack2<T>(sc[2 * j][2], sc[2 * j][3]);
        pa[j][2] = sm80::pack2<T>(sc[2 * j + 1][0], sc[2 * j + 1][1]);
        pa[j][3] = sm80::pack2<T>(sc[2 * j + 1][2], sc[2 * j + 1][3]);
      }
    };
    if (n_tiles > 0) sm90::mbar_wait(sm.q_full(), 0);
    if constexpr (!Traits::kTile.overlap_softmax) {
      for (int n = 0; n < n_tiles; ++n) {
        const int s = n % Traits::kStages;
        const uint32_t parity = (n / Traits::kStages) & 1;
        float sc[kNBlocksS][4];
        float alpha[2];
        sm90::mbar_wait(sm.k_full(s), parity);
        Consumer::issue_qk(sc, q_rows, sm.k(s));
        sm90::wgmma_wait<0>();
        sm90::fence_registers(sc);
        release_buffer(sm.k_empty(s));
        scores_to_p(sc, n, alpha);
        OnlineSoftmaxSm90<kNBlocksS, kNBlocksO>::rescale(o, alpha);
        pack_p(sc);
        sm90::mbar_wait(sm.v_full(s), parity);
        Consumer::issue_pv(o, pa, sm.v(s));
        sm90::wgmma_wait<0>();
        sm90::fence_registers(o);
        sm90::fence_registers(pa);  // P stayed in its registers until its product retired
        release_buffer(sm.v_empty(s));
      }
    } else if (n_tiles > 0) {
      // Software pipeline inside the warpgroup (FA3's intra-warpgroup overlap): S_n = Q·K_nᵀ
      // and O += P_{n-1}·V_{n-1} are in flight together, and the softmax of S_n runs while the
      // tensor cores finish P_{n-1}·V_{n-1}. O is rescaled only after that product retired.
      // The two warpgroups issue in turns, so one's softmax overlaps the other's products.
      const sm90::WarpgroupTurns turns{wg};
      turns.start();
      {
        float sc[kNBlocksS][4];
        float alpha[2];
        sm90::mbar_wait(sm.k_full(0), 0);
        turns.wait_turn();
        Consumer::issue_qk(sc, q_rows, sm.k(0));
        turns.pass_turn(n_tiles == 1);
        sm90::wgmma_wait<0>();
        sm90::fence_registers(sc);
        release_buffer(sm.k_empty(0));
        scores_to_p(sc, 0, alpha);  // O is still zero: alpha needs no applying
        pack_p(sc);
      }
      for (int n = 1; n < n_tiles; ++n) {
        const int s = n % Traits::kStages;
        const int prev = (n - 1) % Traits::kStages;
        float sc[kNBlocksS][4];
        float alpha[2];
        sm90::mbar_wait(sm.k_full(s), (n / Traits::kStages) & 1);
        turns.wait_turn();
        Consumer::issue_qk(sc, q_rows, sm.k(s));
        sm90::mbar_wait(sm.v_full(prev), ((n - 1) / Traits::kStages) & 1);
        Consumer::issue_pv(o, pa, sm.v(prev));
        turns.pass_turn(n == n_tiles - 1);
        sm90::wgmma_wait<1>();  // S_n is ready; P_{n-1}·V_{n-1} may still run
        sm90::fence_registers(sc);
        release_buffer(sm.k_empty(s));
        scores_to_p(sc, n, alpha);
        sm90::wgmma_wait<0>();
        sm90::fence_registers(o);
        sm90::fence_registers(pa);  // P stayed in its registers until its product retired
        release_buffer(sm.v_empty(prev));
        OnlineSoftmaxSm90<kNBlocksS, kNBlocksO>::rescale(o, alpha);
        pack_p(sc);
      }
      const int last = (n_tiles - 1) % Traits::kStages;
      sm90::mbar_wait(sm.v_full(last), ((n_tiles - 1) / Traits::kStages) & 1);
      Consumer::issue_pv(o, pa, sm.v(last));
      sm90::wgmma_wait<0>();
      sm90::fence_registers(o);
      sm90::fence_registers(pa);  // P stayed in its registers until its product retired
      release_buffer(sm.v_empty(last));
    }

    float inv_sum[2], row_lse[2];
    softmax.finalize(inv_sum, row_lse, p.scale_log2);
    T* out = static_cast<T*>(p.out) + tc.batch * p.out_stride_b + head * p.out_stride_h +
             int64_t(tc.m0) * p.out_stride_s;
    float* lse = p.lse == nullptr ? nullptr : p.lse + tc.batch * p.lse_stride_b + head * p.lse_stride_h + tc.m0;
    EpilogueSm90<Traits>::store(o, inv_sum, row_lse, out, p.out_stride_s, lse, warp_row, p.seq_q - tc.m0);
  }
#endif
}

}  // namespace dattn::cuda::flash_sm90
