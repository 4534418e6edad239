// The AVX512-BF16 block products (bf16_dot.h) against fp64 on the same bf16 values, and
// fa's paths (fa.h) against the fp64 attention reference with fa's own bound. Skipped on a
// CPU without the instructions, where nothing takes these paths.
#include <gtest/gtest.h>

#include <cmath>
#include <random>
#include <string>
#include <vector>

#include "cpu/bf16_dot.h"
#include "cpu/convert.h"
#include "cpu/f32_dot.h"
#include "cpu/fa.h"
#include "cpu/sage_pv.h"
#include "support/compare.h"
#include "support/seed.h"

namespace dattn::cpu {
namespace {

struct Dims {
  int64_t rows, keys, d;
};
// Partial register tiles in every direction: rows around 6, keys around 16 / 64, d = 8 mod 16.
const Dims kDims[] = {{1, 1, 8}, {7, 17, 24}, {13, 64, 80}, {6, 255, 128}, {20, 256, 256}};

std::vector<uint16_t> random_bf16(int64_t n, std::mt19937_64& rng) {
  std::normal_distribution<float> normal;
  std::vector<uint16_t> x(static_cast<size_t>(n));
  for (auto& e : x) e = float_to_bf16(normal(rng));
  return x;
}

// |fp32 sum - exact sum| of n exact products is at most about n * 2^-24 * sum |terms|.
double sum_bound(int64_t n, double abs_sum) { return 2.0 * n * 0x1p-24 * abs_sum + 1e-30; }

TEST(Bf16Dot, ScoresAreFp32SumsOfExactProducts) {
  if (!bf16_dot_available()) GTEST_SKIP() << "no AVX512-BF16 on this CPU";
  std::mt19937_64 rng(test::test_seed());
  for (const Dims& s : kDims) {
    SCOPED_TRACE(std::to_string(s.rows) + "x" + std::to_string(s.keys) + "x" + std::to_string(s.d));
    const int64_t ldq = s.d + 3;  // odd row stride: rows start at odd elements
    const auto q = random_bf16(s.rows * ldq, rng), k = random_bf16(s.keys * s.d, rng);
    std::vector<uint32_t> kp(s.d / 2 * bf16_k_cols(s.keys));
    pack_k_pairs(k.data(), s.d, s.keys, s.d, kp.data());
    const int64_t lds = bf16_k_cols(s.keys) + 5;
    std::vector<float> out(s.rows * lds, NAN);
    qk_bf16(q.data(), ldq, s.rows, kp.data(), s.keys, s.d, out.data(), lds);
    for (int64_t i = 0; i < s.rows; ++i) {
      for (int64_t t = 0; t < bf16_k_cols(s.keys); ++t) {
        double exact = 0, abs_sum = 0;
        for (int64_t c = 0; c < s.d && t < s.keys; ++c) {
          const double term = double{bf16_to_float(q[i * ldq + c])} * bf16_to_float(k[t * s.d + c]);
          exact += term, abs_sum += std::abs(term);
        }
        ASSERT_NEAR(out[i * lds + t], exact, sum_bound(s.d, abs_sum)) << i << "," << t;
      }
    }
  }
}

TEST(Bf16Dot, PVRoundsPToBf16AndAddsOnce) {
  if (!bf16_dot_available()) GTEST_SKIP() << "no AVX512-BF16 on this CPU";
  std::mt19937_64 rng(test::test_seed());
  std::uniform_real_distribution<float> unit(0.0f, 1.0f);
  for (const Dims& s : kDims) {
    SCOPED_TRACE(std::to_string(s.rows) + "x" + std::to_string(s.keys) + "x" + std::to_string(s.d));
    const int64_t ldp = s.keys + 2, ldpp = bf16_pairs(s.keys) + 1, ldv = s.d + 8, ldo = s.d + 4;
    std::vector<float> p(s.rows * ldp, NAN);  // NaN past the last key must not leak in
    for (int64_t i = 0; i < s.rows; ++i)
      for (int64_t t = 0; t < s.keys; ++t) p[i * ldp + t] = unit(rng);
    const auto v = random_bf16(s.keys * ldv, rng);
    std::vector<uint32_t> pp(s.rows * ldpp), vp(bf16_pairs(s.keys) * bf16_v_cols(s.d));
    pack_p_pairs(p.data(), ldp, s.rows, s.keys, pp.data(), ldpp);
    pack_v_pairs(v.data(), ldv, s.keys, s.d, vp.data());
    std::vector<float> o(s.rows * ldo);
    for (float& x : o) x = unit(rng);
    const std::vector<float> o0 = o;
    pv_bf16(pp.data(), ldpp, s.rows, vp.data(), s.keys, s.d, o.data(), ldo);
    for (int64_t i = 0; i < s.rows; ++i) {
      for (int64_t c = 0; c < ldo; ++c) {
        if (c >= s.d) {
          ASSERT_EQ(o[i * ldo + c], o0[i * ldo + c]) << "wrote past d at " << i << "," << c;
          continue;
        }
        double exact = 0, abs_sum = 0;
        for (int64_t t = 0; t < s.keys; ++t) {
          const double pt = bf16_to_float(float_to_bf16(p[i * ldp + t]));  // round to nearest even
          const double term = pt * bf16_to_float(v[t * ldv + c]);
          exact += term, abs_sum += std::abs(term);
        }
        ASSERT_NEAR(o[i * ldo + c], o0[i * ldo + c] + exact, sum_bound(s.keys + 1, abs_sum + 1))
            << i << "," << c;
      }
    }
  }
}

// fa's bound (test_exact.cpp) on every path for the dtype, on cases that cover partial
// tiles, every layout, GQA, causal and a key count past one KV tile.
void expect_fa_paths_meet_bound(DType dtype, FaPath fast) {
  using test::Spec, test::Storage, test::Inputs;
  std::vector<Spec> specs(4);
  specs[0].shape = {1, 2, 2, 333, 333, 128}, specs[0].inputs = Inputs::k_bias;
  specs[1].shape = {2, 4, 2, 70, 530, 80}, specs[1].storage = Storage::strided;
  specs[2].shape = {1, 2, 1, 300, 200, 40}, specs[2].storage = Storage::nhd, specs[2].causal = true;
  specs[3].shape = {1, 1, 1, 1000, 1000, 64};
  for (Spec& spec : specs) {
    spec.dtype = dtype;
    for (FaPath path : {FaPath::sgemm, fast}) {
      SCOPED_TRACE(test::describe(spec) + (path == FaPath::sgemm ? " sgemm" : " dot"));
      test::HostProblem hp(spec, test::test_seed());
      const test::Outcome o = test::run_and_compare(hp, [&](const dattn_problem& p) { fa_on(p, path); });
      EXPECT_EQ(o.out.nonfinite, 0);
      EXPECT_LE(o.out.rel_l1, 2 * o.rounding_rel_l1 + 2e-5) << testing::PrintToString(o.out);
      EXPECT_GE(o.out.cosine, 0.9999) << testing::PrintToString(o.out);
      EXPECT_LE(o.lse_max_abs, 1e-4);
      EXPECT_TRUE(o.outside_untouched);
    }
  }
}

TEST(Bf16Dot, FaPathsMeetFaBound) {
  if (!bf16_dot_available()) GTEST_SKIP() << "no AVX512-BF16 on this CPU";
  expect_fa_paths_meet_bound(DType::bf16, FaPath::bf16_dot);
}

TEST(F32Dot, FaPathsMeetFaBound) {
  if (!f32_dot_available()) GTEST_SKIP() << "no AVX-512 on this CPU";
  expect_fa_paths_meet_bound(DType::f32, FaPath::f32_dot);
}

// sage_attn's fp8 P V: both paths multiply the same exact values, so they differ only in
// fp32 summation order, far below one f16 output ulp (2^-11 relative); allow one flip.
TEST(Bf16Dot, SageFp8PVPathsAgree) {
  if (!bf16_dot_available()) GTEST_SKIP() << "no AVX512-BF16 on this CPU";
  test::Spec spec;
  spec.shape = {2, 4, 2, 150, 333, 128}, spec.dtype = DType::f16, spec.sage_pv = SagePV::fp8;
  spec.inputs = test::Inputs::k_bias, spec.causal = true, spec.storage = test::Storage::nhd;
  test::HostProblem hp(spec, test::test_seed());
  const dattn_problem& p = hp.problem();
  const SageQuantized z = sage_quantize(p);
  std::vector<std::vector<float>> outs;
  for (SagePvPath pv : {SagePvPath::sgemm, SagePvPath::bf16_dot}) {
    hp.poison();  // so a path that writes nothing cannot pass with the other's output
    sage_attn_quantized_on(p, z, best_qk_path(), pv);
    outs.push_back(hp.logical(test::HostProblem::Operand::out));
  }
  ASSERT_EQ(outs[0].size(), outs[1].size());
  for (size_t i = 0; i < outs[0].size(); ++i) {
    ASSERT_TRUE(std::isfinite(outs[1][i])) << i;
    ASSERT_NEAR(outs[1][i], outs[0][i], 0x1p-10 * std::abs(outs[0][i]) + 1e-6f) << i;
  }
}

}  // namespace
}  // namespace dattn::cpu
