// The selection rules, table-driven: every platform x request (each alias, auto, empty) x
// availability of the three kernels x policy. Head sizes and dtypes: capability_matrix_test.
#include <gmock/gmock.h>
#include <gtest/gtest.h>

#include "select/registry.h"
#include "support.h"

namespace dattn::test {
namespace {

using ::testing::HasSubstr;

// The expected outcome of DESIGN.md's rules, written out by hand for every availability
// combination. nullptr: no backend can run (rule 6).
struct Row {
  const char* request;  // canonical name or "auto"
  bool sage, fa, sdpa;  // kernel available
  const char* expect;
  bool fallback;
};

constexpr Row kRows[] = {
    // rule 1: sdpa requested -> sdpa, whatever else exists
    {"sdpa", true, true, true, "sdpa", false},
    {"sdpa", false, false, true, "sdpa", false},
    {"sdpa", true, true, false, nullptr, false},
    {"sdpa", false, false, false, nullptr, false},
    // rule 2 then 5: sage_attn -> sage_attn, else fa, else sdpa
    {"sage_attn", true, true, true, "sage_attn", false},
    {"sage_attn", true, false, false, "sage_attn", false},
    {"sage_attn", false, true, true, "fa", true},
    {"sage_attn", false, true, false, "fa", true},
    {"sage_attn", false, false, true, "sdpa", true},
    {"sage_attn", false, false, false, nullptr, false},
    // rule 3 then 5: fa -> fa, else sdpa
    {"fa", true, true, true, "fa", false},
    {"fa", false, true, false, "fa", false},
    {"fa", true, false, true, "sdpa", true},
    {"fa", true, false, false, nullptr, false},
    // nothing requested: the default fa; missing it is a fallback like any other
    {"auto", true, true, true, "fa", false},
    {"auto", false, true, false, "fa", false},
    {"auto", true, false, true, "sdpa", true},
    {"auto", true, false, false, nullptr, false},
};

std::vector<std::string> spellings(const std::string& request) {
  if (request == "auto") return {"", "auto", "AUTO", " auto "};
  std::vector<std::string> names = registry::aliases(*registry::lookup(request));
  std::string upper = names.back();
  for (char& c : upper) c = static_cast<char>(std::toupper(static_cast<unsigned char>(c)));
  names.push_back(upper);
  return names;
}

std::shared_ptr<ScriptedProbe> scripted(const Row& r) {
  auto p = std::make_shared<ScriptedProbe>();
  auto no = [](const char* what) {
    return probe::Verdict{false, std::string(what) + " kernel not built (scripted)",
                          std::string("build ") + what + " (scripted remedy)"};
  };
  if (!r.sage) p->backends[Backend::sage_attn] = no("sage_attn");
  if (!r.fa) p->backends[Backend::fa] = no("fa");
  if (!r.sdpa) p->backends[Backend::sdpa] = no("sdpa");
  return p;
}

TEST(RulesMatrix, EveryPlatformRequestAvailabilityAndPolicy) {
  CleanEnv env;
  int cases = 0;
  for (Platform platform : registry::kAllPlatforms) {
    for (const Row& r : kRows) {
      for (const std::string& name : spellings(r.request)) {
        SCOPED_TRACE(std::string(to_string(platform)) + " request '" + name + "' sage=" +
                     std::to_string(r.sage) + " fa=" + std::to_string(r.fa) +
                     " sdpa=" + std::to_string(r.sdpa));
        ProbeScope scope;
        scope.install(platform, scripted(r));
        ++cases;

        if (!r.expect) {
          for (Policy policy : {Policy::warn, Policy::strict}) {
            const std::string msg = error_of(
                [&] { select(query(platform, name, 128, DType::bf16, policy)); },
                ErrorCode::unsupported);
            EXPECT_THAT(msg, HasSubstr(std::string("no attention backend available on ") +
                                       to_string(platform)));
            EXPECT_THAT(msg, HasSubstr("sdpa kernel not built (scripted)"));
            EXPECT_THAT(msg, HasSubstr("build sdpa (scripted remedy)"));
          }
          continue;
        }

        LogCapture log;
        const Selection s = select(query(platform, name, 128, DType::bf16, Policy::warn));
        EXPECT_STREQ(to_string(s.backend), r.expect);
        EXPECT_EQ(s.platform, platform);
        EXPECT_EQ(s.requested, r.request);
        EXPECT_EQ(s.fallback, r.fallback);
        EXPECT_FALSE(s.reasons.empty());
        EXPECT_EQ(log.infos().size(), 1u);
        const auto warnings = log.warnings();
        ASSERT_EQ(warnings.size(), r.fallback ? 1u : 0u);

        if (!r.fallback) {
          const Selection strict = select(query(platform, name, 128, DType::bf16, Policy::strict));
          EXPECT_EQ(strict.backend, s.backend);
          continue;
        }
        const std::string& w = warnings[0].text;
        EXPECT_THAT(w, HasSubstr(std::string("requested ") + r.request + " -> chosen " + r.expect));
        EXPECT_THAT(w, HasSubstr("kernel not built (scripted)"));
        EXPECT_THAT(w, HasSubstr("remedy: build"));
        const std::string refused = error_of(
            [&] { select(query(platform, name, 128, DType::bf16, Policy::strict)); },
            ErrorCode::fallback_refused);
        EXPECT_THAT(refused, HasSubstr(w));
      }
    }
  }
  EXPECT_GT(cases, 150);
}

TEST(RulesMatrix, UnknownNamesAreInvalidForEveryPlatformAndListTheValidNames) {
  CleanEnv env;
  for (Platform platform : registry::kAllPlatforms) {
    for (const char* name : {"flash", "xformers", "sage2", "torch", "fa 3"}) {
      const std::string msg = error_of([&] { select(query(platform, name)); },
                                       ErrorCode::invalid_argument);
      EXPECT_THAT(msg, HasSubstr(std::string("invalid attention backend '") + name +
                                 "' for platform " + to_string(platform)));
      EXPECT_THAT(msg, HasSubstr("sdpa (torch_sdpa), fa (fa3, fa4, flash_attn), sage_attn (sage)"));
    }
  }
}

TEST(RulesMatrix, PlatformNotPresentIsNoBackendWithReasonAndRemedy) {
  CleanEnv env;
  for (Platform platform : {Platform::cuda, Platform::musa}) {
    ProbeScope scope;
    auto p = std::make_shared<ScriptedProbe>();
    p->presence = {false, "no driver (scripted)", "install the driver (scripted)"};
    scope.install(platform, p);
    for (const char* name : {"sdpa", "fa", "sage_attn", ""}) {
      const std::string msg =
          error_of([&] { select(query(platform, name)); }, ErrorCode::no_backend);
      EXPECT_THAT(msg, HasSubstr(std::string("no attention backend available on ") +
                                 to_string(platform)));
      EXPECT_THAT(msg, HasSubstr("no driver (scripted)"));
      EXPECT_THAT(msg, HasSubstr("install the driver (scripted)"));
    }
  }
}

TEST(RulesMatrix, BadQueriesAreInvalidArguments) {
  CleanEnv env;
  EXPECT_THAT(error_of([] { select(query(Platform::cpu, "fa", 0)); }, ErrorCode::invalid_argument),
              HasSubstr("head_size"));
  EXPECT_THAT(error_of([] { select(query(Platform::cpu, "fa", 128, static_cast<DType>(9))); },
                       ErrorCode::invalid_argument),
              HasSubstr("dtype"));
  EXPECT_THAT(error_of([] { select(query(Platform::cpu, "fa", 128, DType::bf16,
                                         static_cast<Policy>(5))); },
                       ErrorCode::invalid_argument),
              HasSubstr("policy"));
  SelectQuery q = query(Platform::cpu, "fa");
  q.device_index = -1;
  EXPECT_THAT(error_of([&] { select(q); }, ErrorCode::invalid_argument), HasSubstr("device_index"));
}

}  // namespace
}  // namespace dattn::test
