// Online softmax over the two query rows a thread holds in an m16n8 accumulator (rows g and
// g+8, g = lane / 4; a row is spread over the 4 lanes of a quad). Scores arrive already in
// log2 units (times sm_scale * log2(e)), so every exponential is one exp2.
#pragma once

#include <cmath>

namespace dattn::cuda::flash {

template <int kNTilesS, int kNTilesO>
struct OnlineSoftmax {
  float row_max[2] = {-INFINITY, -INFINITY};
  // Per-thread partial sums: the quad reduction waits until finalize().
  float row_sum[2] = {0.0f, 0.0f};

  // Turns scores s into unnormalized probabilities and rescales the output accumulator o.
  __device__ __forceinline__ void update(float (&s)[kNTilesS][4], float (&o)[kNTilesO][4]) {
#pragma unroll
    for (int r = 0; r < 2; ++r) {
      float mx = row_max[r];
#pragma unroll
      for (int nt = 0; nt < kNTilesS; ++nt) mx = fmaxf(mx, fmaxf(s[nt][2 * r], s[nt][2 * r + 1]));
      mx = fmaxf(mx, __shfl_xor_sync(0xffffffffu, mx, 1));
      mx = fmaxf(mx, __shfl_xor_sync(0xffffffffu, mx, 2));
      // A row masked so far has max -inf; subtracting 0 instead keeps exp2 at 0, not NaN.
      const float base = mx == -INFINITY ? 0.0f : mx;
      const float alpha = exp2f(row_max[r] - base);
      row_max[r] = mx;
      float sum = 0.0f;
#pragma unroll
      for (int nt = 0; nt < kNTilesS; ++nt) {
        s[nt][2 * r] = exp2f(s[nt][2 * r] - base);
        s[nt][2 * r + 1] = exp2f(s[nt][2 * r + 1] - base);
        sum += s[nt][2 * r] + s[nt][2 * r + 1];
      }
      row_sum[r] = row_sum[r] * alpha + sum;
#pragma unroll
      for (int dt = 0; dt < kNTilesO; ++dt) {
        o[dt][2 * r] *= alpha;
        o[dt][2 * r + 1] *= alpha;
      }
    }
  }

  // Completes the row sums; returns 1/sum per row (0 for a row without keys) and writes the
  // natural-log LSE (-inf for a row without keys).
  __device__ __forceinline__ void finalize(float (&inv_sum)[2], float (&lse)[2]) {
#pragma unroll
    for (int r = 0; r < 2; ++r) {
      float l = row_sum[r];
      l += __shfl_xor_sync(0xffffffffu, l, 1);
      l += __shfl_xor_sync(0xffffffffu, l, 2);
      inv_sum[r] = l > 0.0f ? 1.0f / l : 0.0f;
      lse[r] = l > 0.0f ? (row_max[r] + log2f(l)) * 0.69314718055994531f : -INFINITY;
    }
  }
};

}  // namespace dattn::cuda::flash
