// Epilogue of the sage_attn kernels (mma.sync and Hopper): O / rowsum (times the V channel
// scales with fp8 P·V), cast to the output dtype, and the natural-log LSE with the
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
// the thread's fragment row g.
template <class T, int kDp, bool kFp8>
__device__ void store_output(const Params& p, const float (&o)[kDp / 8][4], const float (&m)[2],
                             const float (&l_part)[2], int64_t b, int64_t h, int64_t row0) {
  using Tr = Traits<kDp, kFp8>;
  const int t = threadIdx.x % 4;
  const int64_t hk = h / (p.heads_q / p.heads_kv);
  const float* vs = kFp8 ? p.v_scale + (b * p.heads_kv + hk) * kDp : nullptr;
#pragma unroll
  for (int r = 0; r < 2; ++r) {
    float l = l_part[r];
    l += __shfl_xor_sync(0xffffffffu, l, 1);
    l += __shfl_xor_sync(0xffffffffu, l, 2);
    const int64_t row = row0 + 8 * r;
    if (row >= p.seq_q) continue;
    // A row that saw no key (causal with Sq > Sk) has l = 0: output 0, LSE -inf.
    const bool seen = l > 0.f;
    T* out = static_cast<T*>(p.out) + b * p.out_sb + h * p.out_sh + row * p.out_ss;
#pragma unroll
    for (int j = 0; j < Tr::kDTiles; ++j) {
      const int ch = 8 * j + 2 * t;
      if (ch >= p.head_dim) continue;
      // Divide, then scale: the CPU reference's order, so both round alike.
      float x0 = seen ? o[j][2 * r] / l : 0.f, x1 = seen ? o[j][2 * r + 1] / l : 0.f;
      if constexpr (kFp8) {
        x0 *= vs[ch];
        x1 *= vs[ch + 1];
      }
      if (p.out_vec2) {
        *reinterpret_cast<uint32_t*>(out + ch) = sm80::pack2<T>(x0, x1);
      } else {
        out[ch] = ElementTraits<T>::from_float(x0);
        out[ch + 1] = ElementTraits<T>::from_float(x1);
      }
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

}  // namespace dattn::cuda::sage_mma
