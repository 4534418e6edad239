// Epilogue of the sage_attn kernels (mma.sync and Hopper): O · (1 / rowsum) (times the V
// channel scales with fp8 P·V), cast to the output dtype, and the natural-log LSE with the
// K-smoothing correction sm_scale·q·mean(K) added back. Independent of how the main loop
// produced O: both kernels hold it in the same fragment layout per warp.
#pragma once

#include <cmath>
#include <cstdint>

#include "cuda/common/dispatch.h"
#include "cuda/sage/mainloop.cuh"
#include "cuda/sage/traits.h"

namespace dattn::cuda::sage_mma {

inline constexpr float kLn2 = 0.6931471805599453f;

// o, m, l: the accumulator (m16n8 C layout: rows g and g+8, columns 8j + 2t, +1), the row
// max in log2 units and this thread's share of the row sum. row0: the absolute query row of
// the thread's fragment row g. Writes the LSE and calls emit(r, j, x0, x1) with the output
// values of columns 8j + 2t and +1 of fragment row r (row0 + 8r) for every row below seq_q
// and column below head_dim: where they go is the caller's (store_output below, or the
// Hopper kernel's shared-memory staging).
template <class T, int kDp, bool kFp8, class Emit>
__device__ __forceinline__ void for_each_output(const Params& p, const float (&o)[kDp / 8][4], const float (&m)[2],
                                                const float (&l_part)[2], int64_t b, int64_t h, int64_t row0,
                                                Emit&& emit) {
  using Tr = Traits<kDp, kFp8>;
  const int t = threadIdx.x % 4;
  const int64_t hk = h / (p.heads_q / p.heads_kv);
  // The V channel scales of this thread's columns, all loaded before the first store: as far
  // as the compiler knows `out` may alias v_scale, so a load after a store waits for it, and
  // one L2 round trip per column pair made this epilogue ~14k cycles per CTA on an H200
  // (bench/NOTES.md, v9). v_scale is kDp wide per head, so every column has one.
  float2 vs[Tr::kDTiles];
#pragma unroll
  for (int j = 0; j < Tr::kDTiles; ++j) {
    vs[j] = kFp8 ? reinterpret_cast<const float2*>(p.v_scale + (b * p.heads_kv + hk) * kDp)[4 * j + t]
                 : make_float2(1.f, 1.f);
  }
#pragma unroll
  for (int r = 0; r < 2; ++r) {
    float l = l_part[r];
    l += __shfl_xor_sync(0xffffffffu, l, 1);
    l += __shfl_xor_sync(0xffffffffu, l, 2);
    const int64_t row = row0 + 8 * r;
    if (row >= p.seq_q) continue;
    // A row that saw no key (causal with Sq > Sk) has l = 0: output 0, LSE -inf.
    const bool seen = l > 0.f;
    // One correctly rounded reciprocal per row, then products: the CPU reference's formula,
    // so both round alike.
    const float inv_l = seen ? 1.f / l : 0.f;
#pragma unroll
    for (int j = 0; j < Tr::kDTiles; ++j) {
      const int ch = 8 * j + 2 * t;
      if (ch >= p.head_dim) continue;
      float x0 = o[j][2 * r] * inv_l, x1 = o[j][2 * r + 1] * inv_l;
      if constexpr (kFp8) {
        x0 *= vs[j].x;
        x1 *= vs[j].y;
      }
      emit(r, j, x0, x1);
    }
    if (p.lse != nullptr && t == 0) {
      // m and log2(l) are log2 units of the smoothed scores; fp8 P carries a factor 448.
      float lse = -INFINITY;
      if (seen) {
        const float log2_sum = m[r] + log2f(l) - (kFp8 ? kLog2Fp8Max : 0.f);
        lse = log2_sum * kLn2 + p.q_kmean[(b * p.heads_q + h) * p.sq_pad + row];
      }
      p.lse[b * p.lse_sb + h * p.lse_sh + row] = lse;
    }
  }
}

// for_each_output into out, two elements per store where out_vec2 allows.
template <class T, int kDp, bool kFp8>
__device__ void store_output(const Params& p, const float (&o)[kDp / 8][4], const float (&m)[2],
                             const float (&l_part)[2], int64_t b, int64_t h, int64_t row0) {
  const int t = threadIdx.x % 4;
  for_each_output<T, kDp, kFp8>(p, o, m, l_part, b, h, row0, [&](int r, int j, float x0, float x1) {
    T* out = static_cast<T*>(p.out) + b * p.out_sb + h * p.out_sh + (row0 + 8 * r) * p.out_ss + 8 * j + 2 * t;
    if (p.out_vec2) {
      *reinterpret_cast<uint32_t*>(out) = sm80::pack2<T>(x0, x1);
    } else {
      out[0] = ElementTraits<T>::from_float(x0);
      out[1] = ElementTraits<T>::from_float(x1);
    }
  });
}

}  // namespace dattn::cuda::sage_mma
