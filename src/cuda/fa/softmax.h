// Online softmax over the query rows a thread holds in its m16n8 accumulators: per 16-row
// tile, rows g and g+8 (g = lane / 4), each row spread over the 4 lanes of a quad. Scores
// arrive already in log2 units (times sm_scale * log2(e)), so every exponential is one exp2.
#pragma once

#include <cmath>

namespace dattn::cuda::flash {

template <int kMTiles, int kNTilesS, int kNTilesO>
struct OnlineSoftmax {
  static constexpr int kRows = 2 * kMTiles;  // row r: tile r / 2, half r % 2
  float row_max[kRows];
  // Per-thread partial sums: the quad reduction waits until finalize().
  float row_sum[kRows];

  __device__ __forceinline__ OnlineSoftmax() {
#pragma unroll
    for (int r = 0; r < kRows; ++r) row_max[r] = -INFINITY, row_sum[r] = 0.0f;
  }

  // Turns scores s into unnormalized probabilities and rescales the output accumulator o.
  __device__ __forceinline__ void update(float (&s)[kMTiles][kNTilesS][4], float (&o)[kMTiles][kNTilesO][4]) {
#pragma unroll
    for (int r = 0; r < kRows; ++r) {
      const int mt = r / 2, h = 2 * (r % 2);
      float mx = row_max[r];
#pragma unroll
      for (int nt = 0; nt < kNTilesS; ++nt) mx = fmaxf(mx, fmaxf(s[mt][nt][h], s[mt][nt][h + 1]));
      mx = fmaxf(mx, __shfl_xor_sync(0xffffffffu, mx, 1));
      mx = fmaxf(mx, __shfl_xor_sync(0xffffffffu, mx, 2));
      // A row masked so far has max -inf; subtracting 0 instead keeps exp2 at 0, not NaN.
      const float base = mx == -INFINITY ? 0.0f : mx;
      const float alpha = exp2f(row_max[r] - base);
      row_max[r] = mx;
      float sum = 0.0f;
#pragma unroll
      for (int nt = 0; nt < kNTilesS; ++nt) {
        s[mt][nt][h] = exp2f(s[mt][nt][h] - base);
        s[mt][nt][h + 1] = exp2f(s[mt][nt][h + 1] - base);
        sum += s[mt][nt][h] + s[mt][nt][h + 1];
      }
      row_sum[r] = row_sum[r] * alpha + sum;
#pragma unroll
      for (int dt = 0; dt < kNTilesO; ++dt) {
        o[mt][dt][h] *= alpha;
        o[mt][dt][h + 1] *= alpha;
      }
    }
  }

  // Completes the row sums; gives 1/sum per row (0 for a row without keys) and the
  // natural-log LSE (-inf for a row without keys).
  __device__ __forceinline__ void finalize(float (&inv_sum)[kRows], float (&lse)[kRows]) {
#pragma unroll
    for (int r = 0; r < kRows; ++r) {
      float l = row_sum[r];
      l += __shfl_xor_sync(0xffffffffu, l, 1);
      l += __shfl_xor_sync(0xffffffffu, l, 2);
      inv_sum[r] = l > 0.0f ? 1.0f / l : 0.0f;
      lse[r] = l > 0.0f ? (row_max[r] + log2f(l)) * 0.69314718055994531f : -INFINITY;
    }
  }
};

}  // namespace dattn::cuda::flash
