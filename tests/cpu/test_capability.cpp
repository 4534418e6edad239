#include <gtest/gtest.h>

#include "cpu/kernels.h"

namespace dattn::cpu {
namespace {

TEST(Capability, ExactBackendsTakeEveryMultipleOfEightFrom16To256) {
  for (Backend b : {Backend::sdpa, Backend::fa}) {
    for (DType t : {DType::f32, DType::f16, DType::bf16}) {
      for (int64_t d = 0; d <= 300; ++d) {
        const bool ok = d >= 16 && d <= 256 && d % 8 == 0;
        EXPECT_EQ(unsupported_reason(b, d, t).empty(), ok) << to_string(b) << " d=" << d;
      }
    }
  }
}

TEST(Capability, SageTakesHalfPrecisionUpTo128) {
  for (int64_t d = 0; d <= 300; ++d) {
    const bool ok = d >= 8 && d <= 128 && d % 8 == 0;
    EXPECT_EQ(unsupported_reason(Backend::sage_attn, d, DType::bf16).empty(), ok) << d;
    EXPECT_EQ(unsupported_reason(Backend::sage_attn, d, DType::f16).empty(), ok) << d;
  }
  EXPECT_FALSE(unsupported_reason(Backend::sage_attn, 128, DType::f32).empty());
}

TEST(Capability, ReasonsNameTheValueAndWhatIsExpected) {
  const std::string d = unsupported_reason(Backend::fa, 20, DType::bf16);
  EXPECT_NE(d.find("20"), std::string::npos) << d;
  EXPECT_NE(d.find("16 to 256"), std::string::npos) << d;
  EXPECT_NE(d.find("multiple of 8"), std::string::npos) << d;
  const std::string t = unsupported_reason(Backend::sage_attn, 64, DType::f32);
  EXPECT_NE(t.find("f32"), std::string::npos) << t;
  EXPECT_NE(t.find("f16 or bf16"), std::string::npos) << t;
  EXPECT_STREQ(head_sizes(Backend::sage_attn), "8..128, multiple of 8");
  EXPECT_STREQ(dtypes(Backend::fa), "f32, f16, bf16");
}

}  // namespace
}  // namespace dattn::cpu
