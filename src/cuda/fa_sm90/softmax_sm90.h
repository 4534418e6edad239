// Online softmax over the two query rows a thread holds in an m64nN wgmma accumulator (rows
// g and g+8 of its warp's 16; a row is spread over the 4 lanes of a quad). Scores stay raw:
// sm_scale * log2(e) is folded into the FMA before each exp2, so no pass multiplies S.
#pragma once

#include <cmath>

namespace dattn::cuda::flash_sm90 {

// Sets scores of keys a row must not see (at or past seq_kv, or above the bottom-right
// aligned causal diagonal: key > row + seq_kv - seq_q) to -inf. Accumulator layout of
// m64nN: `row` is the thread's first row in the sequence (its second is row + 8), n0 the
// tile's first key.
template <int kNBlocksS>
__device__ __forceinline__ void mask_scores(float (&s)[kNBlocksS][4], int seq_q, int seq_kv, bool causal, int row,
                                            int n0) {
  const int t = threadIdx.x % 4;
  const int diag = seq_kv - seq_q;
#pragma unroll
  for (int i = 0; i < kNBlocksS; ++i) {
#pragma unroll
    for (int e = 0; e < 4; ++e) {
      const int col = n0 + 8 * i + 2 * t + (e & 1);
      const int r = row + 8 * (e >> 1);
      const bool hidden = col >= seq_kv || (causal && col > r + diag);
      if (hidden) s[i][e] = -INFINITY;
    }
  }
}

template <int kNBlocksS, int kNBlocksO>
struct OnlineSoftmaxSm90 {
  float row_max[2] = {-INFINITY, -INFINITY};  // raw (unscaled) running max
  float row_sum[2] = {0.0f, 0.0f};            // per-thread partial sums, reduced in finalize()

  // Turns raw scores s into unnormalized probabilities in place; alpha receives the factor
  // by which each row's output accumulator must be rescaled (applied by rescale(), later:
  // the accumulator may still be in use by a wgmma when the scores are ready). Every P is
  // multiplied by 2^bias (sage's fp8 P·V: 448, to fill e4m3's range); the row sums too.
  __device__ __forceinline__ void update(float (&s)[kNBlocksS][4], float (&alpha)[2], float scale_log2,
                                         float bias = 0.0f) {
#pragma unroll
    for (int r = 0; r < 2; ++r) {
      float mx = row_max[r];
#pragma unroll
      for (int i = 0; i < kNBlocksS; ++i) mx = fmaxf(mx, fmaxf(s[i][2 * r], s[i][2 * r + 1]));
      mx = fmaxf(mx, __shfl_xor_sync(0xffffffffu, mx, 1));
      mx = fmaxf(mx, __shfl_xor_sync(0xffffffffu, mx, 2));
      // A row without a visible key so far has max -inf; using 0 keeps exp2 at 0, not NaN.
      const float base = mx == -INFINITY ? 0.0f : mx * scale_log2;
      alpha[r] = exp2f(row_max[r] * scale_log2 - base);
      row_max[r] = mx;
      float sum = 0.0f;
#pragma unroll
      for (int i = 0; i < kNBlocksS; ++i) {
        s[i][2 * r] = exp2f(fmaf(s[i][2 * r], scale_log2, bias - base));
        s[i][2 * r + 1] = exp2f(fmaf(s[i][2 * r + 1], scale_log2, bias - base));
        sum += s[i][2 * r] + s[i][2 * r + 1];
      }
      row_sum[r] = row_sum[r] * alpha[r] + sum;
    }
  }

  __device__ __forceinline__ static void rescale(float (&o)[kNBlocksO][4], const float (&alpha)[2]) {
#pragma unroll
    for (int i = 0; i < kNBlocksO; ++i) {
      o[i][0] *= alpha[0];
      o[i][1] *= alpha[0];
      o[i][2] *= alpha[1];
      o[i][3] *= alpha[1];
    }
  }

  // Completes the row sums; gives 1/sum per row (0 for a row without keys) and the
  // natural-log LSE (-inf for a row without keys).
  __device__ __forceinline__ void finalize(float (&inv_sum)[2], float (&lse)[2], float scale_log2) {
#pragma unroll
    for (int r = 0; r < 2; ++r) {
      float l = row_sum[r];
      l += __shfl_xor_sync(0xffffffffu, l, 1);
      l += __shfl_xor_sync(0xffffffffu, l, 2);
      inv_sum[r] = l > 0.0f ? 1.0f / l : 0.0f;
      lse[r] = l > 0.0f ? (row_max[r] * scale_log2 + log2f(l)) * 0.69314718055994531f : -INFINITY;
    }
  }
};

}  // namespace dattn::cuda::flash_sm90
