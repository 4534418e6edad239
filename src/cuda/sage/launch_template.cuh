// Turns (dtype, padded head dim, causal) into a kernel instantiation and launches it.
#pragma once

#include "cuda/common/check.h"
#include "cuda/common/dispatch.h"
#include "cuda/sage/kernel.cuh"
#include "cuda/sage/launch.h"

namespace dattn::cuda::sage_mma {

template <bool kFp8>
void launch(const Params& p, int64_t batch, int32_t dtype, int dp, bool causal,
            cudaStream_t stream) {
  DATTN_DISPATCH_HALF_DTYPE(dtype, T, {
    DATTN_DISPATCH_HEAD_DIM(dp, kDp, {
      DATTN_DISPATCH_BOOL(causal, kCausal, {
        using Tr = Traits<kDp, kFp8>;
        auto* kernel = sage_mma_kernel<T, kDp, kFp8, kCausal>;
        DATTN_CUDA_CHECK(cudaFuncSetAttribute(kernel, cudaFuncAttributeMaxDynamicSharedMemorySize,
                                              Tr::kSmemBytes));
        const dim3 grid(static_cast<unsigned>((p.seq_q + Tr::kBlockM - 1) / Tr::kBlockM),
                        static_cast<unsigned>(p.heads_q), static_cast<unsigned>(batch));
        kernel<<<grid, Tr::kThreads, Tr::kSmemBytes, stream>>>(p);
        DATTN_CUDA_CHECK_LAUNCH();
      });
    });
  });
}

template <bool kFp8>
int binary_version() {
  cudaFuncAttributes attr{};
  if (cudaFuncGetAttributes(&attr, sage_mma_kernel<__half, 64, kFp8, false>) != cudaSuccess) {
    (void)cudaGetLastError();  // clear the sticky-free error so later checks start clean
    return 0;
  }
  return attr.binaryVersion;
}

}  // namespace dattn::cuda::sage_mma
