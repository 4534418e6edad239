// Inline bodies of the element roundings declared in quant.h (they sit in hot loops).
#pragma once

#include <bit>
#include <cstdint>

namespace dattn::cpu {

inline float e4m3_round(float x) {
  const uint32_t u = std::bit_cast<uint32_t>(x);
  const uint32_t sign = u & 0x80000000u;
  const uint32_t a = u & 0x7fffffffu;
  const float mag = std::bit_cast<float>(a);
  // Normal range (>= 2^-6): keep 3 mantissa bits, rounding half to even; an overflow of
  // the mantissa carries into the exponent, as it should.
  const float normal = std::bit_cast<float>((a + 0x7ffffu + ((a >> 20) & 1u)) & 0xfff00000u);
  // Subnormal range: multiples of 2^-9. Adding 2^14 (whose ulp is 2^-9) makes the FPU round
  // to that grid, half to even.
  const float subnormal = (mag + 16384.0f) - 16384.0f;
  float r = mag < 0x1p-6f ? subnormal : normal;
  r = r > 448.0f ? 448.0f : r;  // satfinite, inf included
  r = mag == mag ? r : mag;      // NaN stays NaN (its payload could round to inf above)
  return std::bit_cast<float>(std::bit_cast<uint32_t>(r) | sign);
}

inline float f16_round(float x) {
  const uint32_t u = std::bit_cast<uint32_t>(x);
  const uint32_t sign = u & 0x80000000u;
  const uint32_t a = u & 0x7fffffffu;
  const float mag = std::bit_cast<float>(a);
  const float normal = std::bit_cast<float>((a + 0xfffu + ((a >> 13) & 1u)) & 0xffffe000u);
  // Below 2^-14, fp16 subnormals are multiples of 2^-24, the ulp of 0.5.
  const float subnormal = (mag + 0.5f) - 0.5f;
  const float r = mag < 0x1p-14f ? subnormal : normal;
  return std::bit_cast<float>(std::bit_cast<uint32_t>(r) | sign);
}

}  // namespace dattn::cpu
