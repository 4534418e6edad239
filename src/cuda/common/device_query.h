// What a module asks about a device before it launches: its compute capability, and answers
// that cannot change within a process (does this build carry a kernel image for it, is there
// enough shared memory), kept per device so that the checks made on every call cost a lookup.
#pragma once

#include <cuda_runtime.h>

#include <map>
#include <mutex>
#include <string>

#include "cuda/common/check.h"
#include "cuda/common/device_guard.h"

namespace dattn::cuda {

// 80 for 8.0, 90 for 9.0.
inline int compute_capability(int device) {
  int major = 0, minor = 0;
  DATTN_CUDA_CHECK(cudaDeviceGetAttribute(&major, cudaDevAttrComputeCapabilityMajor, device));
  DATTN_CUDA_CHECK(cudaDeviceGetAttribute(&minor, cudaDevAttrComputeCapabilityMinor, device));
  return major * 10 + minor;
}

// Streaming multiprocessors of `device`.
inline int multiprocessor_count(int device) {
  int sms = 0;
  DATTN_CUDA_CHECK(cudaDeviceGetAttribute(&sms, cudaDevAttrMultiProcessorCount, device));
  return sms;
}

inline std::string cc_text(int cc) { return std::to_string(cc / 10) + "." + std::to_string(cc % 10); }

// Empty when `device` can run an sm_90a kernel: compute capability 9.0 (sm_90a code runs
// there alone), `smem_bytes` of opt-in shared memory per block, and an image of `probe` (one
// of the kernels) in this build; otherwise why not, as "needs ..." or "no ... image ...".
inline std::string sm90_kernel_reason(int device, int smem_bytes, const void* probe) {
  const int cc = compute_capability(device);
  if (cc != 90) {
    return "needs compute capability 9.0 (sm_90a: TMA, wgmma, setmaxnreg), device " + std::to_string(device) +
           " has " + cc_text(cc);
  }
  int smem_optin = 0;
  DATTN_CUDA_CHECK(cudaDeviceGetAttribute(&smem_optin, cudaDevAttrMaxSharedMemoryPerBlockOptin, device));
  if (smem_optin < smem_bytes) {
    return "needs " + std::to_string(smem_bytes) + " bytes of shared memory per block, device has " +
           std::to_string(smem_optin);
  }
  DeviceGuard guard(device);
  cudaFuncAttributes attr{};
  if (const cudaError_t err = cudaFuncGetAttributes(&attr, probe); err != cudaSuccess) {
    (void)cudaGetLastError();  // consume it, so the next launch check does not report it
    return std::string("no sm_90a kernel image in this build (module built for ") + DATTN_CUDA_ARCH_LIST +
           "): " + cudaGetErrorString(err);
  }
  return {};
}

// One question's answers (a reason string, empty for yes) per key, computed on first use.
// Declare one `static DeviceAnswers<...>` where the question is asked.
template <class Key>
class DeviceAnswers {
 public:
  template <class Compute>
  std::string get(const Key& key, Compute&& compute) {
    std::lock_guard<std::mutex> lock(mutex_);
    auto it = known_.find(key);
    if (it == known_.end()) it = known_.emplace(key, compute()).first;
    return it->second;
  }

 private:
  std::mutex mutex_;
  std::map<Key, std::string> known_;
};

}  // namespace dattn::cuda
