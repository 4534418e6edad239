// cpu offers all three natively, default fa, with the same fallbacks as the GPUs.
#include <gmock/gmock.h>
#include <gtest/gtest.h>

#include "cpu/kernels.h"
#include "support.h"

namespace dattn::test {
namespace {

using ::testing::HasSubstr;

class CpuRules : public ::testing::Test {
 protected:
  void SetUp() override { reset_probes(); }
  void TearDown() override { reset_probes(); }
  CleanEnv env;
};

TEST_F(CpuRules, Cpu_IsAlwaysPresent_DefaultFa) {
  const Selection s = select(query(Platform::cpu, ""));
  EXPECT_EQ(s.backend, Backend::fa);
  EXPECT_THAT(s.reasons[0], HasSubstr("fa is the cpu default"));
}

TEST_F(CpuRules, Cpu_OffersAllThree) {
  EXPECT_EQ(select(query(Platform::cpu, "sdpa")).backend, Backend::sdpa);
  EXPECT_EQ(select(query(Platform::cpu, "fa")).backend, Backend::fa);
  EXPECT_EQ(select(query(Platform::cpu, "sage_attn")).backend, Backend::sage_attn);
}

TEST_F(CpuRules, Cpu_SageUnsupportedHeadSize_FallsBackToFa_WithTheKernelsReason) {
  const std::string why = cpu::unsupported_reason(Backend::sage_attn, 256, DType::bf16);
  ASSERT_FALSE(why.empty()) << "the CPU sage_attn now handles D = 256: pick a size it refuses";
  LogCapture log;
  const Selection s = select(query(Platform::cpu, "sage_attn", 256));
  EXPECT_EQ(s.backend, Backend::fa);
  ASSERT_EQ(log.warnings().size(), 1u);
  EXPECT_THAT(log.warnings()[0].text, HasSubstr(why));
}

TEST_F(CpuRules, Cpu_HeadSizeNothingHandles_IsUnsupported) {
  const std::string msg =
      error_of([] { select(query(Platform::cpu, "fa", 1000)); }, ErrorCode::unsupported);
  EXPECT_THAT(msg, HasSubstr("no attention backend available on cpu:0 for head_size 1000"));
  EXPECT_THAT(msg, HasSubstr("fa unavailable"));
  EXPECT_THAT(msg, HasSubstr("sdpa unavailable"));
}

TEST_F(CpuRules, Cpu_SimulatedMissingKernel_FallsBack) {
  simulate("cpu.fa:missing");
  const Selection s = select(query(Platform::cpu, "fa"));
  EXPECT_EQ(s.backend, Backend::sdpa);
  EXPECT_TRUE(s.fallback);
}

}  // namespace
}  // namespace dattn::test
