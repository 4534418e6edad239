// dattn::attention with CUDA tensors: the whole path a user takes (validation, selection on
// the real cuda probe, the module loaded with dlopen, the kernel) against the fp64 reference.
#include <gtest/gtest.h>

#include <cstdlib>

#include "dattn/dattn.h"
#include "gpu_case.h"

namespace dattn::gpu_test {
namespace {

// The canonical problem back as the public API's HND tensors on the GPU.
Tensor as_tensor(const dattn_view& v, const dattn_problem& p, int64_t heads, int64_t seq) {
  Tensor t;
  t.data = v.data;
  t.dtype = static_cast<DType>(p.dtype);
  t.device = DeviceType::cuda;
  t.device_index = p.device_index;
  t.shape = {p.batch, heads, seq, p.head_dim};
  t.strides = {v.stride_b, v.stride_h, v.stride_s, 1};
  return t;
}

class PublicApi : public ::testing::TestWithParam<const char*> {
 protected:
  void SetUp() override {
    if (const std::string why = no_gpu_reason(); !why.empty()) GTEST_SKIP() << why;
    setenv("DATTN_CUDA_MODULE", DATTN_TEST_CUDA_MODULE_PATH, 1);
  }
};

TEST_P(PublicApi, RunsTheRequestedBackendAndMatchesReference) {
  const std::string backend = GetParam();
  for (AttnCase c : {AttnCase{.heads_q = 4, .heads_kv = 2, .seq_q = 333, .seq_kv = 200},
                     AttnCase{.seq_q = 17, .seq_kv = 1000, .head_dim = 64, .dtype = DType::f16,
                              .layout = Layout::NHD, .causal = true, .padded = true}}) {
    SCOPED_TRACE(c.name());
    Selection chosen;
    const CaseResult r = run_case(c, [&](const dattn_problem& p) {
      Options o;
      o.backend = backend;
      o.causal = p.causal != 0;
      o.sm_scale = p.sm_scale;
      o.policy = Policy::strict;  // any fallback here would be a bug: fail loudly
      const Tensor lse{p.lse, DType::f32, DeviceType::cuda, p.device_index,
                       {p.batch, p.heads_q, p.seq_q, 1}, {p.lse_stride_b, p.lse_stride_h, 1, 1}};
      chosen = attention(as_tensor(p.q, p, p.heads_q, p.seq_q), as_tensor(p.k, p, p.heads_kv, p.seq_kv),
                         as_tensor(p.v, p, p.heads_kv, p.seq_kv), as_tensor(p.out, p, p.heads_q, p.seq_q),
                         p.lse ? &lse : nullptr, o);
    });
    EXPECT_EQ(chosen.platform, Platform::cuda);
    EXPECT_EQ(to_string(chosen.backend), backend);
    EXPECT_FALSE(chosen.fallback);
    expect_matches_reference(c, r);
  }
}

INSTANTIATE_TEST_SUITE_P(Backends, PublicApi, ::testing::Values("sdpa", "fa"),
                         [](const auto& info) { return std::string(info.param); });

}  // namespace
}  // namespace dattn::gpu_test
