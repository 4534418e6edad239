// fp16 / bf16 conversions: exhaustive round trips of every 16-bit code, and round to
// nearest even checked against the two neighbouring representable values.
#include <gtest/gtest.h>

#include <bit>
#include <cmath>
#include <limits>
#include <random>

#include "cpu/convert.h"
#include "support/seed.h"

namespace dattn::cpu {
namespace {

bool is_nan_half(uint16_t h) { return (h & 0x7c00) == 0x7c00 && (h & 0x3ff) != 0; }
bool is_nan_bf16(uint16_t h) { return (h & 0x7f80) == 0x7f80 && (h & 0x7f) != 0; }

TEST(Convert, EveryHalfRoundTrips) {
  for (uint32_t c = 0; c < 65536; ++c) {
    const auto h = static_cast<uint16_t>(c);
    const float f = half_to_float(h);
    if (is_nan_half(h)) {
      EXPECT_TRUE(std::isnan(f)) << c;
      EXPECT_TRUE(is_nan_half(float_to_half(f))) << c;
    } else {
      ASSERT_EQ(float_to_half(f), h) << c;
    }
  }
  EXPECT_EQ(half_to_float(0x3c00), 1.0f);
  EXPECT_EQ(half_to_float(0x0001), 0x1p-24f);
  EXPECT_EQ(half_to_float(0x7bff), 65504.0f);
  EXPECT_EQ(half_to_float(0xfc00), -std::numeric_limits<float>::infinity());
}

TEST(Convert, EveryBf16RoundTrips) {
  for (uint32_t c = 0; c < 65536; ++c) {
    const auto h = static_cast<uint16_t>(c);
    const float f = bf16_to_float(h);
    if (is_nan_bf16(h)) {
      EXPECT_TRUE(is_nan_bf16(float_to_bf16(f))) << c;
    } else {
      ASSERT_EQ(float_to_bf16(f), h) << c;
    }
  }
}

// x rounds to `code`; the neighbours code +- 1 (same sign) must be no closer, and on a tie
// the result must be even.
template <typename Decode>
void expect_nearest_even(float x, uint16_t code, Decode decode) {
  const double r = decode(code);
  const double e = std::abs(double{x} - r);
  for (int step : {-1, 1}) {
    const uint16_t n = static_cast<uint16_t>(code + step);
    if ((n ^ code) & 0x8000) continue;  // crossed zero
    const double en = std::abs(double{x} - decode(n));
    if (!std::isfinite(decode(n))) continue;
    ASSERT_LE(e, en) << x;
    if (e == en) {
      ASSERT_EQ(code & 1, 0) << "tie not to even at " << x;
    }
  }
}

TEST(Convert, RandomFloatsRoundToNearestEven) {
  std::mt19937_64 rng(dattn::test::test_seed());
  std::uniform_real_distribution<float> exponent(-26.0f, 15.9f);
  std::uniform_real_distribution<float> mantissa(1.0f, 2.0f);
  for (int i = 0; i < 200000; ++i) {
    const float x = (i % 2 ? -1.0f : 1.0f) * mantissa(rng) * std::exp2(std::floor(exponent(rng)));
    if (std::abs(x) < 65504.0f) expect_nearest_even(x, float_to_half(x), half_to_float);
    expect_nearest_even(x, float_to_bf16(x), bf16_to_float);
  }
}

TEST(Convert, TiesGoToEven) {
  // Halfway between 1 and the next half (1 + 2^-10) goes down; the next tie goes up.
  EXPECT_EQ(float_to_half(1.0f + 0x1p-11f), 0x3c00);
  EXPECT_EQ(float_to_half(1.0f + 3 * 0x1p-11f), 0x3c02);
  EXPECT_EQ(float_to_half(0x1p-25f), 0x0000);          // half the smallest subnormal
  EXPECT_EQ(float_to_half(3 * 0x1p-25f), 0x0002);
  EXPECT_EQ(float_to_bf16(1.0f + 0x1p-8f), 0x3f80);
  EXPECT_EQ(float_to_bf16(1.0f + 3 * 0x1p-8f), 0x3f82);
}

TEST(Convert, OverflowAndNan) {
  EXPECT_EQ(float_to_half(65519.0f), 0x7bff);
  EXPECT_EQ(float_to_half(65520.0f), 0x7c00);
  EXPECT_EQ(float_to_half(-1e9f), 0xfc00);
  EXPECT_TRUE(is_nan_half(float_to_half(std::nanf(""))));
  EXPECT_EQ(float_to_bf16(std::numeric_limits<float>::max()), 0x7f80);
  EXPECT_TRUE(is_nan_bf16(float_to_bf16(std::nanf(""))));
}

}  // namespace
}  // namespace dattn::cpu
