// The fa forward kernel for sm_90a. Work items are block_m query rows of one (batch, head)
// (params_sm90.h, WorkList); a CTA runs one item, or, persistent (Traits::kPersistent and no
// causal mask: one CTA per SM, as cuDNN's kernel), every gridDim.x-th item. Warpgroup 0 gives up
// its registers and one of its threads drives TMA: each item's Q into one of two buffers while
// the item before runs, and the K/V tiles of all items through one ring of stages. The
// consumer warpgroups (tile_size_sm90.h: two at D = 128, three at D = 64) each own 64 query rows
// and run wgmma + the online softmax. The consumers share every K/V tile and fill each other's
// gaps on the tensor cores; at D = 128 each also overlaps its own softmax with its wgmma, across
// work items too (see the consumer loop), and stores its rows through shared memory by TMA
// (epilogue_sm90.h).
#pragma once

#include <cstdint>

#include "cuda/fa_sm90/epilogue_sm90.h"
#include "cuda/fa_sm90/mainloop_sm90.h"
#include "cuda/fa_sm90/params_sm90.h"
#include "cuda/fa_sm90/softmax_sm90.h"

namespace dattn::cuda::flash_sm90 {

// SmemSm90 plus the second Q buffer: a CTA's j-th item uses buffer j % kQBuffers, which the
// producer fills once q_empty says every consumer warp is done with item j - 2's Q.
template <class Traits>
struct SmemFa : SmemSm90<Traits> {
  using Base = SmemSm90<Traits>;
  static constexpr int kExtra = 1 + 4 * Traits::kStages;  // the first barrier after SmemSm90's
  __device__ __forceinline__ uint32_t q(int b) const { return Base::q() + b * Traits::kQBytes; }
  __device__ __forceinline__ uint32_t q_full(int b) const { return b == 0 ? Base::q_full() : this->bar(kExtra); }
  __device__ __forceinline__ uint32_t q_empty(int b) const { return this->bar(kExtra + 1 + b); }
  __device__ __forceinline__ void init_barriers() const {
    constexpr uint32_t kConsumerWarps = 4 * Traits::kConsumers;
    sm90::mbar_init(q_full(1), 1);
    sm90::mbar_init(q_empty(0), kConsumerWarps);
    sm90::mbar_init(q_empty(1), kConsumerWarps);
    Base::init_barriers();  // ends with the fence that publishes every barrier
  }
};

// The coordinates of work item `item`: m-block fastest, reversed under a causal mask (the last
// tiles see the most keys, so starting them first keeps the tail of the grid short).
template <class Traits>
__device__ __forceinline__ TileCoord tile_coord(const WorkList& w, int item, const ParamsSm90& p) {
  int m = item % w.m_blocks;
  const int bh = item / w.m_blocks;
  if (p.causal) m = w.m_blocks - 1 - m;
  const int head = bh % w.heads_q;
  return {m * Traits::kBlockM, head, head / p.group, bh / w.heads_q};
}

// The key tiles work item `tc` sees.
template <class Traits>
__device__ __forceinline__ KeyTiles item_keys(const TileCoord& tc, const ParamsSm90& p) {
  return KeyTiles::of(tc.m0, Traits::kBlockM, Traits::kBlockN, p.seq_q, p.seq_kv, p.causal);
}

// The producer thread: item j's Q into buffer j % kQBuffers, then its K/V tiles, the stages
// and their phases carried on from the CTA's earlier items.
template <class Traits>
__device__ void produce(const SmemFa<Traits>& sm, const TensorMaps& tm, const ParamsSm90& p, const WorkList& w) {
  using P = ProducerSm90<Traits>;
  sm90::tma_prefetch_descriptor(&tm.q);
  sm90::tma_prefetch_descriptor(&tm.k);
  sm90::tma_prefetch_descriptor(&tm.v);
  int first_tile = 0;
  for (int item = blockIdx.x, j = 0; item < w.items; item += gridDim.x, ++j) {
    const TileCoord tc = tile_coord<Traits>(w, item, p);
    const int n_tiles = item_keys<Traits>(tc, p).count;
    if (n_tiles == 0) continue;  // the consumers only write its zeros (possible under causal only)
    const int b = j % Traits::kQBuffers;
    if (j >= Traits::kQBuffers) sm90::mbar_wait(sm.q_empty(b), (j / Traits::kQBuffers - 1) & 1);
    sm90::mbar_arrive_expect_tx(sm.q_full(b), Traits::kQBytes);
    P::load_tile(sm.q(b), Traits::kQColBlockBytes, &tm.q, sm.q_full(b), tc.m0, tc.head, tc.batch);
    stream_kv_tiles(
        sm, n_tiles,
        [&](int s, int row0) {
          P::load_tile(sm.k(s), Traits::kKVColBlockBytes, &tm.k, sm.k_full(s), row0, tc.head_kv, tc.batch);
        },
        [&](int s, int row0) {
          P::load_tile(sm.v(s), Traits::kKVColBlockBytes, &tm.v, sm.v_full(s), row0, tc.head_kv, tc.batch);
        },
        first_tile);
    first_tile += n_tiles;
  }
}

template <class Traits>
__global__ void __launch_bounds__(Traits::kThreads, 1)
    flash_fwd_kernel_sm90(const __grid_constant__ TensorMaps tm, const __grid_constant__ ParamsSm90 p,
                          const WorkList w) {
#if defined(__CUDA_ARCH_FEAT_SM90_ALL)
  using T = typename Traits::Element;
  constexpr int kBlockN = Traits::kBlockN;
  constexpr int kNBlocksS = kBlockN / 8;
  constexpr int kNBlocksO = Traits::kHeadDim / 8;
  constexpr int kStages = Traits::kStages;
  using Softmax = OnlineSoftmaxSm90<kNBlocksS, kNBlocksO>;

  extern __shared__ __align__(16) unsigned char smem_raw[];
  const uint32_t raw = sm90::smem_u32(smem_raw);
  const SmemFa<Traits> sm{{(raw + 1023u) & ~1023u}};

  // A CTA takes several items only when persistent and without a causal mask (the launcher's
  // rule): the item code relies on it (every item has tiles; one item without two Q buffers).
  // Broken, it would hang; trap instead.
  if ((!Traits::kPersistent || p.causal) && static_cast<int>(gridDim.x) < w.items) __trap();
  const int warpgroup = sm90::warpgroup_index();
  if (threadIdx.x == 0) sm.init_barriers();
  __syncthreads();

  if (warpgroup == 0) {
    sm90::regs_release<Traits::kProducerRegs>();
    if (threadIdx.x == 0) produce(sm, tm, p, w);
    return;  // nothing CTA-wide follows
  }
  sm90::regs_claim<Traits::kConsumerRegs>();
  using Consumer = ConsumerSm90<Traits>;
  const int wg = warpgroup - 1;
  const int lane = threadIdx.x % 32;
  const int warp_row = wg * 64 + (threadIdx.x / 32 % 4) * 16 + lane / 4;  // row within a tile

  float o[kNBlocksO][4];
  const auto zero_o = [&] {
#pragma unroll
    for (int i = 0; i < kNBlocksO; ++i) o[i][0] = o[i][1] = o[i][2] = o[i][3] = 0.0f;
  };
  zero_o();
  Softmax softmax;
  uint32_t pa[kBlockN / 16][4];
  const auto pack_p = [&](const float (&sc)[kNBlocksS][4]) {
#pragma unroll
    for (int j = 0; j < kBlockN / 16; ++j) {
      pa[j][0] = sm80::pack2<T>(sc[2 * j][0], sc[2 * j][1]);
      pa[j][1] = sm80::pack2<T>(sc[2 * j][2], sc[2 * j][3]);
      pa[j][2] = sm80::pack2<T>(sc[2 * j + 1][0], sc[2 * j + 1][1]);
      pa[j][3] = sm80::pack2<T>(sc[2 * j + 1][2], sc[2 * j + 1][3]);
    }
  };
  // Normalizes O and writes the item's rows (and LSE), then starts the next item from zero.
  const auto finish_item = [&](const TileCoord& tc, const float (&inv_sum)[2], const float (&row_lse)[2]) {
    float* lse = p.lse == nullptr ? nullptr : p.lse + tc.batch * p.lse_stride_b + tc.head * p.lse_stride_h + tc.m0;
    if constexpr (Traits::kStoreOByTma) {
      EpilogueSm90<Traits>::store_tma(o, inv_sum, row_lse, sm.base + Traits::o_staging(wg),
                                      &tm.o, sm90::WarpgroupBarrier{wg}, tc.m0 + wg * 64, tc.head, tc.batch, lse,
                                      warp_row, p.seq_q - tc.m0);
    } else {
      T* out = static_cast<T*>(p.out) + tc.batch * p.out_stride_b + tc.head * p.out_stride_h +
               int64_t(tc.m0) * p.out_stride_s;
      EpilogueSm90<Traits>::store(o, inv_sum, row_lse, out, p.out_stride_s, lse, warp_row, p.seq_q - tc.m0);
    }
    zero_o();
  };
  // This warp is done reading Q buffer b (every Q·Kᵀ of an item retired): the producer may
  // load the item after next there.
  const auto release_q = [&](int b) {
    if constexpr (Traits::kPersistent) release_buffer(sm.q_empty(b));
  };

  if constexpr (!Traits::kTile.overlap_softmax) {
    int g = 0;  // the CTA's K/V tiles so far: stage g % kStages, phase g / kStages
    for (int item = blockIdx.x, j = 0; item < w.items; item += gridDim.x, ++j) {
      const TileCoord tc = tile_coord<Traits>(w, item, p);
      const KeyTiles keys = item_keys<Traits>(tc, p);
      const int b = j % Traits::kQBuffers;
      const uint32_t q_rows = sm.q(b) + wg * 64 * Traits::kRowBytes;
      const int row = tc.m0 + warp_row;
      if (keys.count > 0) sm90::mbar_wait(sm.q_full(b), (j / Traits::kQBuffers) & 1);
      for (int n = 0; n < keys.count; ++n, ++g) {
        const int s = g % kStages;
        const uint32_t parity = (g / kStages) & 1;
        float sc[kNBlocksS][4];
        float alpha[2];
        sm90::mbar_wait(sm.k_full(s), parity);
        Consumer::issue_qk(sc, q_rows, sm.k(s));
        sm90::wgmma_wait<0>();
        sm90::fence_registers(sc);
        release_buffer(sm.k_empty(s));
        if (n >= keys.first_masked) mask_scores(sc, -INFINITY, p.seq_q, p.seq_kv, p.causal, row, n * kBlockN);
        softmax.update(sc, alpha, p.scale_log2);
        Softmax::rescale(o, alpha);
        pack_p(sc);
        sm90::mbar_wait(sm.v_full(s), parity);
        Consumer::issue_pv(o, pa, sm.v(s));
        sm90::wgmma_wait<0>();
        sm90::fence_registers(o);
        sm90::fence_registers(pa);  // P stayed in its registers until its product retired
        release_buffer(sm.v_empty(s));
      }
      if (keys.count > 0) release_q(b);  // every Q·Kᵀ of the item has retired
      float inv_sum[2], row_lse[2];
      softmax.finalize(inv_sum, row_lse, p.scale_log2);
      softmax = Softmax{};
      finish_item(tc, inv_sum, row_lse);
    }
    EpilogueSm90<Traits>::drain();
  } else {
    // Software pipeline inside the warpgroup (FA3's intra-warpgroup overlap): S_n = Q·K_nᵀ and
    // O += P_{n-1}·V_{n-1} are in flight together, and the softmax of S_n runs while the tensor
    // cores finish P_{n-1}·V_{n-1}. O is rescaled only after that product retired. The two
    // warpgroups issue in turns, so one's softmax overlaps the other's products. A persistent
    // CTA's items follow each other without draining the tensor cores: an item's last P·V is
    // issued with the next item's first Q·Kᵀ (the boundary below), then the finished item is
    // normalized and stored while the other warpgroup's products run. Each wgmma is issued at
    // one place, on no divergent path, and every loop iteration ends with its groups retired:
    // otherwise ptxas serializes every wgmma (C7514, C7518) or spills the tile loop (C7511).
    // A CTA has more than one item only without a causal mask, where every item has tiles.
    const sm90::WarpgroupTurns turns{wg};
    int item = blockIdx.x;
    if (item >= w.items) return;
    TileCoord tc = tile_coord<Traits>(w, item, p);
    KeyTiles keys = item_keys<Traits>(tc, p);
    if (keys.count == 0) {  // no key to see (causal only): zeros and -inf LSE
      float inv_sum[2], row_lse[2];
      softmax.finalize(inv_sum, row_lse, p.scale_log2);
      finish_item(tc, inv_sum, row_lse);
      EpilogueSm90<Traits>::drain();
      return;
    }
    turns.start();
    int j = 0;  // the item's place in the CTA's list: Q buffer j % kQBuffers
    int g = 0;  // the CTA's K/V tiles so far: stage g % kStages, phase g / kStages
    const auto scores_to_p = [&](float (&sc)[kNBlocksS][4], int n, float (&alpha)[2]) {
      if (n >= keys.first_masked) {
        mask_scores(sc, -INFINITY, p.seq_q, p.seq_kv, p.causal, tc.m0 + warp_row, n * kBlockN);
      }
      softmax.update(sc, alpha, p.scale_log2);
    };
    // Per item: this warpgroup's Q rows, and the tile of the CTA's last turn (-1: not here).
    uint32_t q_rows = sm.q(0) + wg * 64 * Traits::kRowBytes;
    const auto last_turn_of = [&] { return item + static_cast<int>(gridDim.x) >= w.items ? keys.count - 1 : -1; };
    int last_turn = last_turn_of();
    {  // the first item's tile 0
      float sc[kNBlocksS][4];
      float alpha[2];
      sm90::mbar_wait(sm.q_full(0), 0);
      sm90::mbar_wait(sm.k_full(0), 0);
      turns.wait_turn();
      Consumer::issue_qk(sc, q_rows, sm.k(0));
      turns.pass_turn(last_turn == 0);
      sm90::wgmma_wait<0>();
      sm90::fence_registers(sc);
      release_buffer(sm.k_empty(0));
      scores_to_p(sc, 0, alpha);  // O is zero: alpha needs no applying
      pack_p(sc);
      g = 1;
    }
    while (true) {
      for (int n = 1; n < keys.count; ++n, ++g) {
        const int s = g % kStages;
        const int prev = (g - 1) % kStages;
        float sc[kNBlocksS][4];
        float alpha[2];
        sm90::mbar_wait(sm.k_full(s), (g / kStages) & 1);
        turns.wait_turn();
        Consumer::issue_qk(sc, q_rows, sm.k(s));
        sm90::mbar_wait(sm.v_full(prev), ((g - 1) / kStages) & 1);
        Consumer::issue_pv(o, pa, sm.v(prev));
        turns.pass_turn(n == last_turn);
        sm90::wgmma_wait<1>();  // S_n is ready; P_{n-1}·V_{n-1} may still run
        sm90::fence_registers(sc);
        release_buffer(sm.k_empty(s));
        scores_to_p(sc, n, alpha);
        sm90::wgmma_wait<0>();
        sm90::fence_registers(o);
        sm90::fence_registers(pa);  // P stayed in its registers until its product retired
        release_buffer(sm.v_empty(prev));
        Softmax::rescale(o, alpha);
        pack_p(sc);
      }
      release_q(j % Traits::kQBuffers);  // every Q·Kᵀ of the item has retired
      if (!Traits::kPersistent || last_turn >= 0) break;  // the CTA's last item
      // The boundary: the next item's tile 0 beside this item's last P·V.
      const TileCoord done = tc;
      item += gridDim.x;
      ++j;
      tc = tile_coord<Traits>(w, item, p);
      keys = item_keys<Traits>(tc, p);
      q_rows = sm.q(j % Traits::kQBuffers) + wg * 64 * Traits::kRowBytes;
      last_turn = last_turn_of();
      const int s = g % kStages;
      const int prev = (g - 1) % kStages;
      float sc[kNBlocksS][4];
      float alpha[2];
      sm90::mbar_wait(sm.q_full(j % Traits::kQBuffers), (j / Traits::kQBuffers) & 1);
      sm90::mbar_wait(sm.k_full(s), (g / kStages) & 1);
      turns.wait_turn();
      Consumer::issue_qk(sc, q_rows, sm.k(s));
      sm90::mbar_wait(sm.v_full(prev), ((g - 1) / kStages) & 1);
      Consumer::issue_pv(o, pa, sm.v(prev));
      turns.pass_turn(last_turn == 0);
      sm90::wgmma_wait<0>();
      sm90::fence_registers(sc);
      sm90::fence_registers(o);
      sm90::fence_registers(pa);  // P stayed in its registers until its product retired
      release_buffer(sm.k_empty(s));
      release_buffer(sm.v_empty(prev));
      float inv_sum[2], row_lse[2];  // the finished item's
      softmax.finalize(inv_sum, row_lse, p.scale_log2);
      softmax = Softmax{};
      scores_to_p(sc, 0, alpha);  // O starts from zero: alpha needs no applying
      pack_p(sc);
      finish_item(done, inv_sum, row_lse);  // after S_0 is packed: fewer registers live
      ++g;
    }
    // The last item's last P·V alone, then its normalization and store.
    const int last = (g - 1) % kStages;
    sm90::mbar_wait(sm.v_full(last), ((g - 1) / kStages) & 1);
    Consumer::issue_pv(o, pa, sm.v(last));
    sm90::wgmma_wait<0>();
    sm90::fence_registers(o);
    sm90::fence_registers(pa);
    release_buffer(sm.v_empty(last));
    float inv_sum[2], row_lse[2];
    softmax.finalize(inv_sum, row_lse, p.scale_log2);
    finish_item(tc, inv_sum, row_lse);
    EpilogueSm90<Traits>::drain();
  }
#endif
}

}  // namespace dattn::cuda::flash_sm90
