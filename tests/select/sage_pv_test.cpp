// sage_attn's P·V precision: automatic by hardware, explicit fp8 without FP8 tensor cores falls
// back to f16 with a warning (or an error under strict), never silently.
#include <gmock/gmock.h>
#include <gtest/gtest.h>

#include "select/selector.h"
#include "support.h"

namespace dattn::test {
namespace {

using ::testing::HasSubstr;

class SagePv : public ::testing::Test {
 protected:
  void TearDown() override { reset_probes(); }
  SagePV pv(Platform p, SagePV requested, Policy policy = Policy::warn) {
    std::vector<std::string> reasons;
    const SagePV r = selector::sage_pv(p, 0, requested, policy, reasons);
    EXPECT_EQ(reasons.size(), 1u);
    last_reason = reasons.empty() ? "" : reasons[0];
    return r;
  }
  std::string last_reason;
};

TEST_F(SagePv, Cpu_AutomaticIsF16_ExplicitChoicesAreHonoured) {
  reset_probes();
  EXPECT_EQ(pv(Platform::cpu, SagePV::automatic), SagePV::f16);
  EXPECT_THAT(last_reason, HasSubstr("automatic"));
  EXPECT_EQ(pv(Platform::cpu, SagePV::fp8), SagePV::fp8);
  EXPECT_EQ(pv(Platform::cpu, SagePV::f16), SagePV::f16);
}

TEST_F(SagePv, Cuda_AutomaticFollowsFp8TensorCores) {
  for (const auto& [cc, want] : {std::pair{"9.0", SagePV::fp8}, std::pair{"8.9", SagePV::fp8},
                                 std::pair{"8.6", SagePV::f16}, std::pair{"8.0", SagePV::f16}}) {
    simulate(std::string("cuda:present,cuda.cc:") + cc);
    EXPECT_EQ(pv(Platform::cuda, SagePV::automatic), want) << cc;
    EXPECT_THAT(last_reason, HasSubstr(std::string("compute capability ") + cc));
  }
}

TEST_F(SagePv, Cuda_Fp8OnAmpere_FallsBackToF16_WarningOnce) {
  simulate("cuda:present,cuda.cc:8.0");
  LogCapture log;
  EXPECT_EQ(pv(Platform::cuda, SagePV::fp8), SagePV::f16);
  EXPECT_EQ(pv(Platform::cuda, SagePV::fp8), SagePV::f16);
  ASSERT_EQ(log.warnings().size(), 1u);
  EXPECT_THAT(log.warnings()[0].text, HasSubstr("requested fp8 -> chosen f16"));
  EXPECT_THAT(log.warnings()[0].text, HasSubstr("compute capability >= 8.9"));
  EXPECT_THAT(last_reason, HasSubstr("FP8 tensor cores"));
  EXPECT_EQ(pv(Platform::cuda, SagePV::f16), SagePV::f16);
  EXPECT_EQ(log.warnings().size(), 1u);
}

TEST_F(SagePv, Cuda_Fp8OnAmpere_StrictRefuses) {
  simulate("cuda:present,cuda.cc:8.0");
  std::vector<std::string> reasons;
  EXPECT_THAT(error_of([&] { selector::sage_pv(Platform::cuda, 0, SagePV::fp8, Policy::strict,
                                               reasons); },
                       ErrorCode::fallback_refused),
              HasSubstr("requested fp8 -> chosen f16"));
}

TEST_F(SagePv, Cuda_Fp8OnHopper_IsHonoured) {
  simulate("cuda:present,cuda.cc:9.0");
  EXPECT_EQ(pv(Platform::cuda, SagePV::fp8, Policy::strict), SagePV::fp8);
}

// An sm_89 card under a module built for sm_80 and sm_90a (the default architectures) has FP8
// tensor cores but no fp8 kernel: automatic takes f16 and says why; an explicit fp8 falls back
// with the rebuild in its remedy, or is refused under strict.
TEST_F(SagePv, Cuda_Fp8WithoutItsKernelImage_IsF16WithTheReason) {
  simulate("cuda:present,cuda.cc:8.9,cuda.fp8:missing");
  EXPECT_EQ(pv(Platform::cuda, SagePV::automatic), SagePV::f16);
  EXPECT_THAT(last_reason, HasSubstr("has FP8 tensor cores, but the CUDA module carries no fp8 sage_attn kernel"));
  LogCapture log;
  EXPECT_EQ(pv(Platform::cuda, SagePV::fp8), SagePV::f16);
  ASSERT_EQ(log.warnings().size(), 1u);
  EXPECT_THAT(log.warnings()[0].text, HasSubstr("requested fp8 -> chosen f16"));
  EXPECT_THAT(log.warnings()[0].text, HasSubstr("remedy: drop 'cuda.fp8:missing'"));
  std::vector<std::string> reasons;
  EXPECT_THAT(error_of([&] { selector::sage_pv(Platform::cuda, 0, SagePV::fp8, Policy::strict, reasons); },
                       ErrorCode::fallback_refused),
              HasSubstr("no fp8 sage_attn kernel"));
  simulate("cuda:present,cuda.cc:8.9,cuda.fp8:present");
  EXPECT_EQ(pv(Platform::cuda, SagePV::automatic), SagePV::fp8);
}

TEST_F(SagePv, Musa_HasNoKnownFp8TensorCores) {
  simulate("musa:present");
  EXPECT_EQ(pv(Platform::musa, SagePV::automatic), SagePV::f16);
  EXPECT_EQ(pv(Platform::musa, SagePV::fp8), SagePV::f16);
}

TEST_F(SagePv, InvalidValueIsRejected) {
  std::vector<std::string> reasons;
  EXPECT_THAT(error_of([&] { selector::sage_pv(Platform::cpu, 0, static_cast<SagePV>(7),
                                               Policy::warn, reasons); },
                       ErrorCode::invalid_argument),
              HasSubstr("sage_pv"));
}

}  // namespace
}  // namespace dattn::test
