// exp2 for the softmax loops: straight-line arithmetic that the compiler vectorizes (libm's
// exp2f is a call per element). Relative error below 2e-7 (about 2 ulp) on [-126, 126],
// tested against std::exp2; the GPU's ex2.approx is of the same order.
#pragma once

#include <bit>
#include <cstdint>

namespace dattn::cpu {

inline float fast_exp2(float x) {
  // Clamping to -127 makes the exponent field 0 below, so anything under 2^-126.5
  // (and -inf) flushes to exactly 0: far below fp32 accumulation noise for a softmax.
  x = x < -127.0f ? -127.0f : (x > 127.0f ? 127.0f : x);
  // Adding and subtracting 1.5 * 2^23 rounds to the nearest integer without a libm call.
  const float n = (x + 12582912.0f) - 12582912.0f;
  const float f = (x - n) * 0.693147180559945309f;  // |f| <= ln2 / 2
  // e^f by Taylor to degree 7: truncation error < 5e-9 for |f| <= 0.347.
  float p = 1.0f / 5040.0f;
  p = p * f + 1.0f / 720.0f;
  p = p * f + 1.0f / 120.0f;
  p = p * f + 1.0f / 24.0f;
  p = p * f + 1.0f / 6.0f;
  p = p * f + 0.5f;
  p = p * f + 1.0f;
  p = p * f + 1.0f;
  const int32_t e = static_cast<int32_t>(n) + 127;
  return p * std::bit_cast<float>(static_cast<uint32_t>(e) << 23);
}

}  // namespace dattn::cpu
