// Launches the sm90 fa kernel of one (head_dim, dtype, tile width). Each instantiation lives in
// its own file under instantiations/ so they compile in parallel.
#pragma once

#include <cuda_runtime.h>

#include "cuda/common/check.h"
#include "cuda/fa_sm90/flash_fwd_kernel_sm90.h"
#include "cuda/fa_sm90/kernel_traits_sm90.h"

namespace dattn::cuda::flash_sm90 {

template <int kHeadDim, class T, bool kWideKV>
void run_fa_sm90(const TensorMaps& tm, const ParamsSm90& p, GridSize g, cudaStream_t stream) {
  using Traits = KernelTraitsSm90<kHeadDim, T, kWideKV>;
  auto kernel = flash_fwd_kernel_sm90<Traits>;
  DATTN_CUDA_CHECK(cudaFuncSetAttribute(kernel, cudaFuncAttributeMaxDynamicSharedMemorySize, Traits::kSmemBytes));
  const dim3 grid((g.seq_q + Traits::kBlockM - 1) / Traits::kBlockM, g.heads_q, g.batch);
  kernel<<<grid, Traits::kThreads, Traits::kSmemBytes, stream>>>(tm, p);
  DATTN_CUDA_CHECK_LAUNCH();
}

}  // namespace dattn::cuda::flash_sm90
