// Programmatic dependent launch (sm_90+). A kernel launched as a dependent may start while the
// kernel before it in the stream still runs, once every block of that kernel has called
// pdl_allow_dependents() (or exited); it must call pdl_wait() before it reads or writes
// anything that kernel, or any earlier work of the stream, touches (the wait covers them all).
// What overlaps is one kernel's launch and preamble with the other's last wave. Code built for
// a virtual architecture below sm_90 (e.g. compute_80 PTX, JIT-compiled on a newer GPU) has no
// waits, so a kernel is launched as a dependent only where pdl_built(kernel) says its code has
// them.
#pragma once

#include <cuda_runtime.h>

#include <utility>

#include "cuda/common/check.h"

namespace dattn::cuda {

__device__ __forceinline__ void pdl_wait() {
#if defined(__CUDA_ARCH__) && __CUDA_ARCH__ >= 900
  asm volatile("griddepcontrol.wait;\n" ::: "memory");
#endif
}

__device__ __forceinline__ void pdl_allow_dependents() {
#if defined(__CUDA_ARCH__) && __CUDA_ARCH__ >= 900
  asm volatile("griddepcontrol.launch_dependents;\n" ::: "memory");
#endif
}

// Whether the image of `kernel` the current device runs was built for sm_90+ (its PTX version),
// so that its pdl_wait() calls are real.
template <class... Params>
bool pdl_built(void (*kernel)(Params...)) {
  cudaFuncAttributes attributes{};
  DATTN_CUDA_CHECK(cudaFuncGetAttributes(&attributes, kernel));
  return attributes.ptxVersion >= 90;
}

// kernel<<<grid, block, smem, stream>>>(args...), as a dependent of the stream's previous
// kernel when `dependent`.
template <class... Params, class... Args>
void launch_kernel(void (*kernel)(Params...), dim3 grid, dim3 block, size_t smem, cudaStream_t stream,
                   bool dependent, Args&&... args) {
  cudaLaunchConfig_t config{};
  config.gridDim = grid;
  config.blockDim = block;
  config.dynamicSmemBytes = smem;
  config.stream = stream;
  cudaLaunchAttribute attribute{};
  attribute.id = cudaLaunchAttributeProgrammaticStreamSerialization;
  attribute.val.programmaticStreamSerializationAllowed = 1;
  config.attrs = dependent ? &attribute : nullptr;
  config.numAttrs = dependent ? 1 : 0;
  DATTN_CUDA_CHECK(cudaLaunchKernelEx(&config, kernel, std::forward<Args>(args)...));
}

}  // namespace dattn::cuda
