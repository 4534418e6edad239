// fa_sm90 (TMA + wgmma, sm_90a) against the fp64 reference. Compiled as C++ (no device code);
// every case skips with the reason on a machine without an sm_90 GPU.
#include <cuda_runtime.h>
#include <gtest/gtest.h>

#include <stdexcept>
#include <string>
#include <utility>
#include <vector>

#include "cuda/fa_sm90/fa_sm90.h"
#include "gpu_case.h"

namespace dattn::gpu_test {
namespace {

// Empty when the current device can run fa_sm90 at all (an sm_90 GPU and an sm_90a image).
std::string no_sm90_reason() {
  if (std::string why = no_gpu_reason(); !why.empty()) return why;
  int device = 0;
  if (cudaGetDevice(&device) != cudaSuccess) return "cudaGetDevice failed";
  int major = 0, minor = 0;
  cudaDeviceGetAttribute(&major, cudaDevAttrComputeCapabilityMajor, device);
  cudaDeviceGetAttribute(&minor, cudaDevAttrComputeCapabilityMinor, device);
  if (major != 9 || minor != 0) {
    return "fa_sm90 needs an sm_90 GPU, device has " + std::to_string(major) + "." + std::to_string(minor);
  }
  return {};
}

std::vector<AttnCase> fa_sm90_cases() {
  std::vector<AttnCase> cases;
  for (int64_t d : {64, 128}) {
    for (DType dt : {DType::bf16, DType::f16}) {
      // Odd lengths: partial Q and K/V tiles, a single row and key, several K/V stages.
      for (int64_t s : {1, 17, 333, 1000}) {
        cases.push_back({.batch = 2, .heads_q = 3, .heads_kv = 3, .seq_q = s, .seq_kv = s, .head_dim = d, .dtype = dt});
      }
      cases.push_back({.heads_q = 4, .heads_kv = 2, .seq_q = 333, .seq_kv = 1000, .head_dim = d, .dtype = dt,
                       .layout = Layout::NHD});
      cases.push_back({.heads_q = 2, .heads_kv = 1, .seq_q = 333, .seq_kv = 333, .head_dim = d, .dtype = dt,
                       .layout = Layout::NHD, .causal = true});
    }
  }
  // Long sequences: many pipeline rounds, both layouts.
  cases.push_back({.batch = 1, .heads_q = 2, .heads_kv = 2, .seq_q = 4096, .seq_kv = 4096});
  // D = 128 from 8192 keys, non-causal: the 176-key tiles (tile_size_sm90.h), whose last tile
  // here is partial (8300 = 47 tiles + 28 keys); both dtypes and layouts, GQA.
  cases.push_back({.heads_q = 4, .heads_kv = 2, .seq_q = 333, .seq_kv = 8300});
  cases.push_back({.seq_q = 200, .seq_kv = 8192, .dtype = DType::f16, .layout = Layout::NHD});
  // ... and a last Q tile whose second consumer's 64 rows all lie past seq_q (300 = 256 + 44):
  // its TMA store box is wholly out of bounds.
  cases.push_back({.seq_q = 300, .seq_kv = 8192});
  cases.push_back({.batch = 1, .heads_q = 2, .heads_kv = 1, .seq_q = 4096, .seq_kv = 4096, .head_dim = 64,
                   .dtype = DType::f16, .layout = Layout::NHD});
  // More work items than SMs: persistent CTAs run several items each (flash_fwd_kernel_sm90.h),
  // the K/V stages and Q buffers carried across them; a partial last key tile (300, 129 keys),
  // and items of a single key tile (100 keys: every item boundary right after tile 0).
  cases.push_back({.batch = 4, .heads_q = 16, .heads_kv = 4, .seq_q = 1100, .seq_kv = 300});
  cases.push_back({.batch = 4, .heads_q = 16, .heads_kv = 16, .seq_q = 700, .seq_kv = 100, .dtype = DType::f16});
  cases.push_back({.batch = 4, .heads_q = 16, .heads_kv = 16, .seq_q = 1000, .seq_kv = 129, .head_dim = 64,
                   .dtype = DType::f16, .layout = Layout::NHD});
  // Sq != Sk both ways, with single-key and single-query extremes.
  for (auto [sq, sk] : std::vector<std::pair<int64_t, int64_t>>{{1, 1000}, {1000, 17}, {17, 1000}, {1000, 1}}) {
    cases.push_back({.seq_q = sq, .seq_kv = sk});
  }
  // GQA with a group of 8, and of 3.
  cases.push_back({.heads_q = 8, .heads_kv = 1, .seq_q = 200, .seq_kv = 300, .head_dim = 64, .dtype = DType::f16});
  cases.push_back({.batch = 2, .heads_q = 6, .heads_kv = 2, .seq_q = 333, .seq_kv = 333});
  // Causal, bottom-right aligned, seq_q > seq_kv leaves rows without keys (output 0, LSE -inf).
  cases.push_back({.seq_q = 1000, .seq_kv = 333, .causal = true});
  cases.push_back({.seq_q = 333, .seq_kv = 1000, .head_dim = 64, .causal = true});
  // Non-contiguous views: rows padded by 8 elements; the gap must stay untouched.
  cases.push_back({.seq_q = 333, .seq_kv = 200, .padded = true});
  cases.push_back({.batch = 3, .heads_q = 4, .heads_kv = 2, .seq_q = 129, .seq_kv = 65, .head_dim = 64,
                   .layout = Layout::NHD, .padded = true});
  // No LSE; and a large scale (peaked softmax: the running max moves a lot).
  cases.push_back({.seq_q = 100, .seq_kv = 100, .lse = false});
  cases.push_back({.seq_q = 333, .seq_kv = 333, .head_dim = 64, .sm_scale = 1.0f});
  return cases;
}

class FaSm90Test : public ::testing::TestWithParam<AttnCase> {
 protected:
  void SetUp() override {
    if (const std::string why = no_sm90_reason(); !why.empty()) GTEST_SKIP() << why;
  }
};

TEST_P(FaSm90Test, MatchesReference) {
  const AttnCase& c = GetParam();
  expect_matches_reference(c, run_case(c, [](const dattn_problem& p) {
                             std::string why;
                             if (!cuda::fa_sm90_supports(p, &why)) throw std::runtime_error(why);
                             cuda::fa_sm90(p);
                           }));
}

INSTANTIATE_TEST_SUITE_P(Cases, FaSm90Test, ::testing::ValuesIn(fa_sm90_cases()),
                         [](const auto& info) { return test_name(info.param); });

// What fa_sm90 cannot run is refused with a reason naming it (so the dispatcher falls back),
// before any device work: the problem's pointers are never dereferenced.
TEST(FaSm90Refusals, NamesWhatIsUnsupported) {
  const auto reason_for = [](void (*edit)(dattn_problem&)) {
    alignas(16) static unsigned char dummy[64];
    dattn_problem p{};
    p.dtype = static_cast<int32_t>(DType::bf16);
    p.batch = 1, p.heads_q = 2, p.heads_kv = 1, p.seq_q = 8, p.seq_kv = 8, p.head_dim = 64;
    for (dattn_view* v : {&p.q, &p.k, &p.v, &p.out}) *v = {dummy, 2 * 8 * 64, 8 * 64, 64};
    p.sm_scale = 0.125f;
    edit(p);
    std::string why;
    EXPECT_FALSE(cuda::fa_sm90_supports(p, &why));
    EXPECT_THROW(cuda::fa_sm90(p), std::invalid_argument);
    return why;
  };
  EXPECT_NE(reason_for([](dattn_problem& p) { p.k.stride_s += 4; }).find("k: strides"), std::string::npos);
  EXPECT_NE(reason_for([](dattn_problem& p) { p.head_dim = 96; }).find("head_dim: 96"), std::string::npos);
  EXPECT_NE(reason_for([](dattn_problem& p) { p.dtype = static_cast<int32_t>(DType::f32); }).find("f16 and bf16"),
            std::string::npos);
  EXPECT_NE(reason_for([](dattn_problem& p) { p.sm_scale = -1.0f; }).find("sm_scale"), std::string::npos);
  EXPECT_NE(reason_for([](dattn_problem& p) { p.heads_kv = 3; }).find("multiple of heads_kv"), std::string::npos);
}

}  // namespace
}  // namespace dattn::gpu_test
