// The online-softmax step both CPU backends take per score row, in base 2: x[0, limit) holds
// the row's visible scores in log2 units and becomes 2^(x - m_new + bias), x[limit, n) becomes
// 0, and the running max m, the running sum l and the output row o[0, d) follow the new max.
// bias is log2 of a factor every probability carries (sage's fp8 P·V: 448; fa: 0). Returns
// false, with x zeroed, while the row has no visible key yet. Inline, so that each caller's
// CPU clones (simd.h) compile it for their own instruction set.
#pragma once

#include <algorithm>
#include <cstdint>
#include <limits>

#include "cpu/exp2.h"
#include "cpu/row_max.h"

namespace dattn::cpu {

inline bool online_softmax_step(float* x, int64_t n, int64_t limit, float bias, float& m, float& l, float* o,
                                int64_t d) {
  const float m_new = std::max(m, row_max(x, limit));
  if (m_new == -std::numeric_limits<float>::infinity()) {
    std::fill(x, x + n, 0.0f);
    return false;
  }
  // m = -inf gives alpha = exp2(-inf) = 0, which is right: o and l are still 0.
  const float alpha = fast_exp2(m - m_new);
  const float shift = m_new - bias;
  float sum = 0;
#pragma omp simd reduction(+ : sum)
  for (int64_t j = 0; j < limit; ++j) {
    x[j] = fast_exp2(x[j] - shift);
    sum += x[j];
  }
  std::fill(x + limit, x + n, 0.0f);
  l = l * alpha + sum;
  m = m_new;
  // The running max settles after the first blocks, and o * 1 = o exactly: skip the pass.
  if (alpha == 1.0f) return true;
#pragma omp simd
  for (int64_t c = 0; c < d; ++c) o[c] *= alpha;
  return true;
}

}  // namespace dattn::cpu
