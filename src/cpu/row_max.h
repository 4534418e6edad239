// Maximum of a score row, written so that it vectorizes: GCC 12 leaves a float max
// reduction scalar, even under `omp simd reduction(max)` or split into lanes, and that
// scalar loop was the largest single cost of sage_attn's softmax. A GNU vector of 16
// lanes (one AVX-512 register, or pieces of narrower ones in the other clones), then one
// fold; the max of finite scores is the same in any order.
#pragma once

#include <algorithm>
#include <cstdint>
#include <cstring>
#include <limits>

namespace dattn::cpu {

inline float row_max(const float* x, int64_t n) {
  typedef float Lanes __attribute__((vector_size(64)));
  constexpr int kLanes = 16;
  constexpr float kNegInf = -std::numeric_limits<float>::infinity();
  Lanes acc = {kNegInf, kNegInf, kNegInf, kNegInf, kNegInf, kNegInf, kNegInf, kNegInf,
               kNegInf, kNegInf, kNegInf, kNegInf, kNegInf, kNegInf, kNegInf, kNegInf};
  int64_t i = 0;
  for (; i + kLanes <= n; i += kLanes) {
    Lanes v;
    std::memcpy(&v, x + i, sizeof v);
    acc = acc > v ? acc : v;
  }
  float m = kNegInf;
  for (int j = 0; j < kLanes; ++j) m = std::max(m, acc[j]);
  for (; i < n; ++i) m = std::max(m, x[i]);
  return m;
}

}  // namespace dattn::cpu
