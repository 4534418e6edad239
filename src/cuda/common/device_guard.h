// Makes a device current for a scope and restores the caller's device after: kernels must be
// launched with their stream's device current, and the module must not change the caller's
// thread state behind its back.
#pragma once

#include <cuda_runtime.h>

#include "cuda/common/check.h"

namespace dattn::cuda {

class DeviceGuard {
 public:
  explicit DeviceGuard(int device) {
    DATTN_CUDA_CHECK(cudaGetDevice(&prev_));
    if (prev_ != device) DATTN_CUDA_CHECK(cudaSetDevice(device));
  }
  ~DeviceGuard() { cudaSetDevice(prev_); }
  DeviceGuard(const DeviceGuard&) = delete;
  DeviceGuard& operator=(const DeviceGuard&) = delete;

 private:
  int prev_ = 0;
};

}  // namespace dattn::cuda
