#include <gtest/gtest.h>

#include <cmath>
#include <limits>

#include "cpu/exp2.h"

namespace dattn::cpu {
namespace {

TEST(FastExp2, RelativeErrorBelowTwoUlp) {
  double worst = 0;
  for (double x = -126.0; x <= 126.0; x += 0.000977) {
    const double exact = std::exp2(static_cast<double>(static_cast<float>(x)));
    worst = std::max(worst, std::abs(fast_exp2(static_cast<float>(x)) - exact) / exact);
  }
  EXPECT_LE(worst, 2e-7);
}

TEST(FastExp2, ExactPointsAndLimits) {
  EXPECT_EQ(fast_exp2(0.0f), 1.0f);
  EXPECT_EQ(fast_exp2(-std::numeric_limits<float>::infinity()), 0.0f);
  EXPECT_EQ(fast_exp2(-1000.0f), 0.0f);
  EXPECT_NEAR(fast_exp2(8.807354922057604f), 448.0f, 448.0f * 2e-7f);
}

}  // namespace
}  // namespace dattn::cpu
