// The GPU timing tools' one measurement (METHOD.md): 3 warm-up runs, then the median of 15
// runs, each timed with CUDA events on one stream after a 256 MiB memset outside the events,
// as bench/gpu/compare.py times PyTorch: the L2 starts cold, and the host's launch path runs
// while the memset does, so a run times the GPU's work alone. (Timed from an idle GPU
// instead, a run also counts the host's time to the first kernel, which differs by caller: a
// PyTorch SDPA call spends ~36 µs on the host, bench/gpu/call_overhead.py, against a cuDNN
// kernel of 0.12 ms at (4, 32, 1024, 128).)
#pragma once

#include <cuda_runtime.h>

#include <algorithm>
#include <vector>

#include "cuda/common/check.h"

template <class F>
float median_ms(cudaStream_t stream, F&& run) {
  cudaEvent_t a, b;
  DATTN_CUDA_CHECK(cudaEventCreate(&a));
  DATTN_CUDA_CHECK(cudaEventCreate(&b));
  constexpr size_t kFlushBytes = size_t{256} << 20;
  void* flush = nullptr;
  DATTN_CUDA_CHECK(cudaMalloc(&flush, kFlushBytes));
  for (int i = 0; i < 3; ++i) run();
  std::vector<float> ms;
  for (int i = 0; i < 15; ++i) {
    DATTN_CUDA_CHECK(cudaMemsetAsync(flush, 0, kFlushBytes, stream));
    DATTN_CUDA_CHECK(cudaEventRecord(a, stream));
    run();
    DATTN_CUDA_CHECK(cudaEventRecord(b, stream));
    DATTN_CUDA_CHECK(cudaEventSynchronize(b));
    float t = 0;
    DATTN_CUDA_CHECK(cudaEventElapsedTime(&t, a, b));
    ms.push_back(t);
  }
  cudaEventDestroy(a);
  cudaEventDestroy(b);
  cudaFree(flush);
  std::sort(ms.begin(), ms.end());
  return ms[ms.size() / 2];
}
