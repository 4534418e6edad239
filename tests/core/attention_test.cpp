// attention() end to end on small CPU problems: validation, selection and dispatch to the
// selected kernel, checked against the fp64 reference of src/check. The kernels' own accuracy
// is tested in tests/cpu; here the point is that the right kernel runs on the right views.
#include <gmock/gmock.h>
#include <gtest/gtest.h>

#include <thread>

#include "check/metrics.h"
#include "check/reference.h"
#include "core/host_tensors.h"
#include "core/validate.h"
#include "select/support.h"

namespace dattn::test {
namespace {

using ::testing::HasSubstr;

struct Bounds {
  double cosine, rel_l1, lse;
};

// f32 in and out: fp32 accumulation against fp64. bf16 out: one bf16 rounding (2^-9 relative).
// sage_attn: DESIGN.md's f16 P·V bounds (stated at D = 128; here D = 128 as well).
Bounds bounds_for(Backend b, DType t) {
  if (b == Backend::sage_attn) return {0.9996, 0.025, 0.05};
  if (t == DType::f32) return {0.999999, 1e-5, 1e-4};
  return {0.9999, 0.006, 1e-2};
}

void expect_matches_reference(const Problem& p, Backend b, DType t) {
  const dattn_problem dp = make_problem(p.q.t, p.k.t, p.v.t, p.out.t, &p.lse, p.options);
  const auto rows = check::all_rows(dp);
  const check::Reference ref = check::reference(dp, rows);
  const auto out = check::gather_output(dp, rows);
  const auto lse = check::gather_lse(dp, rows);
  const check::Metrics m = check::compare(out, ref.out);
  const Bounds bound = bounds_for(b, t);
  EXPECT_EQ(m.nonfinite, 0);
  EXPECT_GE(m.cosine, bound.cosine);
  EXPECT_LE(m.rel_l1, bound.rel_l1);
  EXPECT_LE(check::lse_max_abs_error(lse, ref.lse), bound.lse);
}

class Attention : public ::testing::Test {
 protected:
  void SetUp() override { reset_probes(); }
  void TearDown() override { reset_probes(); }
  CleanEnv env;
};

// Selection::sage_pv says the precision sage_attn ran with (the CPU's automatic is f16); other
// backends leave it unset.
TEST_F(Attention, SelectionReportsSagePrecisionAsRun) {
  Problem p = make_problem_data({}, DType::bf16, Layout::HND, fresh_seed());
  p.options.backend = "sage_attn";
  EXPECT_EQ(attention(p.q.t, p.k.t, p.v.t, p.out.t, &p.lse, p.options).sage_pv, SagePV::f16);
  p.options.sage_pv = SagePV::fp8;
  EXPECT_EQ(attention(p.q.t, p.k.t, p.v.t, p.out.t, &p.lse, p.options).sage_pv, SagePV::fp8);
  p.options.backend = "fa";
  EXPECT_FALSE(attention(p.q.t, p.k.t, p.v.t, p.out.t, &p.lse, p.options).sage_pv.has_value());
}

// An unset policy reads DATTN_STRICT; an explicit one wins over it (sage_attn on f32 falls back
// to fa on the CPU).
TEST_F(Attention, UnsetPolicyFollowsDattnStrict) {
  Problem p = make_problem_data({}, DType::f32, Layout::HND, fresh_seed());
  p.options.backend = "sage_attn";
  {
    EnvGuard strict("DATTN_STRICT", "1");
    EXPECT_THAT(error_of([&] { attention(p.q.t, p.k.t, p.v.t, p.out.t, &p.lse, p.options); },
                         ErrorCode::fallback_refused),
                HasSubstr("requested sage_attn -> chosen fa"));
    p.options.policy = Policy::warn;
    EXPECT_TRUE(attention(p.q.t, p.k.t, p.v.t, p.out.t, &p.lse, p.options).fallback);
  }
  p.options.policy.reset();
  const Selection s = attention(p.q.t, p.k.t, p.v.t, p.out.t, &p.lse, p.options);
  EXPECT_EQ(s.backend, Backend::fa);
  EXPECT_TRUE(s.fallback);
}

TEST_F(Attention, EveryCpuBackend_BothLayouts_CausalAndNot_MatchTheReference) {
  const struct {
    const char* name;
    Backend backend;
    DType dtype;
  } runs[] = {{"sdpa", Backend::sdpa, DType::f32},
              {"fa", Backend::fa, DType::f32},
              {"torch_sdpa", Backend::sdpa, DType::bf16},
              {"flash_attn", Backend::fa, DType::bf16},
              {"sage", Backend::sage_attn, DType::bf16}};
  Shape shape;
  shape.head_dim = 128;
  for (const auto& r : runs)
    for (Layout layout : {Layout::HND, Layout::NHD})
      for (bool causal : {false, true}) {
        const uint64_t seed = fresh_seed();
        SCOPED_TRACE(std::string(r.name) + " " + to_string(layout) + (causal ? " causal" : "") +
                     " seed " + std::to_string(seed));
        Problem p = make_problem_data(shape, r.dtype, layout, seed, /*pad=*/8);
        p.options.backend = r.name;
        p.options.causal = causal;
        const Selection s = attention(p.q.t, p.k.t, p.v.t, p.out.t, &p.lse, p.options);
        EXPECT_EQ(s.backend, r.backend);
        EXPECT_FALSE(s.fallback);
        expect_matches_reference(p, r.backend, r.dtype);
      }
}

TEST_F(Attention, SageReportsItsResolvedPvPrecision) {
  Shape shape;
  shape.head_dim = 64;
  Problem p = make_problem_data(shape, DType::bf16, Layout::HND, fresh_seed());
  p.options.backend = "sage_attn";
  Selection s = attention(p.q.t, p.k.t, p.v.t, p.out.t, nullptr, p.options);
  EXPECT_THAT(s.reasons.back(), HasSubstr("sage_attn P·V in f16 (automatic"));
  p.options.sage_pv = SagePV::fp8;
  s = attention(p.q.t, p.k.t, p.v.t, p.out.t, nullptr, p.options);
  EXPECT_THAT(s.reasons.back(), HasSubstr("sage_attn P·V in fp8 (requested)"));
}

TEST_F(Attention, DefaultScaleAndAnExplicitOneDiffer) {
  Problem p = make_problem_data({}, DType::f32, Layout::HND, fresh_seed());
  p.options.sm_scale = 0.3f;
  attention(p.q.t, p.k.t, p.v.t, p.out.t, &p.lse, p.options);
  expect_matches_reference(p, Backend::fa, DType::f32);
}

TEST_F(Attention, StrictFallbackRefusesBeforeWritingAnything) {
  simulate("cpu.sage_attn:missing");
  Problem p = make_problem_data({}, DType::bf16, Layout::HND, fresh_seed());
  const std::vector<uint8_t> before = p.out.bytes;
  p.options.backend = "sage_attn";
  p.options.policy = Policy::strict;
  EXPECT_THAT(error_of([&] { attention(p.q.t, p.k.t, p.v.t, p.out.t, nullptr, p.options); },
                       ErrorCode::fallback_refused),
              HasSubstr("requested sage_attn -> chosen fa"));
  EXPECT_EQ(p.out.bytes, before);
  p.options.policy = Policy::warn;
  LogCapture log;
  EXPECT_EQ(attention(p.q.t, p.k.t, p.v.t, p.out.t, nullptr, p.options).backend, Backend::fa);
  EXPECT_EQ(log.warnings().size(), 1u);
}

TEST_F(Attention, GpuTensorsWithoutTheirPlatformAreNoBackend) {
  for (DeviceType device : {DeviceType::cuda, DeviceType::musa}) {
    Problem p = make_problem_data({}, DType::bf16, Layout::HND, 1);
    for (Tensor* t : {&p.q.t, &p.k.t, &p.v.t, &p.out.t}) t->device = device;
    if (probe::get(device == DeviceType::cuda ? Platform::cuda : Platform::musa)->present().ok)
      continue;  // a real GPU here: the pointers are host memory, do not hand them to it
    EXPECT_THAT(error_of([&] { attention(p.q.t, p.k.t, p.v.t, p.out.t, nullptr, p.options); },
                         ErrorCode::no_backend),
                HasSubstr(std::string("no attention backend available on ") + to_string(device)));
  }
}

TEST_F(Attention, SimulatedMusaSelectsButCannotRunInThisBuild) {
  simulate("musa:present");
  Problem p = make_problem_data({}, DType::bf16, Layout::HND, 1);
  for (Tensor* t : {&p.q.t, &p.k.t, &p.v.t, &p.out.t}) t->device = DeviceType::musa;
  EXPECT_THAT(error_of([&] { attention(p.q.t, p.k.t, p.v.t, p.out.t, nullptr, p.options); },
                       ErrorCode::no_backend),
              HasSubstr("this build of dattn has no MUSA kernels"));
}

TEST_F(Attention, ConcurrentCallsAreIndependent) {
  constexpr int kThreads = 4, kCalls = 6;
  const char* names[] = {"sdpa", "fa", "sage_attn"};
  std::vector<std::thread> threads;
  std::vector<std::string> failures(kThreads);
  for (int t = 0; t < kThreads; ++t)
    threads.emplace_back([&, t] {
      for (int i = 0; i < kCalls; ++i) {
        Shape shape;
        shape.head_dim = 64;
        shape.seq_q = 9 + t + i;
        Problem p = make_problem_data(shape, DType::bf16, Layout::NHD, fresh_seed());
        p.options.backend = names[(t + i) % 3];
        try {
          attention(p.q.t, p.k.t, p.v.t, p.out.t, &p.lse, p.options);
          const dattn_problem dp =
              make_problem(p.q.t, p.k.t, p.v.t, p.out.t, &p.lse, p.options);
          const auto rows = check::all_rows(dp);
          const auto m = check::compare(check::gather_output(dp, rows),
                                        check::reference(dp, rows).out);
          if (!(m.cosine >= 0.999)) failures[t] += std::string(names[(t + i) % 3]) + " cosine " +
                                                   std::to_string(m.cosine) + "; ";
        } catch (const std::exception& e) {
          failures[t] += e.what();
        }
      }
    });
  for (auto& th : threads) th.join();
  for (const auto& f : failures) EXPECT_EQ(f, "");
}

}  // namespace
}  // namespace dattn::test
