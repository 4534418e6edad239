#include "test_sage_util.h"

#include <cmath>
#include <cstring>
#include <random>
#include <stdexcept>

#include "check/reference.h"
#include "cpu/convert.h"
#include "cpu/kernels.h"
#include "cuda/sage/sage_attn.h"

namespace dattn::sage_test {
namespace {

constexpr uint16_t kNaN16 = 0xffff;  // NaN as f16 and as bf16

uint16_t to_bits(float x, DType dtype) {
  return dtype == DType::f16 ? cpu::float_to_half(x) : cpu::float_to_bf16(x);
}

// Row-major [B, H, S, D] (HND) or [B, S, H, D] (NHD), each row followed by `pad` elements.
dattn_view layout_view(const SageCase& c, int64_t heads, int64_t seq) {
  const int64_t row = c.head_dim + c.row_pad;
  dattn_view v{};
  v.stride_b = heads * seq * row;
  if (c.layout == Layout::HND) {
    v.stride_h = seq * row;
    v.stride_s = row;
  } else {
    v.stride_h = row;
    v.stride_s = heads * row;
  }
  return v;
}

size_t elements(const SageCase& c, int64_t heads, int64_t seq) {
  return static_cast<size_t>(c.batch * heads * seq * (c.head_dim + c.row_pad));
}

// Fills the token elements of `buf` (viewed by v) with scale * N(0,1) + bias[b, h, channel].
void fill(std::vector<uint16_t>& buf, const dattn_view& v, const SageCase& c, int64_t heads,
          int64_t seq, float scale, const std::vector<float>* bias, std::mt19937_64& rng) {
  std::normal_distribution<float> n01(0.0f, 1.0f);
  for (int64_t b = 0; b < c.batch; ++b)
    for (int64_t h = 0; h < heads; ++h)
      for (int64_t s = 0; s < seq; ++s)
        for (int64_t d = 0; d < c.head_dim; ++d) {
          float x = scale * n01(rng);
          if (bias) x += (*bias)[(b * heads + h) * c.head_dim + d];
          x *= c.input_scale;
          buf[b * v.stride_b + h * v.stride_h + s * v.stride_s + d] = to_bits(x, c.dtype);
        }
}

void* upload(const std::vector<uint16_t>& host) {
  void* d = nullptr;
  cuda_ok(cudaMalloc(&d, host.size() * 2), "cudaMalloc");
  cuda_ok(cudaMemcpy(d, host.data(), host.size() * 2, cudaMemcpyHostToDevice), "upload");
  return d;
}

std::vector<double> gather(const dattn_problem& p, bool lse) {
  const std::vector<check::Row> rows = check::all_rows(p);
  return lse ? check::gather_lse(p, rows) : check::gather_output(p, rows);
}

}  // namespace

void cuda_ok(cudaError_t err, const char* what) {
  if (err != cudaSuccess) {
    throw std::runtime_error(std::string(what) + ": " + cudaGetErrorName(err) + " (" +
                             cudaGetErrorString(err) + ")");
  }
}

std::string SageCase::name() const {
  std::string s = std::string(to_string(dtype)) + " D" + std::to_string(head_dim) + " B" +
                  std::to_string(batch) + " H" + std::to_string(heads_q) + "/" +
                  std::to_string(heads_kv) + " Sq" + std::to_string(seq_q) + " Sk" +
                  std::to_string(seq_kv) + " " + to_string(layout) + " pv=" + to_string(pv);
  if (causal) s += " causal";
  if (row_pad) s += " pad" + std::to_string(row_pad);
  if (k_bias) s += " k-bias";
  if (input_scale != 1.0f) s += " x2^" + std::to_string(std::ilogb(input_scale));
  if (!lse) s += " no-lse";
  if (kernel == cuda::SageKernel::mma_sync) s += " mma.sync";
  return s;
}

SageProblem::SageProblem(const SageCase& c, uint64_t seed, cudaStream_t stream)
    : case_(c), stream_(stream) {
  std::mt19937_64 rng(seed);
  const dattn_view qv = layout_view(c, c.heads_q, c.seq_q);
  const dattn_view kv = layout_view(c, c.heads_kv, c.seq_kv);
  q_.assign(elements(c, c.heads_q, c.seq_q), kNaN16);
  k_.assign(elements(c, c.heads_kv, c.seq_kv), kNaN16);
  v_.assign(k_.size(), kNaN16);
  out_.assign(q_.size(), kNaN16);
  lse_.assign(static_cast<size_t>(c.batch * c.heads_q * c.seq_q), std::nanf(""));

  std::vector<float> bias;
  if (c.k_bias) {
    std::normal_distribution<float> n01(0.0f, 1.0f);
    bias.resize(static_cast<size_t>(c.batch * c.heads_kv * c.head_dim));
    for (float& x : bias) x = 8.0f * n01(rng);
  }
  fill(q_, qv, c, c.heads_q, c.seq_q, c.k_bias ? 2.0f : 1.0f, nullptr, rng);
  fill(k_, kv, c, c.heads_kv, c.seq_kv, 1.0f, c.k_bias ? &bias : nullptr, rng);
  fill(v_, kv, c, c.heads_kv, c.seq_kv, 1.0f, nullptr, rng);

  host_.dtype = static_cast<int32_t>(c.dtype);
  host_.batch = c.batch;
  host_.heads_q = c.heads_q;
  host_.heads_kv = c.heads_kv;
  host_.seq_q = c.seq_q;
  host_.seq_kv = c.seq_kv;
  host_.head_dim = c.head_dim;
  host_.q = qv;
  host_.q.data = q_.data();
  host_.k = kv;
  host_.k.data = k_.data();
  host_.v = kv;
  host_.v.data = v_.data();
  host_.out = qv;
  host_.out.data = out_.data();
  host_.lse = c.lse ? lse_.data() : nullptr;
  host_.lse_stride_b = c.heads_q * c.seq_q;
  host_.lse_stride_h = c.seq_q;
  host_.sm_scale = 1.0f / std::sqrt(static_cast<float>(c.head_dim));
  host_.causal = c.causal ? 1 : 0;
  host_.sage_pv = static_cast<int32_t>(c.pv);

  device_ = host_;
  dq_ = upload(q_);
  dk_ = upload(k_);
  dv_ = upload(v_);
  dout_ = upload(out_);
  cuda_ok(cudaMalloc(&dlse_, lse_.size() * sizeof(float)), "cudaMalloc lse");
  if (stream_ == nullptr) {
    cuda_ok(cudaStreamCreateWithFlags(&stream_, cudaStreamNonBlocking), "cudaStreamCreate");
    own_stream_ = true;
  }
  int dev = 0;
  cuda_ok(cudaGetDevice(&dev), "cudaGetDevice");
  device_.device_index = dev;
  device_.q.data = dq_;
  device_.k.data = dk_;
  device_.v.data = dv_;
  device_.out.data = dout_;
  device_.lse = c.lse ? dlse_ : nullptr;
  device_.stream = stream_;
}

SageProblem::~SageProblem() {
  if (own_stream_) cudaStreamDestroy(stream_);
  cudaFree(dq_);
  cudaFree(dk_);
  cudaFree(dv_);
  cudaFree(dout_);
  cudaFree(dlse_);
}

int64_t SageProblem::run_gpu(const std::function<void()>& launch) {
  cuda_ok(cudaMemsetAsync(dout_, 0xff, out_.size() * 2, stream_), "poison out");
  cuda_ok(cudaMemsetAsync(dlse_, 0xff, lse_.size() * sizeof(float), stream_), "poison lse");
  if (launch) {
    launch();
  } else {
    cuda::sage_attn(device_, case_.kernel);
  }
  cuda_ok(cudaStreamSynchronize(stream_), "sage_attn on the device");
  cuda_ok(cudaMemcpy(out_.data(), dout_, out_.size() * 2, cudaMemcpyDeviceToHost), "download out");
  cuda_ok(cudaMemcpy(lse_.data(), dlse_, lse_.size() * sizeof(float), cudaMemcpyDeviceToHost),
          "download lse");
  int64_t gap_writes = 0;
  const int64_t row = case_.head_dim + case_.row_pad;
  for (size_t i = 0; i < out_.size(); ++i) {
    if (static_cast<int64_t>(i) % row >= case_.head_dim && out_[i] != kNaN16) ++gap_writes;
  }
  return gap_writes;
}

void SageProblem::run_cpu() { cpu::sage_attn(host_); }

std::vector<double> SageProblem::out() const { return gather(host_, false); }
std::vector<double> SageProblem::lse() const { return gather(host_, true); }

}  // namespace dattn::sage_test
