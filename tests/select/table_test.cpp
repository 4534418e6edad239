// backend_table(): one row per (platform, backend) from the selector's own probes.
#include <gmock/gmock.h>
#include <gtest/gtest.h>

#include "support.h"

namespace dattn::test {
namespace {

using ::testing::HasSubstr;

const BackendStatus& row(const std::vector<BackendStatus>& t, Platform p, Backend b) {
  for (const auto& r : t)
    if (r.platform == p && r.backend == b) return r;
  throw std::runtime_error("row missing");
}

TEST(Table, OneRowPerPlatformAndBackend_WithReasons) {
  reset_probes();
  const auto t = backend_table();
  ASSERT_EQ(t.size(), 9u);
  for (const auto& r : t) {
    EXPECT_FALSE(r.reasons.empty()) << to_string(r.platform) << " " << to_string(r.backend);
    EXPECT_FALSE(r.head_sizes.empty());
    EXPECT_FALSE(r.dtypes.empty());
  }
  for (Backend b : {Backend::sdpa, Backend::fa, Backend::sage_attn}) {
    EXPECT_TRUE(row(t, Platform::cpu, b).available);
    EXPECT_THAT(row(t, Platform::cpu, b).reasons[0], HasSubstr("runs on host CPU"));
  }
}

TEST(Table, SimulatedMachine) {
  simulate("cuda:present,cuda.sage_attn:missing,musa:absent");
  const auto t = backend_table();
  reset_probes();
  EXPECT_TRUE(row(t, Platform::cuda, Backend::fa).available);
  EXPECT_THAT(row(t, Platform::cuda, Backend::fa).reasons[0], HasSubstr("sm_90"));
  const auto& sage = row(t, Platform::cuda, Backend::sage_attn);
  EXPECT_FALSE(sage.available);
  EXPECT_THAT(sage.reasons[0], HasSubstr("sage_attn kernel is missing on cuda (simulated)"));
  EXPECT_THAT(sage.reasons[1], HasSubstr("remedy:"));
  EXPECT_EQ(row(t, Platform::cuda, Backend::fa).head_sizes, "64, 96, 128, 256");
  EXPECT_EQ(row(t, Platform::cuda, Backend::fa).dtypes, "f16, bf16");
  for (Backend b : {Backend::sdpa, Backend::fa, Backend::sage_attn}) {
    EXPECT_FALSE(row(t, Platform::musa, b).available);
    EXPECT_THAT(row(t, Platform::musa, b).reasons[0], HasSubstr("musa is not present"));
  }
}

}  // namespace
}  // namespace dattn::test
