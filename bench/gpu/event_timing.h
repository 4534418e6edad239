// The GPU timing tools' one measurement (METHOD.md): 3 warm-up runs, then the median of 15
// runs, each timed with CUDA events on one stream.
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
  for (int i = 0; i < 3; ++i) run();
  std::vector<float> ms;
  for (int i = 0; i < 15; ++i) {
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
  std::sort(ms.begin(), ms.end());
  return ms[ms.size() / 2];
}
