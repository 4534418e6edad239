// The CUDA quantization of sage_attn against the CPU one (cpu/quant.h): the same INT8 / e4m3
// codes and scales, element for element. The one documented difference: k_mean is summed in
// another order (both in double), so a K code may move by one on a rounding tie.
#include <gtest/gtest.h>

#include <algorithm>
#include <cmath>
#include <cstdint>
#include <vector>

#include "cpu/convert.h"
#include "cpu/quant.h"
#include "cuda/quant/quant.h"
#include "support/seed.h"
#include "test_sage_util.h"

namespace dattn::sage_test {
namespace {

std::string gpu_missing() {
  int n = 0;
  if (cudaGetDeviceCount(&n) != cudaSuccess || n == 0) {
    (void)cudaGetLastError();
    return "no CUDA device";
  }
  return {};
}

template <class T>
struct DeviceArray {
  explicit DeviceArray(size_t n) : size(n) {
    cuda_ok(cudaMalloc(&ptr, std::max<size_t>(n, 1) * sizeof(T)), "cudaMalloc");
  }
  ~DeviceArray() { cudaFree(ptr); }
  std::vector<T> download() const {
    std::vector<T> h(size);
    cuda_ok(cudaMemcpy(h.data(), ptr, size * sizeof(T), cudaMemcpyDeviceToHost), "download");
    return h;
  }
  T* ptr = nullptr;
  size_t size;
};

// Value of element (b, h, s, d) of a host operand.
float host_value(const dattn_problem& p, const dattn_view& v, int64_t b, int64_t h, int64_t s,
                 int64_t d) {
  const uint16_t bits =
      static_cast<const uint16_t*>(v.data)[b * v.stride_b + h * v.stride_h + s * v.stride_s + d];
  return p.dtype == static_cast<int32_t>(DType::f16) ? cpu::half_to_float(bits)
                                                     : cpu::bf16_to_float(bits);
}

void check_case(const SageCase& c) {
  SCOPED_TRACE(c.name());
  SageProblem prob(c, test::test_seed(c.name()));
  const dattn_problem& host = prob.host();
  const cpu::SageQuantized want = cpu::sage_quantize(host);

  const size_t B = c.batch, Hq = c.heads_q, Hkv = c.heads_kv, D = c.head_dim;
  const size_t qb = cpu::sage_blocks(c.seq_q), kb = cpu::sage_blocks(c.seq_kv);
  DeviceArray<int8_t> q(B * Hq * c.seq_q * D), k(B * Hkv * c.seq_kv * D);
  DeviceArray<uint8_t> v(B * Hkv * c.seq_kv * D);
  DeviceArray<float> q_scale(B * Hq * qb), k_scale(B * Hkv * kb), v_scale(B * Hkv * D),
      k_mean(B * Hkv * D);
  cuda::quant::quantize_logical(
      prob.device(), {q.ptr, q_scale.ptr, k.ptr, k_scale.ptr, v.ptr, v_scale.ptr, k_mean.ptr});
  cuda_ok(cudaStreamSynchronize(static_cast<cudaStream_t>(prob.device().stream)),
          "quantize_logical");

  // k_mean: both round one double sum to fp32; only the summation order differs.
  const std::vector<float> got_mean = k_mean.download();
  ASSERT_EQ(got_mean.size(), want.k_mean.size());
  int64_t mean_diffs = 0;
  for (size_t i = 0; i < got_mean.size(); ++i) {
    if (got_mean[i] != want.k_mean[i]) ++mean_diffs;
    EXPECT_NEAR(got_mean[i], want.k_mean[i], 1e-6f * std::max(1.0f, std::abs(want.k_mean[i])))
        << "k_mean " << i;
  }
  EXPECT_LE(mean_diffs, static_cast<int64_t>(got_mean.size() / 100 + 1))
      << "k_mean values not bit-equal";

  // Q: nothing depends on summation order, so codes and scales are exact.
  EXPECT_EQ(q.download(), want.q_int8);
  EXPECT_EQ(q_scale.download(), want.q_scale);

  // K: equal codes, except a tie moved by a differing k_mean bit.
  const std::vector<int8_t> got_k = k.download();
  ASSERT_EQ(got_k.size(), want.k_int8.size());
  int64_t k_diffs = 0;
  for (size_t i = 0; i < got_k.size(); ++i) {
    const int diff = std::abs(int{got_k[i]} - int{want.k_int8[i]});
    ASSERT_LE(diff, 1) << "k_int8 " << i;
    k_diffs += diff;
  }
  EXPECT_LE(k_diffs, mean_diffs == 0 ? 0 : static_cast<int64_t>(got_k.size() / 1000 + 2));
  const std::vector<float> got_ks = k_scale.download();
  ASSERT_EQ(got_ks.size(), want.k_scale.size());
  for (size_t i = 0; i < got_ks.size(); ++i) {
    if (mean_diffs == 0) {
      EXPECT_EQ(got_ks[i], want.k_scale[i]) << "k_scale " << i;
    } else {
      EXPECT_NEAR(got_ks[i], want.k_scale[i], 1e-6f * want.k_scale[i]) << "k_scale " << i;
    }
  }

  // V: amax is order-free, so e4m3 codes and scales are exact.
  const std::vector<uint8_t> got_v = v.download();
  EXPECT_EQ(got_v, want.v_fp8);
  EXPECT_EQ(v_scale.download(), want.v_scale);

  // Round trip of the GPU codes: every dequantized value within half a step of its input
  // (INT8), or within e4m3's half ulp (2^-4 relative, or 2^-10 absolute near zero). Not for
  // subnormal inputs: there the contract caps 1 / scale at FLT_MAX and the codes stay small.
  if (c.input_scale != 1.0f) return;
  const std::vector<int8_t> got_q = q.download();
  const float fold = host.sm_scale * dattn::sage::kLog2e;
  const std::vector<float> got_qs = q_scale.download();
  double worst_q = 0, worst_v = 0;
  for (int64_t b = 0; b < c.batch; ++b)
    for (int64_t h = 0; h < c.heads_q; ++h)
      for (int64_t s = 0; s < c.seq_q; ++s)
        for (int64_t d = 0; d < c.head_dim; ++d) {
          const float step = got_qs[(b * Hq + h) * qb + s / 64] / fold;
          const float x = host_value(host, host.q, b, h, s, d);
          const float y = got_q[((b * Hq + h) * c.seq_q + s) * D + d] * step;
          worst_q = std::max<double>(worst_q, std::abs(x - y) / (0.5001 * step));
        }
  const std::vector<float> got_vs = v_scale.download();
  for (int64_t b = 0; b < c.batch; ++b)
    for (int64_t h = 0; h < c.heads_kv; ++h)
      for (int64_t s = 0; s < c.seq_kv; ++s)
        for (int64_t d = 0; d < c.head_dim; ++d) {
          const float scale = got_vs[(b * Hkv + h) * D + d];
          const float x = host_value(host, host.v, b, h, s, d);
          const float y = cpu::e4m3_decode(got_v[((b * Hkv + h) * c.seq_kv + s) * D + d]) * scale;
          const float tol = std::max(std::abs(x) * 0x1p-4f, 0x1p-10f * scale) * 1.0001f;
          worst_v = std::max<double>(worst_v, std::abs(x - y) / tol);
        }
  EXPECT_LE(worst_q, 1.0) << "a Q code is off by more than half a step";
  EXPECT_LE(worst_v, 1.0) << "a V code is off by more than half an e4m3 ulp";
}

class SageQuant : public ::testing::Test {
 protected:
  void SetUp() override {
    if (const std::string why = gpu_missing(); !why.empty()) GTEST_SKIP() << why;
  }
};

// The quantizer writes V^T through kv_key (which key sits at a position); the kernels read it
// through kv_position. Needs no GPU.
TEST(SageQuantLayout, KvKeyInvertsKvPosition) {
  for (int j = 0; j < 256; ++j) {
    const int pos = cuda::quant::kv_position(j);
    EXPECT_EQ(pos / 16, j / 16) << "key " << j << " left its 16-group";
    EXPECT_EQ(cuda::quant::kv_key(pos), j) << "key " << j;
    EXPECT_EQ(cuda::quant::kv_position(cuda::quant::kv_key(j)), j) << "position " << j;
  }
}

// Blocks whose amax is subnormal (bf16 only reaches them): 127 / amax and 1 / v_scale
// overflow, the contract caps them at FLT_MAX, and GPU and CPU codes must still agree.
TEST_F(SageQuant, MatchesCpuOnSubnormalInputs) {
  check_case(SageCase{.seq_q = 100, .seq_kv = 100, .input_scale = 0x1p-130f});
}

TEST_F(SageQuant, MatchesCpuOnGaussianInputs) {
  for (const SageCase& c : {
           SageCase{.seq_q = 1000, .seq_kv = 1000},
           SageCase{.heads_q = 4,
           .heads_kv = 2,
           .seq_q = 333,
           .seq_kv = 17,
           .head_dim = 64,
           .dtype = DType::f16,
           .layout = Layout::NHD},
           SageCase{.batch = 2, .seq_q = 1, .seq_kv = 1000, .head_dim = 96, .row_pad = 4},
           SageCase{.seq_q = 17, .seq_kv = 1, .head_dim = 32, .dtype = DType::f16, .row_pad = 3},
       }) {
    check_case(c);
  }
}

TEST_F(SageQuant, MatchesCpuOnKBiasInputs) {
  for (const SageCase& c : {
           SageCase{.seq_q = 333, .seq_kv = 1000, .k_bias = true},
           SageCase{.heads_q = 6,
           .heads_kv = 2,
           .seq_q = 1000,
           .seq_kv = 333,
           .head_dim = 64,
           .dtype = DType::f16,
           .layout = Layout::NHD,
           .k_bias = true},
       }) {
    check_case(c);
  }
}

}  // namespace
}  // namespace dattn::sage_test
