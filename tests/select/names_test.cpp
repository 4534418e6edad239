// Names and parsers of the public enums.
#include <gmock/gmock.h>
#include <gtest/gtest.h>

#include "support.h"

namespace dattn::test {
namespace {

using ::testing::HasSubstr;

TEST(Names, RoundTripCaseInsensitive) {
  for (DType t : {DType::f32, DType::f16, DType::bf16}) {
    EXPECT_EQ(parse_dtype(to_string(t)), t);
    std::string upper = to_string(t);
    for (char& c : upper) c = static_cast<char>(std::toupper(static_cast<unsigned char>(c)));
    EXPECT_EQ(parse_dtype(upper), t);
  }
  for (Platform p : {Platform::cpu, Platform::cuda, Platform::musa})
    EXPECT_EQ(parse_platform(to_string(p)), p);
  EXPECT_EQ(parse_layout("nhd"), Layout::NHD);
  EXPECT_EQ(parse_layout("HND"), Layout::HND);
  EXPECT_EQ(parse_sage_pv("FP8"), SagePV::fp8);
  EXPECT_EQ(parse_sage_pv("f16"), SagePV::f16);
  EXPECT_EQ(parse_sage_pv("auto"), SagePV::automatic);
  EXPECT_EQ(parse_dtype("bfloat16"), DType::bf16);
  EXPECT_EQ(dtype_size(DType::f32), 4u);
  EXPECT_EQ(dtype_size(DType::bf16), 2u);
}

TEST(Names, ErrorsListTheValidValues) {
  EXPECT_THAT(error_of([] { parse_dtype("int8"); }, ErrorCode::invalid_argument),
              HasSubstr("f32|f16|bf16"));
  EXPECT_THAT(error_of([] { parse_platform("rocm"); }, ErrorCode::invalid_argument),
              HasSubstr("cpu|cuda|musa"));
  EXPECT_THAT(error_of([] { parse_layout("BHSD"); }, ErrorCode::invalid_argument),
              HasSubstr("HND|NHD"));
  EXPECT_THAT(error_of([] { parse_sage_pv("int4"); }, ErrorCode::invalid_argument),
              HasSubstr("auto|fp8|f16"));
}

TEST(Names, BackendsAndAliases) {
  const std::pair<const char*, Backend> names[] = {
      {"sdpa", Backend::sdpa},      {"torch_sdpa", Backend::sdpa}, {"fa", Backend::fa},
      {"fa3", Backend::fa},         {"FA4", Backend::fa},          {"flash_attn", Backend::fa},
      {"sage_attn", Backend::sage_attn}, {"Sage", Backend::sage_attn}};
  for (const auto& [name, b] : names) EXPECT_EQ(parse_backend(name), b) << name;
  EXPECT_EQ(parse_backend(""), std::nullopt);
  EXPECT_EQ(parse_backend("AUTO"), std::nullopt);
  EXPECT_STREQ(to_string(Backend::sage_attn), "sage_attn");
  EXPECT_THAT(error_of([] { parse_backend("flash"); }, ErrorCode::invalid_argument),
              HasSubstr("unknown attention backend 'flash'; valid names: sdpa (torch_sdpa), fa "
                        "(fa3, fa4, flash_attn), sage_attn (sage), or auto"));
}

}  // namespace
}  // namespace dattn::test
