// Every CUDA runtime call and every launch in the module goes through these checks, so a
// device error surfaces as an exception naming the call site instead of a later, unrelated
// failure. module.cu turns the exception into the ABI's message string.
#pragma once

#include <cuda_runtime.h>

#include <stdexcept>
#include <string>

namespace dattn::cuda {

class CudaError : public std::runtime_error {
 public:
  CudaError(cudaError_t code, const char* expr, const char* file, int line)
      : std::runtime_error(std::string(file) + ":" + std::to_string(line) + ": " + expr +
                           " failed: " + cudaGetErrorName(code) + " (" +
                           cudaGetErrorString(code) + ")"),
        code_(code) {}
  cudaError_t code() const noexcept { return code_; }

 private:
  cudaError_t code_;
};

}  // namespace dattn::cuda

// A failed call also leaves its error as the thread's "last error"; it is consumed here, so a
// later DATTN_CUDA_CHECK_LAUNCH does not report it again against an innocent launch.
#define DATTN_CUDA_CHECK(expr)                                                      \
  do {                                                                              \
    const cudaError_t dattn_cuda_err_ = (expr);                                     \
    if (dattn_cuda_err_ != cudaSuccess) {                                           \
      cudaGetLastError();                                                           \
      throw ::dattn::cuda::CudaError(dattn_cuda_err_, #expr, __FILE__, __LINE__);   \
    }                                                                               \
  } while (0)

// A launch reports configuration errors (too much shared memory, bad grid) only through
// cudaGetLastError; call this right after every <<<...>>>.
#define DATTN_CUDA_CHECK_LAUNCH() DATTN_CUDA_CHECK(cudaGetLastError())
