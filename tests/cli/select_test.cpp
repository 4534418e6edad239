// `dattn select --simulate` reproduces every rule of the seed (DESIGN.md "Selection") on musa
// and cuda, machines this test does not need to have.
#include <gtest/gtest.h>

#include <nlohmann/json.hpp>
#include <string>

#include "run_cli.h"

namespace dattn::cli_test {
namespace {

struct Case {
  std::string name;
  std::string platform;
  std::string simulate;
  std::string requested;  // "" = none
  int head_size;
  std::string dtype;
  std::string backend;     // expected choice
  bool fallback;
  std::string reason_has;  // a substring some reason must contain ("" = no check)
};

std::vector<Case> cases() {
  std::vector<Case> c;
  for (const std::string p : {"musa", "cuda"}) {
    const std::string on = p + ":present";
    c.push_back({p + "_rule1_sdpa", p, on, "sdpa", 128, "bf16", "sdpa", false, "sdpa requested"});
    c.push_back({p + "_rule1_alias_torch_sdpa", p, on, "torch_sdpa", 128, "bf16", "sdpa", false, ""});
    c.push_back({p + "_rule2_sage_available", p, on, "sage_attn", 128, "bf16", "sage_attn", false, ""});
    c.push_back({p + "_rule2_alias_sage", p, on, "sage", 64, "f16", "sage_attn", false, ""});
    c.push_back({p + "_rule2_sage_missing_falls_back_to_fa", p, on + "," + p + ".sage_attn:missing",
                 "sage_attn", 128, "bf16", "fa", true, "remedy"});
    c.push_back({p + "_rule2_sage_head_size_unsupported", p, on, "sage_attn", 192, "bf16", "sdpa",
                 true, "head size"});
    c.push_back({p + "_rule3_fa", p, on, "fa", 128, "bf16", "fa", false, ""});
    c.push_back({p + "_rule3_nothing_requested", p, on, "", 128, "bf16", "fa", false, ""});
    c.push_back({p + "_rule3_auto", p, on, "auto", 64, "f16", "fa", false, ""});
    for (const std::string alias : {"fa3", "fa4", "flash_attn"}) {
      c.push_back({p + "_rule3_alias_" + alias, p, on, alias, 128, "bf16", "fa", false, ""});
    }
    c.push_back({p + "_rule5_fa_f32_falls_back_to_sdpa", p, on, "fa", 128, "f32", "sdpa", true, "f32"});
    c.push_back({p + "_rule5_fa_head_size_falls_back_to_sdpa", p, on, "fa", 80, "bf16", "sdpa", true, "80"});
    c.push_back({p + "_rule5_fa_missing_falls_back_to_sdpa", p, on + "," + p + ".fa:missing", "fa", 128,
                 "bf16", "sdpa", true, "remedy"});
    c.push_back({p + "_rule2_then_rule5_chain", p, on + "," + p + ".sage_attn:missing," + p + ".fa:missing",
                 "sage_attn", 128, "bf16", "sdpa", true, "sage_attn"});
  }
  c.push_back({"cuda_rule5_fa_needs_sm80", "cuda", "cuda:present,cuda.cc:7.5", "fa", 128, "bf16", "sdpa",
               true, "compute capability"});
  c.push_back({"cuda_rule2_sage_needs_sm80", "cuda", "cuda:present,cuda.cc:7.5", "sage_attn", 128, "bf16",
               "sdpa", true, "compute capability"});
  return c;
}

// Names the case in ctest's listing instead of dumping its bytes.
void PrintTo(const Case& c, std::ostream* os) { *os << c.name; }

// DESIGN.md's vocabulary: the name a request is reported under.
std::string canonical(const std::string& requested) {
  if (requested.empty() || requested == "auto") return "auto";
  if (requested == "torch_sdpa") return "sdpa";
  if (requested == "sage") return "sage_attn";
  if (requested == "fa3" || requested == "fa4" || requested == "flash_attn") return "fa";
  return requested;
}

class SelectRule : public testing::TestWithParam<Case> {};

TEST_P(SelectRule, ChoosesAsTheSeedDoes) {
  const Case& c = GetParam();
  std::vector<std::string> args = {"select", "--json", "--platform", c.platform, "--simulate", c.simulate,
                                   "--head-size", std::to_string(c.head_size), "--dtype", c.dtype};
  if (!c.requested.empty()) args.insert(args.end(), {"--attention-backend", c.requested});
  const CliResult r = run_dattn(args);
  ASSERT_EQ(r.exit_code, 0) << r.err;
  const auto j = nlohmann::json::parse(r.out);
  EXPECT_EQ(j.at("platform"), c.platform);
  EXPECT_EQ(j.at("backend"), c.backend);
  EXPECT_EQ(j.at("fallback"), c.fallback);
  EXPECT_EQ(j.at("requested"), canonical(c.requested));
  ASSERT_FALSE(j.at("reasons").empty());
  if (!c.reason_has.empty()) {
    EXPECT_NE(j.at("reasons").dump().find(c.reason_has), std::string::npos) << j.dump(2);
  }
  // A fallback is never silent: one WARNING naming requested -> chosen.
  const bool warned = r.err.find("[warning]") != std::string::npos &&
                      r.err.find("-> chosen " + c.backend) != std::string::npos;
  EXPECT_EQ(warned, c.fallback) << r.err;
}

INSTANTIATE_TEST_SUITE_P(Seed, SelectRule, testing::ValuesIn(cases()),
                         [](const testing::TestParamInfo<Case>& i) { return i.param.name; });

TEST(Select, CanonicalNameOfAnAliasIsReported) {
  const CliResult r = run_dattn({"select", "--json", "--platform", "musa", "--simulate", "musa:present",
                                 "--attention-backend", "FA3"});
  ASSERT_EQ(r.exit_code, 0) << r.err;
  EXPECT_EQ(nlohmann::json::parse(r.out).at("requested"), "fa");
}

TEST(Select, Rule4InvalidNameIsAnErrorOnStderr) {
  for (const std::string p : {"musa", "cuda", "cpu"}) {
    const CliResult r = run_dattn({"select", "--platform", p, "--simulate", p == "cpu" ? "" : p + ":present",
                                   "--attention-backend", "xformers"});
    EXPECT_EQ(r.exit_code, 2) << p;
    EXPECT_TRUE(r.out.empty()) << r.out;
    EXPECT_NE(r.err.find("dattn: error: invalid attention backend 'xformers' for platform " + p),
              std::string::npos)
        << r.err;
    EXPECT_NE(r.err.find("sage_attn"), std::string::npos) << "the message lists the valid names";
  }
}

TEST(Select, Rule6NothingAvailableIsAnError) {
  const CliResult r = run_dattn({"select", "--platform", "musa", "--simulate",
                                 "musa:present,musa.sdpa:missing,musa.fa:missing,musa.sage_attn:missing"});
  EXPECT_EQ(r.exit_code, 4);
  EXPECT_NE(r.err.find("dattn: error: no attention backend available on musa"), std::string::npos) << r.err;
}

TEST(Select, AbsentPlatformIsAnError) {
  const CliResult r = run_dattn({"select", "--platform", "musa", "--simulate", "musa:absent"});
  EXPECT_EQ(r.exit_code, 4);
  EXPECT_NE(r.err.find("musa"), std::string::npos) << r.err;
}

TEST(Select, StrictFlagRefusesTheFallback) {
  const CliResult r = run_dattn({"select", "--platform", "musa", "--attention-backend", "sage_attn",
                                 "--simulate", "musa:present,musa.sage_attn:missing",
                                 "--attention-backend-strict"});
  EXPECT_EQ(r.exit_code, 3);
  EXPECT_TRUE(r.out.empty()) << r.out;
  EXPECT_NE(r.err.find("dattn: error:"), std::string::npos) << r.err;
  EXPECT_NE(r.err.find("requested sage_attn -> chosen fa"), std::string::npos) << r.err;
  EXPECT_NE(r.err.find("remedy"), std::string::npos) << r.err;
}

TEST(Select, StrictEnvironmentRefusesTheFallback) {
  const CliResult r = run_dattn({"select", "--platform", "cuda", "--attention-backend", "sage_attn",
                                 "--simulate", "cuda:present,cuda.sage_attn:missing"},
                                {"DATTN_STRICT=1"});
  EXPECT_EQ(r.exit_code, 3) << r.err;
}

TEST(Select, EnvironmentSetsTheRequestedBackend) {
  const CliResult r = run_dattn({"select", "--json", "--platform", "musa", "--simulate", "musa:present"},
                                {"DATTN_ATTENTION_BACKEND=sage"});
  ASSERT_EQ(r.exit_code, 0) << r.err;
  const auto j = nlohmann::json::parse(r.out);
  EXPECT_EQ(j.at("requested"), "sage_attn");
  EXPECT_EQ(j.at("backend"), "sage_attn");
}

TEST(Select, FlagOverridesTheEnvironment) {
  const CliResult r = run_dattn({"select", "--json", "--platform", "musa", "--simulate", "musa:present",
                                 "--attention-backend", "sdpa"},
                                {"DATTN_ATTENTION_BACKEND=sage"});
  ASSERT_EQ(r.exit_code, 0) << r.err;
  EXPECT_EQ(nlohmann::json::parse(r.out).at("backend"), "sdpa");
}

TEST(Select, SimulatedPlatformIsDetected) {
  // cuda is marked absent so that a real GPU on the test machine cannot win detection.
  const CliResult r = run_dattn({"select", "--json", "--simulate", "musa:present,cuda:absent"});
  ASSERT_EQ(r.exit_code, 0) << r.err;
  EXPECT_EQ(nlohmann::json::parse(r.out).at("platform"), "musa");
}

TEST(Select, MalformedSimulationIsABadArgument) {
  const CliResult r = run_dattn({"select", "--platform", "musa", "--simulate", "musa:sometimes"});
  EXPECT_EQ(r.exit_code, 2);
  EXPECT_NE(r.err.find("musa:sometimes"), std::string::npos) << r.err;
}

TEST(Select, TextOutputNamesTheDecision) {
  const CliResult r = run_dattn({"select", "--platform", "musa", "--attention-backend", "sage_attn",
                                 "--simulate", "musa:present,musa.sage_attn:missing"});
  ASSERT_EQ(r.exit_code, 0) << r.err;
  EXPECT_NE(r.out.find("backend: fa (FALLBACK)"), std::string::npos) << r.out;
  EXPECT_NE(r.out.find("requested: sage_attn"), std::string::npos) << r.out;
}

}  // namespace
}  // namespace dattn::cli_test
