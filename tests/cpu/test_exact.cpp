// sdpa and fa against the fp64 reference. Both accumulate in fp32, so their only errors are
// fp32 rounding (relative ~1e-7 per operation, growing like sqrt(Sk) over a row) and the
// final rounding to the output dtype. The bound is therefore
//     rel_l1 <= 2 * (rel L1 of rounding the reference itself to the dtype) + 2e-5:
// the factor 2 lets the fp32 result land on the other side of a rounding boundary
// (FA3's own rule), and 2e-5 is ten times the fp32 error seen at Sk = 1000 (about 2e-6),
// which is what an f32 output is left with.
#include <gtest/gtest.h>

#include <string>
#include <vector>

#include "cpu/kernels.h"
#include "support/compare.h"
#include "support/seed.h"

namespace dattn::test {
namespace {

struct Case {
  std::string name;
  Spec spec;
};

Spec make(Shape shape, DType dtype = DType::bf16, Storage storage = Storage::hnd,
          Inputs inputs = Inputs::gaussian, bool causal = false) {
  Spec s;
  s.shape = shape, s.dtype = dtype, s.storage = storage, s.inputs = inputs, s.causal = causal;
  return s;
}

std::vector<Case> cases() {
  std::vector<Case> c;
  // Odd lengths: partial tiles, single rows, more than one KV tile.
  for (int64_t s : {1, 17, 333, 1000}) {
    c.push_back({"len" + std::to_string(s), make({1, s >= 1000 ? 1 : 2, 1, s, s, 64})});
  }
  // Every head size the capability claims is tested at least once per dtype family.
  const DType dtypes[] = {DType::bf16, DType::f16, DType::f32};
  int i = 0;
  for (int64_t d : {16, 24, 64, 80, 128, 256}) {
    for (DType t : {dtypes[i % 3], dtypes[(i + 1) % 3]}) {
      c.push_back({"d" + std::to_string(d) + "_" + to_string(t), make({1, 2, 2, 77, 91, d}, t)});
    }
    ++i;
  }
  // Layouts, with GQA and batch > 1 so that every stride is exercised.
  c.push_back({"hnd_gqa", make({2, 4, 2, 70, 130, 64}, DType::bf16, Storage::hnd)});
  c.push_back({"nhd_gqa", make({2, 4, 2, 70, 130, 64}, DType::f16, Storage::nhd)});
  c.push_back({"strided_gqa", make({2, 4, 2, 70, 130, 64}, DType::f32, Storage::strided)});
  c.push_back({"strided_bf16", make({1, 6, 2, 65, 300, 128}, DType::bf16, Storage::strided)});
  c.push_back({"mqa", make({1, 4, 1, 33, 257, 80}, DType::bf16)});
  // Large per-channel K bias: scores spread widely, the softmax is peaked.
  c.push_back({"k_bias", make({1, 2, 2, 333, 333, 128}, DType::bf16, Storage::hnd, Inputs::k_bias)});
  c.push_back({"k_bias_f32", make({1, 2, 2, 200, 517, 64}, DType::f32, Storage::nhd, Inputs::k_bias)});
  // Cross-attention shapes.
  c.push_back({"sq_lt_sk", make({1, 2, 2, 50, 300, 64})});
  c.push_back({"sq_gt_sk", make({1, 2, 2, 300, 50, 64}, DType::f16)});
  // Causal, bottom-right aligned; Sq > Sk leaves the first Sq - Sk rows with no key.
  c.push_back({"causal_square", make({1, 2, 2, 200, 200, 64}, DType::bf16, Storage::hnd, Inputs::gaussian, true)});
  c.push_back({"causal_sq_lt_sk", make({1, 2, 1, 100, 300, 64}, DType::f32, Storage::nhd, Inputs::gaussian, true)});
  c.push_back({"causal_sq_gt_sk", make({2, 2, 2, 300, 100, 64}, DType::f16, Storage::strided, Inputs::gaussian, true)});
  c.push_back({"causal_single_key", make({1, 1, 1, 70, 1, 16}, DType::bf16, Storage::hnd, Inputs::gaussian, true)});
  // No LSE requested: the kernels must not touch it.
  Spec no_lse = make({1, 2, 2, 40, 60, 32});
  no_lse.lse = false;
  c.push_back({"no_lse", no_lse});
  Spec scaled = make({1, 2, 2, 40, 60, 32}, DType::f32);
  scaled.sm_scale = 0.37f;
  c.push_back({"custom_scale", scaled});
  return c;
}

using Kernel = void (*)(const dattn_problem&);

struct Param {
  const char* backend;
  Kernel kernel;
  Case c;
};

std::vector<Param> params() {
  std::vector<Param> p;
  for (const Case& c : cases()) {
    p.push_back({"sdpa", &cpu::sdpa, c});
    p.push_back({"fa", &cpu::fa, c});
  }
  return p;
}

class ExactBackend : public testing::TestWithParam<Param> {};

TEST_P(ExactBackend, MatchesFp64Reference) {
  const Param& param = GetParam();
  SCOPED_TRACE(describe(param.c.spec));
  HostProblem hp(param.c.spec, test_seed());
  const Outcome o = run_and_compare(hp, param.kernel);
  EXPECT_EQ(o.out.nonfinite, 0);
  EXPECT_LE(o.out.rel_l1, 2 * o.rounding_rel_l1 + 2e-5) << testing::PrintToString(o.out);
  EXPECT_GE(o.out.cosine, 0.9999) << testing::PrintToString(o.out);
  // LSE is fp32 and of order log(Sk) + max score (< 30 here): a few ulp is ~1e-5.
  EXPECT_LE(o.lse_max_abs, 1e-4);
  EXPECT_TRUE(o.outside_untouched);
}

INSTANTIATE_TEST_SUITE_P(Cpu, ExactBackend, testing::ValuesIn(params()),
                         [](const testing::TestParamInfo<Param>& info) {
                           return std::string(info.param.backend) + "_" + info.param.c.name;
                         });

}  // namespace
}  // namespace dattn::test
