// Shared machinery of the sage_attn GPU tests: one problem with fresh random inputs (plain
// Gaussian, or DESIGN.md's K-bias inputs) in host memory and on the device, and runs of the
// CUDA and CPU sage_attn on it.
#pragma once

#include <cuda_runtime.h>

#include <cstdint>
#include <functional>
#include <string>
#include <vector>

#include "core/problem.h"
#include "cuda/sage/sage_attn.h"
#include "dattn/types.h"

namespace dattn::sage_test {

struct SageCase {
  int64_t batch = 1, heads_q = 2, heads_kv = 2, seq_q = 64, seq_kv = 64, head_dim = 128;
  DType dtype = DType::bf16;
  Layout layout = Layout::HND;
  SagePV pv = SagePV::fp8;
  bool causal = false;
  bool lse = true;
  // Elements after each row that belong to no token: a non-contiguous view. 4 keeps rows off
  // 16-byte boundaries (the quantization's scalar loads); an odd value also makes out's
  // strides odd (the epilogue's scalar stores).
  int64_t row_pad = 0;
  bool k_bias = false;  // K + 8·N(0,1) per (b, h, channel) and Q × 2 (DESIGN.md)
  float input_scale = 1.0f;  // every input times this (0x1p-130f: bf16 subnormals)
  // The attention kernel after the quantization: automatic is the Hopper one on an H100.
  cuda::SageKernel kernel = cuda::SageKernel::automatic;
  std::string name() const;
};

// Host inputs and their device copies. Padding elements hold NaN, so a kernel that reads
// them poisons its result.
class SageProblem {
 public:
  // Runs on `stream` when given (the caller keeps it alive), else on a stream of its own.
  SageProblem(const SageCase& c, uint64_t seed, cudaStream_t stream = nullptr);
  ~SageProblem();
  SageProblem(const SageProblem&) = delete;
  SageProblem& operator=(const SageProblem&) = delete;

  const dattn_problem& host() const { return host_; }      // out / lse: host buffers
  const dattn_problem& device() const { return device_; }  // device buffers, private stream

  // Poisons the device out / lse (NaN), runs cuda::sage_attn with the case's kernel (or
  // `launch`, e.g. a CUDA graph's replay, on the problem's stream), waits for the stream and
  // copies out / lse into the host buffers. Returns the number of padding elements of out
  // that the kernel changed (must be 0).
  int64_t run_gpu(const std::function<void()>& launch = {});
  cudaStream_t stream() const { return stream_; }
  // cpu::sage_attn on the host problem, into the host out / lse.
  void run_cpu();

  // The host out / lse at every row, as double, for check::compare.
  std::vector<double> out() const;
  std::vector<double> lse() const;

 private:
  SageCase case_;
  std::vector<uint16_t> q_, k_, v_, out_;
  std::vector<float> lse_;
  void* dq_ = nullptr;
  void* dk_ = nullptr;
  void* dv_ = nullptr;
  void* dout_ = nullptr;
  float* dlse_ = nullptr;
  cudaStream_t stream_ = nullptr;
  bool own_stream_ = false;
  dattn_problem host_{}, device_{};
};

// Throws std::runtime_error naming `what` on a CUDA error.
void cuda_ok(cudaError_t err, const char* what);

}  // namespace dattn::sage_test
