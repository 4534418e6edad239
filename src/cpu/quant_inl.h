// Inline bodies of the e4m3 / fp16 element functions declared in quant.h: straight-line
// arithmetic, so that the loops over them (P in the softmax, V in the quantizer) vectorize.
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

inline uint8_t e4m3_encode(float x) {
  const float r = e4m3_round(x);  // the value the code must hold: exact in e4m3
  const uint32_t u = std::bit_cast<uint32_t>(r);
  const uint32_t a = u & 0x7fffffffu;
  const float mag = std::bit_cast<float>(a);
  // Normal: rebias the exponent (127 -> 7) and keep the 3 mantissa bits.
  const uint32_t normal = (((a >> 23) - 120u) << 3) | ((a >> 20) & 7u);
  // Subnormal: r = m * 2^-9 exactly, and the code is m (m = 8 would be the smallest
  // normal, whose code is also 8).
  const uint32_t subnormal = static_cast<uint32_t>(mag * 512.0f);
  uint32_t code = mag < 0x1p-6f ? subnormal : normal;
  code = mag == mag ? code : 0x7fu;
  return static_cast<uint8_t>(code | ((u >> 24) & 0x80u));
}

inline float e4m3_decode(uint8_t code) {
  const uint32_t c = code;
  const uint32_t sign = (c & 0x80u) << 24;
  const uint32_t e = (c >> 3) & 0xfu, m = c & 7u;
  const float normal = std::bit_cast<float>(((e + 120u) << 23) | (m << 20));
  const float subnormal = static_cast<float>(m) * 0x1p-9f;
  float r = e == 0 ? subnormal : normal;
  r = (c & 0x7fu) == 0x7fu ? std::bit_cast<float>(0x7fc00000u) : r;
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
