// fa on CUDA against the fp64 reference: the mma.sync kernel forced (it is what sm_80/sm_89
// run; on Hopper fa() would pick fa_sm90, tested in test_fa_sm90.cu), and fa() as dispatched.
#include <cuda_runtime.h>
#include <gtest/gtest.h>

#include <stdexcept>
#include <vector>

#include "cuda/fa/fa.h"
#include "gpu_case.h"

namespace dattn::gpu_test {
namespace {

std::vector<AttnCase> fa_cases() {
  std::vector<AttnCase> cases;
  // Every built head_dim and dtype, plain and causal NHD.
  for (int64_t d : {64, 96, 128, 256}) {
    for (DType dt : {DType::bf16, DType::f16}) {
      cases.push_back({.batch = 2, .heads_q = 3, .heads_kv = 3, .seq_q = 333, .seq_kv = 333, .head_dim = d, .dtype = dt});
      cases.push_back({.batch = 1, .heads_q = 2, .heads_kv = 1, .seq_q = 333, .seq_kv = 333, .head_dim = d, .dtype = dt,
                       .layout = Layout::NHD, .causal = true});
    }
  }
  // Odd and mismatched lengths: partial tiles on both axes, a single row, a single key.
  for (auto [sq, sk] : std::vector<std::pair<int64_t, int64_t>>{
           {1, 1}, {17, 17}, {1000, 1000}, {1, 1000}, {1000, 17}, {17, 1000}, {1000, 1}}) {
    cases.push_back({.seq_q = sq, .seq_kv = sk});
  }
  // GQA.
  cases.push_back({.heads_q = 6, .heads_kv = 2, .seq_q = 333, .seq_kv = 333});
  cases.push_back({.heads_q = 8, .heads_kv = 1, .seq_q = 200, .seq_kv = 300, .head_dim = 64, .dtype = DType::f16});
  // Causal with seq_q != seq_kv, bottom-right aligned: seq_q > seq_kv leaves rows with no
  // key (output 0, LSE -inf).
  cases.push_back({.seq_q = 1000, .seq_kv = 333, .causal = true});
  cases.push_back({.seq_q = 333, .seq_kv = 1000, .causal = true});
  cases.push_back({.seq_q = 17, .seq_kv = 1, .head_dim = 64, .causal = true});
  cases.push_back({.seq_q = 1000, .seq_kv = 1000, .head_dim = 256, .dtype = DType::f16, .causal = true});
  // Non-contiguous views in both layouts.
  cases.push_back({.seq_q = 333, .seq_kv = 200, .padded = true});
  cases.push_back({.batch = 3, .heads_q = 4, .heads_kv = 2, .seq_q = 129, .seq_kv = 65, .head_dim = 96,
                   .layout = Layout::NHD, .causal = true, .padded = true});
  // No LSE; and a large scale (peaked softmax: the running max moves a lot).
  cases.push_back({.seq_q = 100, .seq_kv = 100, .lse = false});
  cases.push_back({.seq_q = 333, .seq_kv = 333, .head_dim = 64, .sm_scale = 1.0f});
  cases.push_back({.seq_q = 333, .seq_kv = 333, .head_dim = 64, .dtype = DType::f16, .causal = true, .sm_scale = 1.0f});
  return cases;
}

class FaTest : public ::testing::TestWithParam<AttnCase> {
 protected:
  void SetUp() override {
    if (const std::string why = no_gpu_reason(); !why.empty()) GTEST_SKIP() << why;
  }
};

TEST_P(FaTest, MatchesReference) {
  const AttnCase& c = GetParam();
  int device = 0;
  ASSERT_EQ(cudaGetDevice(&device), cudaSuccess);
  const std::string why = cuda::fa_unsupported_reason(device, c.head_dim, static_cast<int32_t>(c.dtype));
  ASSERT_TRUE(why.empty()) << why;
  expect_matches_reference(c, run_case(c, [](const dattn_problem& p) { cuda::fa_sm80(p); }));
  expect_matches_reference(c, run_case(c, [](const dattn_problem& p) { cuda::fa(p); }));
}

INSTANTIATE_TEST_SUITE_P(Cases, FaTest, ::testing::ValuesIn(fa_cases()),
                         [](const auto& info) { return test_name(info.param); });

// What fa does not run is refused with a reason, before any device work.
TEST(FaSupport, NamesWhatIsUnsupported) {
  EXPECT_NE(cuda::fa_unsupported_reason(0, 80, static_cast<int32_t>(DType::bf16)).find("unsupported head_dim: 80"),
            std::string::npos);
  EXPECT_NE(cuda::fa_unsupported_reason(0, 128, static_cast<int32_t>(DType::f32)).find("f16 and bf16"),
            std::string::npos);
}

class FaErrors : public FaTest {};

TEST_F(FaErrors, RefusesMisalignedRows) {
  AttnCase c{.seq_q = 8, .seq_kv = 8, .head_dim = 64};
  try {
    run_case(c, [](const dattn_problem& p) {
      dattn_problem bad = p;
      bad.k.stride_s += 4;  // rows 8 bytes apart from 16-byte alignment
      cuda::fa(bad);
    });
    FAIL() << "fa accepted misaligned K rows";
  } catch (const std::invalid_argument& e) {
    EXPECT_NE(std::string(e.what()).find("k rows 16-byte aligned"), std::string::npos) << e.what();
  }
}

}  // namespace
}  // namespace dattn::gpu_test
