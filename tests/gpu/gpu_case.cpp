#include "gpu_case.h"

#include <cuda_runtime.h>
#include <gtest/gtest.h>

#include <cctype>
#include <cmath>
#include <cstring>
#include <random>
#include <stdexcept>
#include <vector>

#include "check/reference.h"
#include "cpu/convert.h"
#include "support/seed.h"

namespace dattn::gpu_test {
namespace {

void check(cudaError_t err, const char* what) {
  if (err != cudaSuccess) throw std::runtime_error(std::string(what) + ": " + cudaGetErrorString(err));
}

class DeviceBuffer {
 public:
  explicit DeviceBuffer(size_t bytes) : bytes_(bytes) {
    if (bytes_ > 0) check(cudaMalloc(&ptr_, bytes_), "cudaMalloc");
  }
  ~DeviceBuffer() { cudaFree(ptr_); }
  DeviceBuffer(const DeviceBuffer&) = delete;
  DeviceBuffer& operator=(const DeviceBuffer&) = delete;
  void* get() const { return ptr_; }

 private:
  void* ptr_ = nullptr;
  size_t bytes_;
};

// A 4-D operand in host memory with the strides its layout (and padding) gives it.
struct HostTensor {
  std::vector<unsigned char> bytes;
  dattn_view view{};  // data points into `bytes`
  size_t elements = 0;
};

HostTensor make_tensor(const AttnCase& c, int64_t heads, int64_t seq, size_t elem) {
  const int64_t row = c.head_dim + (c.padded ? 8 : 0);
  HostTensor t;
  t.elements = static_cast<size_t>(c.batch * heads * seq * row);
  t.bytes.resize(t.elements * elem);
  t.view.data = t.bytes.data();
  t.view.stride_b = heads * seq * row;
  if (c.layout == Layout::HND) {
    t.view.stride_h = seq * row;
    t.view.stride_s = row;
  } else {
    t.view.stride_h = row;
    t.view.stride_s = heads * row;
  }
  return t;
}

void fill_random(HostTensor& t, DType dtype, std::mt19937_64& rng) {
  std::normal_distribution<float> dist(0.0f, 1.0f);
  for (size_t i = 0; i < t.elements; ++i) {
    const float x = dist(rng);
    switch (dtype) {
      case DType::f32: reinterpret_cast<float*>(t.bytes.data())[i] = x; break;
      case DType::f16: reinterpret_cast<uint16_t*>(t.bytes.data())[i] = cpu::float_to_half(x); break;
      case DType::bf16: reinterpret_cast<uint16_t*>(t.bytes.data())[i] = cpu::float_to_bf16(x); break;
    }
  }
}

dattn_view on_device(const dattn_view& host, void* device) {
  dattn_view v = host;
  v.data = device;
  return v;
}

}  // namespace

std::string no_gpu_reason() {
  int n = 0;
  const cudaError_t err = cudaGetDeviceCount(&n);
  if (err != cudaSuccess) {
    cudaGetLastError();
    return std::string("no usable CUDA device: ") + cudaGetErrorString(err);
  }
  return n > 0 ? std::string() : std::string("no CUDA device");
}

std::string AttnCase::name() const {
  std::string s = std::string(to_string(dtype)) + " D" + std::to_string(head_dim) + " B" +
                  std::to_string(batch) + " H" + std::to_string(heads_q) + "/" +
                  std::to_string(heads_kv) + " Sq" + std::to_string(seq_q) + " Sk" +
                  std::to_string(seq_kv) + " " + to_string(layout);
  if (causal) s += " causal";
  if (padded) s += " padded";
  if (!lse) s += " no-lse";
  if (sm_scale != 0.0f) s += " scale" + std::to_string(sm_scale);
  return s;
}

Tolerance tolerance(DType dtype) {
  switch (dtype) {
    // 8-bit mantissa: output rounding alone is ~0.001 relative L1, P rounding about as much.
    case DType::bf16: return {0.006, 0.03, 1e-3};
    // 11-bit mantissa: 8x tighter than bf16.
    case DType::f16: return {0.001, 0.005, 1e-3};
    // fp32 throughout; exp2f and summation order leave ~1e-6.
    case DType::f32: return {2e-5, 1e-4, 1e-4};
  }
  throw std::logic_error("tolerance: unknown dtype " + std::to_string(static_cast<int>(dtype)));
}

void expect_matches_reference(const AttnCase& c, const CaseResult& r) {
  const Tolerance t = tolerance(c.dtype);
  SCOPED_TRACE("case " + c.name() + ", base seed " + std::to_string(test::base_seed()) +
               " (set DATTN_TEST_SEED to reproduce)");
  EXPECT_EQ(r.out.nonfinite, 0) << "outputs left poisoned (unwritten) or non-finite";
  EXPECT_LE(r.out.rel_l1, t.rel_l1) << "relative L1 vs fp64";
  EXPECT_LE(r.max_rel, t.max_rel) << "max abs error / max |ref|";
  EXPECT_GE(r.out.cosine, 0.999) << "cosine vs fp64";
  if (c.lse) EXPECT_LE(r.lse_max_abs, t.lse_abs) << "LSE max abs error";
  EXPECT_EQ(r.gap_writes, 0) << "elements outside the view were written";
}

std::string test_name(const AttnCase& c) {
  std::string s = c.name();
  for (char& ch : s) {
    if (!std::isalnum(static_cast<unsigned char>(ch))) ch = '_';
  }
  return s;
}

CaseResult run_case(const AttnCase& c, const Kernel& kernel) {
  const size_t elem = dtype_size(c.dtype);
  std::mt19937_64 rng(test::test_seed(c.name()));
  HostTensor q = make_tensor(c, c.heads_q, c.seq_q, elem);
  HostTensor k = make_tensor(c, c.heads_kv, c.seq_kv, elem);
  HostTensor v = make_tensor(c, c.heads_kv, c.seq_kv, elem);
  HostTensor out = make_tensor(c, c.heads_q, c.seq_q, elem);
  fill_random(q, c.dtype, rng);
  fill_random(k, c.dtype, rng);
  fill_random(v, c.dtype, rng);
  std::memset(out.bytes.data(), 0xff, out.bytes.size());  // NaN in every dtype
  const size_t lse_count = static_cast<size_t>(c.batch * c.heads_q * c.seq_q);
  std::vector<float> lse(lse_count, std::nanf(""));

  dattn_problem host{};
  host.dtype = static_cast<int32_t>(c.dtype);
  host.batch = c.batch;
  host.heads_q = c.heads_q;
  host.heads_kv = c.heads_kv;
  host.seq_q = c.seq_q;
  host.seq_kv = c.seq_kv;
  host.head_dim = c.head_dim;
  host.q = q.view;
  host.k = k.view;
  host.v = v.view;
  host.out = out.view;
  host.lse = c.lse ? lse.data() : nullptr;
  host.lse_stride_b = c.heads_q * c.seq_q;
  host.lse_stride_h = c.seq_q;
  host.sm_scale = c.sm_scale != 0.0f ? c.sm_scale : 1.0f / std::sqrt(static_cast<float>(c.head_dim));
  host.causal = c.causal ? 1 : 0;

  DeviceBuffer dq(q.bytes.size()), dk(k.bytes.size()), dv(v.bytes.size()), dout(out.bytes.size());
  DeviceBuffer dlse(lse_count * sizeof(float));
  check(cudaMemcpy(dq.get(), q.bytes.data(), q.bytes.size(), cudaMemcpyHostToDevice), "copy q");
  check(cudaMemcpy(dk.get(), k.bytes.data(), k.bytes.size(), cudaMemcpyHostToDevice), "copy k");
  check(cudaMemcpy(dv.get(), v.bytes.data(), v.bytes.size(), cudaMemcpyHostToDevice), "copy v");
  check(cudaMemcpy(dout.get(), out.bytes.data(), out.bytes.size(), cudaMemcpyHostToDevice), "copy out");
  check(cudaMemcpy(dlse.get(), lse.data(), lse_count * sizeof(float), cudaMemcpyHostToDevice), "copy lse");

  cudaStream_t stream = nullptr;
  check(cudaStreamCreateWithFlags(&stream, cudaStreamNonBlocking), "cudaStreamCreate");
  dattn_problem dev = host;
  dev.q = on_device(q.view, dq.get());
  dev.k = on_device(k.view, dk.get());
  dev.v = on_device(v.view, dv.get());
  dev.out = on_device(out.view, dout.get());
  dev.lse = c.lse ? static_cast<float*>(dlse.get()) : nullptr;
  int device = 0;
  check(cudaGetDevice(&device), "cudaGetDevice");
  dev.device_index = device;
  dev.stream = stream;
  try {
    kernel(dev);
  } catch (...) {
    cudaStreamDestroy(stream);
    throw;
  }
  const cudaError_t sync = cudaStreamSynchronize(stream);
  cudaStreamDestroy(stream);
  check(sync, "kernel execution");

  const std::vector<unsigned char> poisoned = out.bytes;
  check(cudaMemcpy(out.bytes.data(), dout.get(), out.bytes.size(), cudaMemcpyDeviceToHost), "copy out back");
  check(cudaMemcpy(lse.data(), dlse.get(), lse_count * sizeof(float), cudaMemcpyDeviceToHost), "copy lse back");

  CaseResult r;
  if (c.padded) {
    // Every element of the row gap must still hold the poison.
    const int64_t row = c.head_dim + 8;
    for (size_t i = 0; i < out.elements; ++i) {
      if (static_cast<int64_t>(i % row) < c.head_dim) continue;
      if (std::memcmp(&out.bytes[i * elem], &poisoned[i * elem], elem) != 0) ++r.gap_writes;
    }
  }
  const check::Reference ref = check::reference(host, check::all_rows(host));
  const std::vector<double> got = check::gather_output(host, ref.rows);
  r.out = check::compare(got, ref.out);
  double max_ref = 0;
  for (double x : ref.out) max_ref = std::max(max_ref, std::abs(x));
  r.max_rel = max_ref > 0 ? r.out.max_abs / max_ref : r.out.max_abs;
  if (c.lse) {
    r.lse_max_abs = check::lse_max_abs_error(check::gather_lse(host, ref.rows), ref.lse);
  }
  return r;
}

}  // namespace dattn::gpu_test
