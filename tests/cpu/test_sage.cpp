// sage_attn: accuracy against fp64 within DESIGN.md's bounds, the attention half on
// pre-quantized inputs against a scalar simulation of the same arithmetic, and the VNNI
// and portable score paths giving identical outputs.
#include <gtest/gtest.h>

#include <cmath>
#include <limits>
#include <string>
#include <vector>

#include "cpu/causal.h"
#include "cpu/convert.h"
#include "cpu/exp2.h"
#include "cpu/kernels.h"
#include "cpu/quant.h"
#include "cpu/sage_attn.h"
#include "support/compare.h"
#include "support/seed.h"

namespace dattn::test {
namespace {

struct Bounds {
  double cosine, rel_l1, lse_max_abs;
};
// DESIGN.md: the algorithm's own error at D = 128 is cosine 0.99926 / rel L1 0.038 with fp8
// P·V; a kernel worse than these bounds has a bug. (Measured here over 20 seeds at the
// shape below: fp8 mean rel L1 0.0377, worst 0.0385; f16 worst 0.022.)
// The LSE only carries the INT8 error of the scores (worst seen 0.048 with k_bias inputs);
// 0.1 still catches a missing or wrong correction sm_scale * q.k_mean, which is of order
// 1 to 10 with k_bias inputs.
constexpr Bounds kDesignFp8{0.9992, 0.04, 0.1};
constexpr Bounds kDesignF16{0.9996, 0.025, 0.1};
// The coverage cases (other head sizes down to 8, short or causal sequences, few rows) are
// small samples whose metrics spread more: over 20 seeds the worst seen was rel L1 0.042
// (fp8, D = 8) and 0.0214 (f16), and LSE 0.062 (17 keys). These bounds keep a margin over
// that and still fail at once on an indexing, stride or masking bug (rel L1 of order 1).
constexpr Bounds kCoverageFp8{0.999, 0.05, 0.15};
constexpr Bounds kCoverageF16{0.9995, 0.03, 0.15};

Spec make(Shape shape, SagePV pv, Inputs inputs = Inputs::gaussian, DType dtype = DType::bf16,
          Storage storage = Storage::hnd, bool causal = false) {
  Spec s;
  s.shape = shape, s.sage_pv = pv, s.inputs = inputs, s.dtype = dtype;
  s.storage = storage, s.causal = causal;
  return s;
}

void expect_within(const Outcome& o, const Bounds& b) {
  EXPECT_EQ(o.out.nonfinite, 0);
  EXPECT_GE(o.out.cosine, b.cosine) << testing::PrintToString(o.out);
  EXPECT_LE(o.out.rel_l1, b.rel_l1) << testing::PrintToString(o.out);
  EXPECT_LE(o.lse_max_abs, b.lse_max_abs);
  EXPECT_TRUE(o.outside_untouched);
}

// --- Accuracy at D = 128, the bounds' own setting -------------------------------------

class SageAccuracy : public testing::TestWithParam<std::tuple<SagePV, Inputs, DType>> {};

TEST_P(SageAccuracy, WithinDesignBoundsAtD128) {
  const auto [pv, inputs, dtype] = GetParam();
  const Spec spec = make({1, 2, 2, 256, 1024, 128}, pv, inputs, dtype);
  SCOPED_TRACE(describe(spec));
  HostProblem hp(spec, test_seed());
  expect_within(run_and_compare(hp, &cpu::sage_attn), pv == SagePV::fp8 ? kDesignFp8 : kDesignF16);
}

INSTANTIATE_TEST_SUITE_P(Cpu, SageAccuracy,
                         testing::Combine(testing::Values(SagePV::fp8, SagePV::f16),
                                          testing::Values(Inputs::gaussian, Inputs::k_bias),
                                          testing::Values(DType::bf16, DType::f16)));

// --- Every head size, layout, GQA, causal, cross-attention ----------------------------

struct Case {
  std::string name;
  Spec spec;
};

std::vector<Case> cases() {
  std::vector<Case> c;
  for (SagePV pv : {SagePV::fp8, SagePV::f16}) {
    const std::string p = pv == SagePV::fp8 ? "fp8_" : "f16_";
    for (int64_t d : {8, 32, 64, 96, 128}) {
      c.push_back({p + "d" + std::to_string(d), make({1, 2, 1, 130, 700, d}, pv, Inputs::k_bias)});
    }
    c.push_back({p + "nhd_gqa", make({2, 4, 2, 100, 300, 64}, pv, Inputs::gaussian, DType::f16, Storage::nhd)});
    c.push_back({p + "strided", make({1, 4, 2, 70, 333, 128}, pv, Inputs::k_bias, DType::bf16, Storage::strided)});
    c.push_back({p + "sq_gt_sk", make({1, 2, 2, 300, 120, 64}, pv)});
    c.push_back({p + "short_kv", make({1, 2, 2, 65, 17, 64}, pv)});
    c.push_back({p + "causal", make({1, 2, 2, 333, 333, 64}, pv, Inputs::gaussian, DType::bf16, Storage::hnd, true)});
    c.push_back({p + "causal_sq_gt_sk", make({1, 2, 1, 200, 90, 64}, pv, Inputs::k_bias, DType::f16, Storage::strided, true)});
  }
  return c;
}

class SageShapes : public testing::TestWithParam<Case> {};

TEST_P(SageShapes, WithinCoverageBounds) {
  const Spec& spec = GetParam().spec;
  SCOPED_TRACE(describe(spec));
  HostProblem hp(spec, test_seed());
  expect_within(run_and_compare(hp, &cpu::sage_attn),
                spec.sage_pv == SagePV::fp8 ? kCoverageFp8 : kCoverageF16);
}

INSTANTIATE_TEST_SUITE_P(Cpu, SageShapes, testing::ValuesIn(cases()),
                         [](const testing::TestParamInfo<Case>& info) { return info.param.name; });

// --- Layout does not change a single bit -----------------------------------------------

// Quantization and arithmetic see logical indices only, so the same tensors stored HND,
// NHD or as a strided slice must give identical outputs: a sharper check of the stride
// handling than any accuracy bound.
TEST(SageLayouts, EveryStorageGivesTheSameBits) {
  for (SagePV pv : {SagePV::fp8, SagePV::f16}) {
    const uint64_t seed = test_seed(to_string(pv));
    std::vector<double> first, first_lse;
    for (Storage st : {Storage::hnd, Storage::nhd, Storage::strided}) {
      const Spec spec = make({2, 4, 2, 90, 150, 64}, pv, Inputs::k_bias, DType::bf16, st, true);
      SCOPED_TRACE(describe(spec));
      HostProblem hp(spec, seed);
      cpu::sage_attn(hp.problem());
      const auto rows = check::all_rows(hp.problem());
      const std::vector<double> out = check::gather_output(hp.problem(), rows);
      const std::vector<double> lse = check::gather_lse(hp.problem(), rows);
      EXPECT_TRUE(hp.outside_untouched());
      if (first.empty()) {
        first = out, first_lse = lse;
        continue;
      }
      EXPECT_EQ(out, first);
      EXPECT_EQ(lse, first_lse);
    }
  }
}

// --- The attention half on pre-quantized inputs ----------------------------------------

// A scalar, row-at-a-time replay of sage_attn.h's arithmetic in double, sharing only the
// element functions (fast_exp2, e4m3_round, f16_round, tested on their own) so that P is
// rounded from the same fp32 values; only the summation order and precision differ.
struct Simulated {
  std::vector<double> out, lse;
};

Simulated simulate(const HostProblem& hp, const cpu::SageQuantized& z) {
  const dattn_problem& p = hp.problem();
  const std::vector<float> q_logical = hp.logical(HostProblem::Operand::q);
  const int64_t d = p.head_dim;
  const bool fp8 = cpu::sage_pv_is_fp8(p);
  const float offset = fp8 ? 8.807354922057604f : 0.0f;
  const int64_t qb = cpu::sage_blocks(p.seq_q), kb = cpu::sage_blocks(p.seq_kv);
  Simulated sim;
  const auto rows = check::all_rows(p);
  for (const check::Row& r : rows) {
    const int64_t hkv = r.h / (p.heads_q / p.heads_kv);
    const int8_t* q = z.q_int8.data() + ((r.b * p.heads_q + r.h) * p.seq_q + r.s) * d;
    const float q_scale = z.q_scale[(r.b * p.heads_q + r.h) * qb + r.s / 64];
    const int64_t visible = cpu::visible_keys(p, r.s);
    float m = -std::numeric_limits<float>::infinity();
    double l = 0;
    std::vector<double> o(d, 0.0);
    for (int64_t k0 = 0; k0 < visible; k0 += 64) {
      const int64_t limit = std::min<int64_t>(64, visible - k0);
      const float scale = q_scale * z.k_scale[(r.b * p.heads_kv + hkv) * kb + k0 / 64];
      std::vector<float> s(limit);
      float m_new = m;
      for (int64_t t = 0; t < limit; ++t) {
        const int8_t* k = z.k_int8.data() + ((r.b * p.heads_kv + hkv) * p.seq_kv + k0 + t) * d;
        int32_t dot = 0;
        for (int64_t c = 0; c < d; ++c) dot += q[c] * k[c];
        s[t] = static_cast<float>(dot) * scale;
        m_new = std::max(m_new, s[t]);
      }
      const double alpha = cpu::fast_exp2(m - m_new);
      double sum = 0;
      std::vector<double> acc(d, 0.0);
      for (int64_t t = 0; t < limit; ++t) {
        const float e = cpu::fast_exp2(s[t] - m_new + offset);
        sum += e;
        const double pt = fp8 ? cpu::e4m3_round(e) : cpu::f16_round(e);
        const int64_t vi = ((r.b * p.heads_kv + hkv) * p.seq_kv + k0 + t) * d;
        for (int64_t c = 0; c < d; ++c) {
          acc[c] += pt * (fp8 ? cpu::e4m3_decode(z.v_fp8[vi + c]) : cpu::half_to_float(z.v_f16[vi + c]));
        }
      }
      l = l * alpha + sum;
      for (int64_t c = 0; c < d; ++c) o[c] = o[c] * alpha + acc[c];
      m = m_new;
    }
    const float* qf = q_logical.data() + ((r.b * p.heads_q + r.h) * p.seq_q + r.s) * d;
    double q_dot_mean = 0;
    for (int64_t c = 0; c < d; ++c) q_dot_mean += qf[c] * double{z.k_mean[(r.b * p.heads_kv + hkv) * d + c]};
    for (int64_t c = 0; c < d; ++c) {
      const double vs = fp8 ? z.v_scale[(r.b * p.heads_kv + hkv) * d + c] : 1.0;
      sim.out.push_back(l > 0 ? o[c] / l * vs : 0.0);
    }
    sim.lse.push_back(l > 0 ? (m + std::log2(l) - offset) * std::log(2.0) + p.sm_scale * q_dot_mean
                            : -std::numeric_limits<double>::infinity());
  }
  return sim;
}

class SagePrequantized : public testing::TestWithParam<std::tuple<SagePV, bool>> {};

TEST_P(SagePrequantized, MatchesScalarSimulation) {
  const auto [pv, causal] = GetParam();
  // f16 output keeps the comparison sharp; Sq > Sk with causal leaves rows with no key.
  const Spec spec = make({1, 4, 2, causal ? 200 : 100, 150, 64}, pv, Inputs::k_bias, DType::f16,
                         Storage::nhd, causal);
  SCOPED_TRACE(describe(spec));
  HostProblem hp(spec, test_seed());
  const dattn_problem& p = hp.problem();
  const cpu::SageQuantized z = cpu::sage_quantize(p);
  cpu::sage_attn_quantized(p, z, cpu::best_qk_path());
  const Simulated sim = simulate(hp, z);
  const auto rows = check::all_rows(p);
  const check::Metrics m = check::compare(check::gather_output(p, rows), sim.out);
  // Same rule as sdpa / fa against their exact reference: twice the output rounding plus
  // fp32 accumulation noise.
  EXPECT_LE(m.rel_l1, 2 * rounding_rel_l1(sim.out, DType::f16) + 2e-5) << testing::PrintToString(m);
  EXPECT_LE(check::lse_max_abs_error(check::gather_lse(p, rows), sim.lse), 1e-4);
}

INSTANTIATE_TEST_SUITE_P(Cpu, SagePrequantized,
                         testing::Combine(testing::Values(SagePV::fp8, SagePV::f16), testing::Bool()));

// --- Both score paths, bit for bit -------------------------------------------------------

TEST(SagePaths, VnniAndPortableGiveIdenticalOutputs) {
  if (!cpu::vnni_available()) GTEST_SKIP() << "this CPU has no AVX-512 VNNI";
  for (SagePV pv : {SagePV::fp8, SagePV::f16}) {
    const Spec spec = make({2, 2, 1, 150, 200, 96}, pv, Inputs::k_bias, DType::bf16, Storage::hnd, true);
    SCOPED_TRACE(describe(spec));
    HostProblem hp(spec, test_seed(to_string(pv)));
    const dattn_problem& p = hp.problem();
    const cpu::SageQuantized z = cpu::sage_quantize(p);
    const auto rows = check::all_rows(p);
    cpu::sage_attn_quantized(p, z, cpu::QkPath::portable);
    const std::vector<double> portable = check::gather_output(p, rows);
    const std::vector<double> portable_lse = check::gather_lse(p, rows);
    hp.poison();
    cpu::sage_attn_quantized(p, z, cpu::QkPath::vnni);
    EXPECT_EQ(check::gather_output(p, rows), portable);
    const std::vector<double> vnni_lse = check::gather_lse(p, rows);
    for (size_t i = 0; i < rows.size(); ++i) {
      ASSERT_TRUE(vnni_lse[i] == portable_lse[i]) << i;  // both -inf for rows with no key
    }
  }
}

}  // namespace
}  // namespace dattn::test
