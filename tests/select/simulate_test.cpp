// The --simulate grammar.
#include <gmock/gmock.h>
#include <gtest/gtest.h>

#include "support.h"

namespace dattn::test {
namespace {

using ::testing::HasSubstr;

class Simulate : public ::testing::Test {
 protected:
  void TearDown() override { reset_probes(); }
  CleanEnv env;
};

TEST_F(Simulate, TheIssuesExample) {
  simulate("musa:present,musa.sage_attn:missing");
  EXPECT_TRUE(probe::get(Platform::musa)->present().ok);
  EXPECT_EQ(select(query(Platform::musa, "sage_attn")).backend, Backend::fa);
}

TEST_F(Simulate, CaseSpacesAndAliases) {
  simulate(" MUSA:Present , musa.SAGE:missing,cuda:absent ,cuda.flash_attn:missing");
  EXPECT_EQ(select(query(Platform::musa, "sage_attn")).backend, Backend::fa);
  EXPECT_FALSE(probe::get(Platform::cuda)->present().ok);
}

TEST_F(Simulate, NamingABackendMakesThePlatformPresent) {
  simulate("cuda.fa:missing");
  EXPECT_TRUE(probe::get(Platform::cuda)->present().ok);
  EXPECT_EQ(select(query(Platform::cuda, "fa")).backend, Backend::sdpa);
}

TEST_F(Simulate, ComputeCapability) {
  simulate("cuda.cc:7.5");
  EXPECT_EQ(probe::get(Platform::cuda)->compute_capability(0), 75);
}

TEST_F(Simulate, ASecondSimulationReplacesTheFirst) {
  simulate("musa:present,musa.sage_attn:missing");
  simulate("musa:present");
  EXPECT_EQ(select(query(Platform::musa, "sage_attn")).backend, Backend::sage_attn);
}

TEST_F(Simulate, AnEmptySpecSimulatesNothing) {
  simulate("cuda:present");
  simulate("");
  EXPECT_EQ(probe::get(Platform::cpu)->describe(0).find("simulated"), std::string::npos);
}

TEST_F(Simulate, BadSpecsQuoteTheItemAndTheGrammar) {
  const std::pair<const char*, const char*> bad[] = {
      {"musa", "missing ':'"},
      {"rocm:present", "unknown platform 'rocm'"},
      {"musa:here", "present or absent"},
      {"cpu:absent", "always present"},
      {"musa.turbo:missing", "unknown backend 'turbo'"},
      {"musa.fa:gone", "missing or present"},
      {"musa.cc:8.0", "only cuda"},
      {"cuda.cc:eight", "MAJOR.MINOR"},
      {"cuda.cc:10.0", "MAJOR.MINOR"},
      {"musa:present,,cuda:absent", "empty item"},
  };
  for (const auto& [spec, why] : bad) {
    const std::string msg = error_of([&] { simulate(spec); }, ErrorCode::invalid_argument);
    EXPECT_THAT(msg, HasSubstr(why)) << spec;
    EXPECT_THAT(msg, HasSubstr("PLATFORM.BACKEND:missing|present")) << spec;
  }
}

}  // namespace
}  // namespace dattn::test
