// The CUDA fa kernel needs 16-byte aligned rows; a view without them falls back to sdpa per
// call, under the same policy as every other fallback. Driven on a simulated GPU: the strict
// refusal and the warning both happen before any kernel would run.
#include <gmock/gmock.h>
#include <gtest/gtest.h>

#include <vector>

#include "support.h"

namespace dattn::test {
namespace {

using ::testing::HasSubstr;

class AlignmentFallback : public ::testing::Test {
 protected:
  void SetUp() override { simulate("cuda:present"); }
  void TearDown() override { reset_probes(); }

  // bf16 [1, 2, 16, 64] views over host memory labelled as CUDA memory: nothing dereferences
  // them before the decision under test. `seq_stride` 64 is aligned; 68 is not (136 bytes).
  Tensor view(std::vector<uint16_t>& buf, int64_t seq_stride) const {
    Tensor t = contiguous_tensor(buf.data(), DType::bf16, {1, 2, 16, 64}, DeviceType::cuda, 0);
    t.strides = {2 * 16 * seq_stride, 16 * seq_stride, seq_stride, 1};
    return t;
  }
  CleanEnv env;
  std::vector<uint16_t> q_ = std::vector<uint16_t>(2 * 16 * 68), k_ = q_, v_ = q_, o_ = q_;
};

TEST_F(AlignmentFallback, StrictRefusesAMisalignedViewNamingIt) {
  Options o;
  o.backend = "fa";
  o.policy = Policy::strict;
  const std::string msg = error_of(
      [&] { attention(view(q_, 64), view(k_, 68), view(v_, 64), view(o_, 64), nullptr, o); },
      ErrorCode::fallback_refused);
  EXPECT_THAT(msg, HasSubstr("requested fa -> chosen sdpa"));
  EXPECT_THAT(msg, HasSubstr("but k has"));
  EXPECT_THAT(msg, HasSubstr("remedy"));
}

TEST_F(AlignmentFallback, WarnLogsOnceThenGoesOnToSdpa) {
  LogCapture log;
  Options o;
  o.backend = "fa";
  o.policy = Policy::warn;
  for (int i = 0; i < 2; ++i) {
    // No real GPU module here: after the fallback the run itself fails, which shows the
    // fallback did not stop the call.
    try {
      attention(view(q_, 64), view(k_, 64), view(v_, 64), view(o_, 68), nullptr, o);
    } catch (const Error& e) {
      EXPECT_NE(e.code(), ErrorCode::fallback_refused) << e.what();
    }
  }
  ASSERT_EQ(log.warnings().size(), 1u);
  EXPECT_THAT(log.warnings()[0].text, HasSubstr("but out has"));
}

TEST_F(AlignmentFallback, AlignedViewsKeepFa) {
  LogCapture log;
  Options o;
  o.backend = "fa";
  o.policy = Policy::strict;
  try {
    attention(view(q_, 64), view(k_, 64), view(v_, 64), view(o_, 64), nullptr, o);
  } catch (const Error& e) {
    EXPECT_NE(e.code(), ErrorCode::fallback_refused) << e.what();
  }
  EXPECT_TRUE(log.warnings().empty());
}

}  // namespace
}  // namespace dattn::test
