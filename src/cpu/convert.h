// fp16 / bf16 <-> fp32 conversions in plain C++ (no F16C or AVX-512 BF16 needed), usable by
// every part of dattn. Narrowing rounds to nearest even, as the hardware casts on the GPU do,
// so CPU and GPU results round the same way. Written branch-light so that loops over
// these functions vectorize.
#pragma once

#include <bit>
#include <cstdint>

namespace dattn::cpu {

inline float bf16_to_float(uint16_t h) { return std::bit_cast<float>(uint32_t{h} << 16); }

inline uint16_t float_to_bf16(float f) {
  const uint32_t u = std::bit_cast<uint32_t>(f);
  if ((u & 0x7fffffffu) > 0x7f800000u) return static_cast<uint16_t>((u >> 16) | 0x40u);  // quiet NaN
  // Adding 0x7fff plus the lowest kept bit rounds half to even; an overflow carries into
  // the exponent and gives inf, which is the correctly rounded result.
  return static_cast<uint16_t>((u + 0x7fffu + ((u >> 16) & 1u)) >> 16);
}

inline float half_to_float(uint16_t h) {
  const uint32_t sign = uint32_t{h & 0x8000u} << 16;
  const uint32_t em = h & 0x7fffu;
  // Normal numbers: rebias the exponent (15 -> 127) and widen the mantissa.
  uint32_t bits = (em << 13) + ((127u - 15u) << 23);
  if (em >= 0x7c00u) bits = (em << 13) | 0x7f800000u;  // inf / NaN keep their payload
  float f = std::bit_cast<float>(bits);
  // Subnormals (and zero): the value is mantissa * 2^-24, exact in fp32.
  if (em < 0x0400u) f = static_cast<float>(em) * 0x1p-24f;
  return std::bit_cast<float>(std::bit_cast<uint32_t>(f) | sign);
}

inline uint16_t float_to_half(float f) {
  const uint32_t u = std::bit_cast<uint32_t>(f);
  const uint16_t sign = static_cast<uint16_t>((u >> 16) & 0x8000u);
  const uint32_t a = u & 0x7fffffffu;
  if (a > 0x7f800000u) return static_cast<uint16_t>(sign | 0x7e00u);  // quiet NaN
  if (a >= 0x477ff000u) return static_cast<uint16_t>(sign | 0x7c00u);  // rounds to >= 65520: inf
  if (a < 0x38800000u) {
    // Below 2^-14 the result is a subnormal multiple of 2^-24. Adding 0.5 (whose ulp is
    // 2^-24) makes the FPU round to that grid, half to even.
    const float r = std::bit_cast<float>(a) + 0.5f;
    return static_cast<uint16_t>(sign | (std::bit_cast<uint32_t>(r) - 0x3f000000u));
  }
  // Normal: drop 13 mantissa bits with round half to even; a carry bumps the exponent.
  const uint32_t rounded = a + 0xfffu + ((a >> 13) & 1u);
  return static_cast<uint16_t>(sign | ((rounded - ((127u - 15u) << 23)) >> 13));
}

}  // namespace dattn::cpu
