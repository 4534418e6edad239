// Scratch memory for kernels that need temporaries (sage_attn's quantized Q/K/V and scales).
#pragma once

#include <cuda_runtime.h>

#include <cstddef>

namespace dattn::cuda {

// A buffer of at least `bytes` bytes, private to (device, stream) and valid for work enqueued
// on `stream` until the next call with the same (device, stream). Allocated stream-ordered
// (cudaMallocAsync) and grown only when too small, the old buffer freed with cudaFreeAsync on
// the same stream, so steady state allocates nothing and never synchronizes. Thread-safe.
// `device` must be the current device. Returns nullptr when bytes == 0. Throws CudaError.
void* workspace(int device, cudaStream_t stream, size_t bytes);

}  // namespace dattn::cuda
