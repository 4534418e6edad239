// sdpa on CUDA (the simple fallback kernel) against the fp64 reference.
#include <gtest/gtest.h>

#include <vector>

#include "cuda/sdpa/sdpa.h"
#include "gpu_case.h"

namespace dattn::gpu_test {
namespace {

std::vector<AttnCase> sdpa_cases() {
  std::vector<AttnCase> cases;
  // Every head_dim it accepts, in every dtype, on a small odd shape.
  for (int64_t d = 16; d <= 256; d += 8) {
    for (DType dt : {DType::f32, DType::f16, DType::bf16}) {
      cases.push_back({.heads_q = 2, .heads_kv = 1, .seq_q = 17, .seq_kv = 33, .head_dim = d, .dtype = dt,
                       .causal = d % 16 == 0});
    }
  }
  // The structural cases of the fa tests, in each dtype.
  for (DType dt : {DType::f32, DType::f16, DType::bf16}) {
    for (auto [sq, sk] : std::vector<std::pair<int64_t, int64_t>>{{1, 1}, {333, 333}, {1, 1000}, {1000, 17}}) {
      cases.push_back({.seq_q = sq, .seq_kv = sk, .dtype = dt});
    }
    cases.push_back({.batch = 2, .heads_q = 6, .heads_kv = 2, .seq_q = 129, .seq_kv = 257, .head_dim = 40,
                     .dtype = dt, .layout = Layout::NHD});
    cases.push_back({.seq_q = 1000, .seq_kv = 333, .dtype = dt, .causal = true});
    cases.push_back({.seq_q = 333, .seq_kv = 1000, .head_dim = 72, .dtype = dt, .causal = true, .padded = true});
    cases.push_back({.batch = 2, .heads_q = 4, .heads_kv = 4, .seq_q = 65, .seq_kv = 65, .head_dim = 256, .dtype = dt,
                     .layout = Layout::NHD, .padded = true});
    cases.push_back({.seq_q = 100, .seq_kv = 100, .head_dim = 64, .dtype = dt, .lse = false, .sm_scale = 1.0f});
  }
  return cases;
}

class SdpaTest : public ::testing::TestWithParam<AttnCase> {
 protected:
  void SetUp() override {
    if (const std::string why = no_gpu_reason(); !why.empty()) GTEST_SKIP() << why;
  }
};

TEST_P(SdpaTest, MatchesReference) {
  const AttnCase& c = GetParam();
  expect_matches_reference(c, run_case(c, [](const dattn_problem& p) { cuda::sdpa(p); }));
}

INSTANTIATE_TEST_SUITE_P(Cases, SdpaTest, ::testing::ValuesIn(sdpa_cases()),
                         [](const auto& info) { return test_name(info.param); });

TEST(SdpaSupport, NamesWhatIsUnsupported) {
  EXPECT_TRUE(cuda::sdpa_unsupported_reason(40, static_cast<int32_t>(DType::f32)).empty());
  EXPECT_NE(cuda::sdpa_unsupported_reason(20, 1).find("multiple of 8"), std::string::npos);
  EXPECT_NE(cuda::sdpa_unsupported_reason(264, 1).find("16..256"), std::string::npos);
}

}  // namespace
}  // namespace dattn::gpu_test
