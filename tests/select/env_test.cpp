// DATTN_STRICT, DATTN_ATTENTION_BACKEND and DATTN_PLATFORM.
#include <gmock/gmock.h>
#include <gtest/gtest.h>

#include "support.h"

namespace dattn::test {
namespace {

using ::testing::HasSubstr;

class Env : public ::testing::Test {
 protected:
  void SetUp() override { reset_probes(); }
  void TearDown() override { reset_probes(); }
  CleanEnv env;
};

TEST_F(Env, Strict_TurnsFallbackIntoError_WhenThePolicyIsUnset) {
  simulate("musa:present,musa.sage_attn:missing");
  for (const char* on : {"1", "true", "ON"}) {
    EnvGuard strict("DATTN_STRICT", on);
    error_of([] { select(query(Platform::musa, "sage_attn", 128, DType::bf16, std::nullopt)); },
             ErrorCode::fallback_refused);
    // An explicit policy wins over the environment.
    EXPECT_EQ(select(query(Platform::musa, "sage_attn", 128, DType::bf16, Policy::warn)).backend,
              Backend::fa);
  }
  for (const char* off : {"0", "", "false"}) {
    EnvGuard strict("DATTN_STRICT", off);
    EXPECT_EQ(select(query(Platform::musa, "sage_attn", 128, DType::bf16, std::nullopt)).backend,
              Backend::fa);
  }
}

TEST_F(Env, Strict_BadValueNamesTheVariable) {
  EnvGuard strict("DATTN_STRICT", "maybe");
  EXPECT_THAT(error_of([] { select(query(Platform::cpu, "fa", 128, DType::bf16, std::nullopt)); },
                       ErrorCode::invalid_argument),
              HasSubstr("DATTN_STRICT='maybe'"));
}

TEST_F(Env, AttentionBackend_IsTheDefaultRequest) {
  EnvGuard backend("DATTN_ATTENTION_BACKEND", "torch_sdpa");
  for (const char* name : {"", "auto"}) {
    const Selection s = select(query(Platform::cpu, name));
    EXPECT_EQ(s.backend, Backend::sdpa);
    EXPECT_EQ(s.requested, "sdpa");
  }
  EXPECT_EQ(select(query(Platform::cpu, "fa")).backend, Backend::fa);  // explicit wins
}

TEST_F(Env, AttentionBackend_UnknownNameNamesTheVariable) {
  EnvGuard backend("DATTN_ATTENTION_BACKEND", "turbo");
  const std::string msg = error_of([] { select(query(Platform::cpu, "")); },
                                   ErrorCode::invalid_argument);
  EXPECT_THAT(msg, HasSubstr("invalid attention backend 'turbo' (from DATTN_ATTENTION_BACKEND) "
                             "for platform cpu"));
}

TEST_F(Env, Platform_OverridesDetection) {
  simulate("cuda:present");
  EXPECT_EQ(detect_platform(), Platform::cuda);
  {
    EnvGuard platform("DATTN_PLATFORM", "CPU");
    EXPECT_EQ(detect_platform(), Platform::cpu);
    SelectQuery q = query(Platform::cpu, "fa");
    q.platform.reset();
    EXPECT_EQ(select(q).platform, Platform::cpu);
  }
  EnvGuard platform("DATTN_PLATFORM", "musa");  // forced even where musa is absent
  EXPECT_EQ(detect_platform(), Platform::musa);
}

TEST_F(Env, Platform_BadValueNamesTheVariableAndTheChoices) {
  EnvGuard platform("DATTN_PLATFORM", "rocm");
  const std::string msg = error_of([] { detect_platform(); }, ErrorCode::invalid_argument);
  EXPECT_THAT(msg, HasSubstr("DATTN_PLATFORM"));
  EXPECT_THAT(msg, HasSubstr("cpu|cuda|musa"));
}

TEST_F(Env, Detection_CudaThenMusaThenCpu) {
  simulate("cuda:present,musa:present");
  EXPECT_EQ(detect_platform(), Platform::cuda);
  simulate("cuda:absent,musa:present");
  EXPECT_EQ(detect_platform(), Platform::musa);
  simulate("cuda:absent,musa:absent");
  EXPECT_EQ(detect_platform(), Platform::cpu);
}

}  // namespace
}  // namespace dattn::test
