// Scratch memory for kernels that need temporaries (sage_attn's quantized Q/K/V and scales).
#pragma once

#include <cuda_runtime.h>

#include <cstddef>
#include <mutex>

namespace dattn::cuda {

// A buffer of at least the requested size, private to (device, stream), held for one call.
// While the lease lives, no other host thread gets the same buffer: keep it alive until every
// launch that uses the buffer is enqueued; stream order then keeps the next call's kernels
// behind this call's. Without the lock, two threads on one stream (PyTorch's legacy default
// stream, say) could interleave their quantize and attention launches on one buffer.
struct WorkspaceLease {
  void* ptr = nullptr;
  std::unique_lock<std::mutex> lock;
};

// Allocated stream-ordered (cudaMallocAsync) and grown only when too small, the old buffer
// freed with cudaFreeAsync on the same stream, so steady state allocates nothing and never
// synchronizes. cudaStreamPerThread names a different stream in each thread, so it is keyed
// per thread. `device` must be the current device. ptr is nullptr when bytes == 0 (and
// nothing is locked). Under CUDA graph capture nothing is allocated: the buffer must already
// be large enough (std::invalid_argument otherwise, saying how), and a buffer a graph captured
// is never freed, since replays write into it. A new stream that got a destroyed stream's
// handle gets a buffer of its own. Throws CudaError.
WorkspaceLease workspace(int device, cudaStream_t stream, size_t bytes);

}  // namespace dattn::cuda
