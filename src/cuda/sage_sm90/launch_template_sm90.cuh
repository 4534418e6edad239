// Turns (dtype, padded head dim, causal) into an instantiation of the Hopper sage_attn
// kernel and launches it; included once per P·V precision (launch_sm90_{fp8,f16}.cu).
#pragma once

#include "cuda/common/check.h"
#include "cuda/common/dispatch.h"
#include "cuda/common/pdl.h"
#include "cuda/sage_sm90/kernel_sm90.cuh"
#include "cuda/sage_sm90/launch_sm90.h"

namespace dattn::cuda::sage_sm90 {

template <bool kFp8>
void launch(const TensorMaps& tm, const sage_mma::Params& p, int64_t batch, int32_t dtype, int dp, bool causal,
            cudaStream_t stream) {
  DATTN_DISPATCH_HALF_DTYPE(dtype, T, {
    DATTN_DISPATCH_HEAD_DIM(dp, kDp, {
      DATTN_DISPATCH_BOOL(causal, kCausal, {
        using Tr = TraitsSm90<kDp, kFp8>;
        auto* kernel = sage_sm90_kernel<T, Tr, kCausal>;
        DATTN_CUDA_CHECK(cudaFuncSetAttribute(kernel, cudaFuncAttributeMaxDynamicSharedMemorySize, Tr::kSmemBytes));
        // Query tiles may pass sq_pad (192 rows): TMA fills their rows with zeros, the
        // kernel reads no q_scale past sq_pad and stores no row past seq_q.
        const dim3 grid(static_cast<unsigned>((p.sq_pad + Tr::kBlockM - 1) / Tr::kBlockM), static_cast<unsigned>(p.heads_q),
                        static_cast<unsigned>(batch));
        // A dependent launch (common/pdl.h): CTAs set up while the quantizer's last blocks run.
        // Always: this kernel runs only as sm_90a code, which has its pdl_wait().
        launch_kernel(kernel, grid, Tr::kThreads, Tr::kSmemBytes, stream, true, tm, p);
      });
    });
  });
}

}  // namespace dattn::cuda::sage_sm90
