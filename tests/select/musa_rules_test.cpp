// The seed's rules for MUSA (sglang's MusaPlatform.get_attn_backend_cls_str), one test each,
// driven through simulate() as `dattn select --simulate` does.
#include <gmock/gmock.h>
#include <gtest/gtest.h>

#include "support.h"

namespace dattn::test {
namespace {

using ::testing::HasSubstr;
using ::testing::Not;

class MusaRules : public ::testing::Test {
 protected:
  void TearDown() override { reset_probes(); }
  CleanEnv env;
};

// Rule 1.
TEST_F(MusaRules, Musa_SdpaRequested_UsesSdpa) {
  simulate("musa:present");
  for (const char* name : {"sdpa", "torch_sdpa", "TORCH_SDPA"}) {
    const Selection s = select(query(Platform::musa, name));
    EXPECT_EQ(s.backend, Backend::sdpa);
    EXPECT_FALSE(s.fallback);
  }
}

// Rule 2, kernel present.
TEST_F(MusaRules, Musa_SageRequested_SageAvailable_UsesSage) {
  simulate("musa:present");
  LogCapture log;
  const Selection s = select(query(Platform::musa, "sage"));
  EXPECT_EQ(s.backend, Backend::sage_attn);
  EXPECT_EQ(s.requested, "sage_attn");
  EXPECT_FALSE(s.fallback);
  EXPECT_TRUE(log.warnings().empty());
}

// Rule 2, kernel missing: the seed's silent import-failure fallback, now a warning.
TEST_F(MusaRules, Musa_SageRequested_SageMissing_FallsBackToFa_WithWarningAndRemedy) {
  simulate("musa:present,musa.sage_attn:missing");
  LogCapture log;
  const Selection s = select(query(Platform::musa, "sage_attn"));
  EXPECT_EQ(s.backend, Backend::fa);
  EXPECT_TRUE(s.fallback);
  const auto w = log.warnings();
  ASSERT_EQ(w.size(), 1u);
  EXPECT_THAT(w[0].text, HasSubstr("requested sage_attn -> chosen fa"));
  EXPECT_THAT(w[0].text, HasSubstr("sage_attn kernel is missing on musa (simulated)"));
  EXPECT_THAT(w[0].text, HasSubstr("remedy: drop 'musa.sage_attn:missing'"));
  ASSERT_GE(s.reasons.size(), 3u);
  EXPECT_THAT(s.reasons[1], HasSubstr("falling back to fa"));
  EXPECT_THAT(s.reasons[2], HasSubstr("fa is available on musa:0"));
}

TEST_F(MusaRules, Musa_SageRequested_SageMissing_Strict_RefusesWithTheSameText) {
  simulate("musa:present,musa.sage_attn:missing");
  std::string warning;
  {
    LogCapture log;
    select(query(Platform::musa, "sage_attn", 128, DType::bf16, Policy::warn));
    ASSERT_EQ(log.warnings().size(), 1u);
    warning = log.warnings()[0].text;
  }
  const std::string msg = error_of(
      [] { select(query(Platform::musa, "sage_attn", 128, DType::bf16, Policy::strict)); },
      ErrorCode::fallback_refused);
  EXPECT_THAT(msg, HasSubstr("strict"));
  EXPECT_THAT(msg, HasSubstr(warning));
}

// Rule 3.
TEST_F(MusaRules, Musa_FaRequested_UsesFa) {
  simulate("musa:present");
  for (const char* name : {"fa", "fa3", "fa4", "flash_attn", "Flash_Attn"})
    EXPECT_EQ(select(query(Platform::musa, name)).backend, Backend::fa);
}

TEST_F(MusaRules, Musa_NothingRequested_DefaultsToFa) {
  simulate("musa:present");
  for (const char* name : {"", "auto"}) {
    const Selection s = select(query(Platform::musa, name));
    EXPECT_EQ(s.backend, Backend::fa);
    EXPECT_EQ(s.requested, "auto");
    EXPECT_FALSE(s.fallback);
    EXPECT_THAT(s.reasons[0], HasSubstr("fa is the musa default"));
  }
}

// Rule 4: the seed raises "Invalid attention backend for musa".
TEST_F(MusaRules, Musa_UnknownBackend_IsInvalidForPlatform) {
  simulate("musa:present");
  const std::string msg =
      error_of([] { select(query(Platform::musa, "xformers")); }, ErrorCode::invalid_argument);
  EXPECT_THAT(msg, HasSubstr("invalid attention backend 'xformers' for platform musa"));
  EXPECT_THAT(msg, HasSubstr("valid names: sdpa (torch_sdpa), fa (fa3, fa4, flash_attn)"));
}

// Rule 5: fa validated (dtype, head size, kernel), else sdpa.
TEST_F(MusaRules, Musa_FaWithF32_FallsBackToSdpa) {
  simulate("musa:present");
  LogCapture log;
  const Selection s = select(query(Platform::musa, "fa", 128, DType::f32));
  EXPECT_EQ(s.backend, Backend::sdpa);
  EXPECT_TRUE(s.fallback);
  ASSERT_EQ(log.warnings().size(), 1u);
  EXPECT_THAT(log.warnings()[0].text, HasSubstr("fa needs f16 or bf16, got f32"));
}

TEST_F(MusaRules, Musa_FaUnsupportedHeadSize_FallsBackToSdpa) {
  simulate("musa:present");
  const Selection s = select(query(Platform::musa, "fa", 80, DType::bf16));
  EXPECT_EQ(s.backend, Backend::sdpa);
  EXPECT_THAT(s.reasons[1], HasSubstr("head sizes 64, 96, 128 and 256; got 80"));
}

TEST_F(MusaRules, Musa_FaKernelMissing_FallsBackToSdpa) {
  simulate("musa:present,musa.fa:missing");
  const Selection s = select(query(Platform::musa, "fa"));
  EXPECT_EQ(s.backend, Backend::sdpa);
  EXPECT_TRUE(s.fallback);
}

// Rules 2 then 5: sage missing, and fa cannot take it either.
TEST_F(MusaRules, Musa_SageMissing_FaMissing_FallsBackToSdpa_NamingBoth) {
  simulate("musa:present,musa.sage_attn:missing,musa.fa:missing");
  LogCapture log;
  const Selection s = select(query(Platform::musa, "sage_attn"));
  EXPECT_EQ(s.backend, Backend::sdpa);
  ASSERT_EQ(log.warnings().size(), 1u);
  EXPECT_THAT(log.warnings()[0].text, HasSubstr("requested sage_attn -> chosen sdpa"));
  EXPECT_THAT(log.warnings()[0].text, HasSubstr("sage_attn kernel is missing"));
  EXPECT_THAT(log.warnings()[0].text, HasSubstr("fa kernel is missing"));
}

// Rule 6.
TEST_F(MusaRules, Musa_NothingAvailable_ErrorsWithEveryReason) {
  simulate("musa:present,musa.sage_attn:missing,musa.fa:missing,musa.sdpa:missing");
  const std::string msg =
      error_of([] { select(query(Platform::musa, "sage_attn")); }, ErrorCode::unsupported);
  EXPECT_THAT(msg, HasSubstr("no attention backend available on musa"));
  for (const char* b : {"sage_attn", "fa", "sdpa"})
    EXPECT_THAT(msg, HasSubstr(std::string(b) + " kernel is missing on musa"));
}

TEST_F(MusaRules, Musa_Absent_IsNoBackend) {
  simulate("musa:absent");
  EXPECT_THAT(error_of([] { select(query(Platform::musa, "fa")); }, ErrorCode::no_backend),
              HasSubstr("musa is not present: musa is absent (simulated)"));
}

// This machine has no MUSA runtime: the real probe says so, and names the library it tried.
TEST_F(MusaRules, Musa_RealProbe_WithoutRuntime_IsNotPresentAndNamesTheLibrary) {
  reset_probes();
  const probe::Verdict v = probe::get(Platform::musa)->present();
  if (v.ok) GTEST_SKIP() << "a MUSA runtime is installed here: " << v.reason;
  EXPECT_THAT(v.reason, HasSubstr("libmusart.so"));
  EXPECT_THAT(v.remedy, HasSubstr("MUSA toolkit"));
  EXPECT_THAT(error_of([] { select(query(Platform::musa, "sage_attn")); }, ErrorCode::no_backend),
              HasSubstr("no attention backend available on musa"));
}

TEST_F(MusaRules, Musa_RealProbe_HasNoKernelsInThisBuild) {
  const auto real = probe::make_musa_probe();
  for (Backend b : {Backend::sdpa, Backend::fa, Backend::sage_attn}) {
    const probe::Verdict v = real->available(b, 0, 128, DType::bf16);
    EXPECT_FALSE(v.ok);
    EXPECT_EQ(v.reason, "this build of dattn has no MUSA kernels");
    EXPECT_THAT(v.remedy, Not(::testing::IsEmpty()));
  }
}

}  // namespace
}  // namespace dattn::test
