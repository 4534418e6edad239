// The mma.sync sage_attn kernel: one block per (128 query rows, head, batch), K/V tiles of 64
// keys double-buffered through cp.async, per-warp work in mainloop.cuh, output in
// epilogue.cuh. Reads only the packed operands of quant/layout.h.
#pragma once

#include <cstdint>

#include "cuda/common/sm80_ptx.h"
#include "cuda/sage/epilogue.cuh"
#include "cuda/sage/mainloop.cuh"
#include "cuda/sage/traits.h"

namespace dattn::cuda::sage_mma {

// Number of KV tiles the query tile starting at m0 must visit.
__device__ __forceinline__ int64_t kv_tiles(const Params& p, int64_t m0, bool causal) {
  const int64_t all = (p.seq_kv + Tile::kBlockN - 1) / Tile::kBlockN;
  if (!causal) return all;
  const int64_t last_key = m0 + Tile::kBlockM - 1 + p.seq_kv - p.seq_q;
  return last_key < 0 ? 0 : min(all, last_key / Tile::kBlockN + 1);
}

template <class T, int kDp, bool kFp8, bool kCausal>
__global__ void __launch_bounds__(Traits<kDp, kFp8>::kThreads)
    sage_mma_kernel(const __grid_constant__ Params p) {
  using Tr = Traits<kDp, kFp8>;
  extern __shared__ __align__(128) uint8_t smem[];
  const uint32_t q_smem = sm80::smem_addr(smem);
  const uint32_t k_smem = q_smem + Tr::kQBytes;
  const uint32_t v_smem = k_smem + Tr::kStages * Tr::kKBytes;

  const int warp = threadIdx.x / 32, lane = threadIdx.x % 32;
  // Causal: the last query tiles see the most keys; start them first so the tail is short.
  const int64_t m_block = kCausal ? gridDim.x - 1 - blockIdx.x : blockIdx.x;
  const int64_t m0 = m_block * Tr::kBlockM;
  const int64_t h = blockIdx.y, b = blockIdx.z;
  const int64_t hk = h / (p.heads_q / p.heads_kv);
  const int64_t n_tiles = kv_tiles(p, m0, kCausal);

  const uint8_t* q_g =
      reinterpret_cast<const uint8_t*>(p.q) + ((b * p.heads_q + h) * p.sq_pad + m0) * kDp;
  const uint8_t* k_g =
      reinterpret_cast<const uint8_t*>(p.k) + (b * p.heads_kv + hk) * p.sk_pad * kDp;
  const uint8_t* v_g =
      static_cast<const uint8_t*>(p.v) + (b * p.heads_kv + hk) * p.sk_pad * kDp * (kFp8 ? 1 : 2);
  auto load_kv = [&](int64_t n, int stage) {
    load_tile<Tr::kBlockN, kDp, Tr::kKPitch, Tr::kThreads>(k_smem + stage * Tr::kKBytes,
                                                           k_g + n * Tr::kBlockN * kDp, kDp);
    if constexpr (kFp8) {
      load_tile<Tr::kVRows, Tr::kVRowBytes, Tr::kVPitch, Tr::kThreads>(
          v_smem + stage * Tr::kVBytes, v_g + n * Tr::kBlockN, p.sk_pad);
    } else {
      load_tile<Tr::kVRows, Tr::kVRowBytes, Tr::kVPitch, Tr::kThreads>(
          v_smem + stage * Tr::kVBytes, v_g + n * Tr::kBlockN * kDp * 2, kDp * 2);
    }
  };

  WarpState<kDp, kFp8> st;
  st.init();
  const int64_t row0 = m0 + warp * 16 + lane / 4;
  const float q_scale = p.q_scale[(b * p.heads_q + h) * (p.sq_pad / dattn::sage::kQBlock) +
                                  (m0 + warp * 16) / dattn::sage::kQBlock];
  const float* k_scale = p.k_scale + (b * p.heads_kv + hk) * (p.sk_pad / dattn::sage::kKBlock);
  const int64_t causal_shift = p.seq_kv - p.seq_q;

  if (n_tiles > 0) {
    load_tile<Tr::kBlockM, kDp, Tr::kQPitch, Tr::kThreads>(q_smem, q_g, kDp);
    load_kv(0, 0);
    sm80::cp_async_commit();
  }
  for (int64_t n = 0; n < n_tiles; ++n) {
    const int stage = static_cast<int>(n % Tr::kStages);
    // Tile n has landed, and every warp is done with tile n-1, whose stage is refilled next.
    sm80::cp_async_wait<0>();
    __syncthreads();
    if (n + 1 < n_tiles) {
      load_kv(n + 1, (stage + 1) % Tr::kStages);
      sm80::cp_async_commit();
    }
    if (n == 0) st.load_q(q_smem, warp, lane);

    int acc[Tr::kNTiles][4];
    st.scores(k_smem + stage * Tr::kKBytes, lane, acc);
    const int64_t key0 = n * Tr::kBlockN;
    // Only the last tile holds keys past Sk, and only tiles reaching past the diagonal of the
    // block's first row hold keys hidden from some row.
    const bool need_mask =
        key0 + Tr::kBlockN > p.seq_kv || (kCausal && key0 + Tr::kBlockN - 1 > m0 + causal_shift);
    float s[Tr::kNTiles][4];
    st.template softmax<kCausal>(acc, q_scale * k_scale[n], need_mask, key0, row0, p.seq_kv,
                                 causal_shift, s);
    st.accumulate(v_smem + stage * Tr::kVBytes, lane, s);
  }
  store_output<T, kDp, kFp8>(p, st.o, st.m, st.l, b, h, row0);
}

}  // namespace dattn::cuda::sage_mma
