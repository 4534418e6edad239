// The fa forward kernel for sm_80+ (mma.sync): one block per (query tile, head, batch).
// Pipeline (one K and one V buffer, FlashAttention-2's overlap): V_n loads while Q·K_nᵀ and
// the softmax run; K_{n+1} loads while P·V_n runs.
#pragma once

#include <cstdint>

#include "cuda/common/sm80_ptx.h"
#include "cuda/fa/epilogue_fwd_sm80.h"
#include "cuda/fa/fa_params.h"
#include "cuda/fa/mainloop_fwd_sm80.h"
#include "cuda/fa/softmax.h"
#include "cuda/fa/tile_scheduler.h"

namespace dattn::cuda::flash {

template <class Traits>
__global__ void __launch_bounds__(Traits::kThreads, Traits::kMinBlocksPerSm)
    flash_fwd_kernel_sm80(const __grid_constant__ FaParams p) {
  using T = typename Traits::Element;
  using Mainloop = MainloopFwdSm80<Traits>;
  using Epilogue = EpilogueFwdSm80<Traits>;
  constexpr int kBlockM = Traits::kBlockM;
  constexpr int kBlockN = Traits::kBlockN;

  extern __shared__ __align__(16) unsigned char smem_raw[];
  T* smem_q = reinterpret_cast<T*>(smem_raw);
  T* smem_k = smem_q + Traits::kSmemQ;
  T* smem_v = smem_k + Traits::kSmemK;

  const BlockCoord bc = block_coord();
  const int m0 = bc.m_block * kBlockM;
  const int warp = threadIdx.x / 32;
  const int row0 = m0 + Traits::kWarpRows * warp;  // the warp's first query row
  const int head_kv = bc.head / p.group;

  const T* q = static_cast<const T*>(p.q) + bc.batch * p.q_stride_b + bc.head * p.q_stride_h +
               int64_t(m0) * p.q_stride_s;
  const T* k = static_cast<const T*>(p.k) + bc.batch * p.k_stride_b + head_kv * p.k_stride_h;
  const T* v = static_cast<const T*>(p.v) + bc.batch * p.v_stride_b + head_kv * p.v_stride_h;
  T* out = static_cast<T*>(p.out) + bc.batch * p.out_stride_b + bc.head * p.out_stride_h;
  float* lse = p.lse == nullptr ? nullptr : p.lse + bc.batch * p.lse_stride_b + bc.head * p.lse_stride_h;

  // Keys this block can see: all, or under the causal mask up to its last row's diagonal.
  const int diag = p.seq_kv - p.seq_q;
  const int last_key = p.causal ? min(p.seq_kv - 1, m0 + kBlockM - 1 + diag) : p.seq_kv - 1;
  const int n_tiles = last_key < 0 ? 0 : last_key / kBlockN + 1;
  if (n_tiles == 0) {
    Epilogue::store_empty(out + int64_t(m0) * p.out_stride_s, p.out_stride_s,
                          lse == nullptr ? nullptr : lse + m0, min(kBlockM, p.seq_q - m0));
    return;
  }
  // Tiles from here on may hold keys some rows of the block must not see.
  const int first_masked_key = p.causal ? min(p.seq_kv, m0 + diag + 1) : p.seq_kv;
  const int first_masked_tile = max(first_masked_key, 0) / kBlockN;

  const uint32_t sq = sm80::smem_addr(smem_q);
  const uint32_t sk = sm80::smem_addr(smem_k);
  const uint32_t sv = sm80::smem_addr(smem_v);
  Mainloop::template load_tile<kBlockM>(sq, q, p.q_stride_s, p.seq_q - m0);
  Mainloop::template load_tile<kBlockN>(sk, k, p.k_stride_s, p.seq_kv);
  sm80::cp_async_commit();

  constexpr int kMT = Traits::kMTiles;
  float o[kMT][Traits::kNTilesO][4];
#pragma unroll
  for (int mt = 0; mt < kMT; ++mt) {
#pragma unroll
    for (int dt = 0; dt < Traits::kNTilesO; ++dt) o[mt][dt][0] = o[mt][dt][1] = o[mt][dt][2] = o[mt][dt][3] = 0.0f;
  }
  OnlineSoftmax<kMT, Traits::kNTilesS, Traits::kNTilesO> softmax;
  const uint32_t warp_q = sq + Traits::kWarpRows * warp * Traits::kSmemStride * int(sizeof(T));

  for (int n = 0; n < n_tiles; ++n) {
    const int n0 = n * kBlockN;
    sm80::cp_async_wait<0>();
    __syncthreads();  // K_n (and Q) landed; every warp is done with V_{n-1}
    Mainloop::template load_tile<kBlockN>(sv, v + int64_t(n0) * p.v_stride_s, p.v_stride_s, p.seq_kv - n0);
    sm80::cp_async_commit();

    float s[kMT][Traits::kNTilesS][4];
    Mainloop::qk(s, warp_q, sk);
    Mainloop::scale_and_mask(s, p, row0, n0, n >= first_masked_tile);
    softmax.update(s, o);

    sm80::cp_async_wait<0>();
    __syncthreads();  // V_n landed; every warp is done with K_n
    if (n + 1 < n_tiles) {
      Mainloop::template load_tile<kBlockN>(sk, k + int64_t(n0 + kBlockN) * p.k_stride_s, p.k_stride_s,
                                            p.seq_kv - n0 - kBlockN);
      sm80::cp_async_commit();
    }
    Mainloop::pv(o, s, sv);
  }

  float inv_sum[2 * kMT], row_lse[2 * kMT];
  softmax.finalize(inv_sum, row_lse);
  Epilogue::store(o, inv_sum, row_lse, smem_q + Traits::kWarpRows * warp * Traits::kSmemStride,
                  out + int64_t(row0) * p.out_stride_s, p.out_stride_s,
                  lse == nullptr ? nullptr : lse + row0, p.seq_q - row0);
}

}  // namespace dattn::cuda::flash
