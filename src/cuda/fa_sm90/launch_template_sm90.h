// Launches the sm90 fa kernel of one (head_dim, dtype, tile width). Each instantiation lives in
// its own file under instantiations/ so they compile in parallel.
#pragma once

#include <cuda_runtime.h>

#include <algorithm>

#include "cuda/common/check.h"
#include "cuda/common/device_query.h"
#include "cuda/fa_sm90/flash_fwd_kernel_sm90.h"
#include "cuda/fa_sm90/kernel_traits_sm90.h"

namespace dattn::cuda::flash_sm90 {

template <int kHeadDim, class T, bool kWideKV>
void run_fa_sm90(const TensorMaps& tm, const ParamsSm90& p, GridSize g, cudaStream_t stream) {
  using Traits = KernelTraitsSm90<kHeadDim, T, kWideKV>;
  auto kernel = flash_fwd_kernel_sm90<Traits>;
  DATTN_CUDA_CHECK(cudaFuncSetAttribute(kernel, cudaFuncAttributeMaxDynamicSharedMemorySize, Traits::kSmemBytes));
  const int m_blocks = (g.seq_q + Traits::kBlockM - 1) / Traits::kBlockM;
  const WorkList work{m_blocks * g.heads_q * g.batch, m_blocks, g.heads_q};  // fa_sm90.cu bounds it
  // Persistent (one CTA per SM, the register file holds one) where the kernel has two Q buffers
  // and no causal mask (whose items differ in length: one CTA each lets the hardware balance).
  int grid = work.items;
  if (Traits::kPersistent && !p.causal) {
    int device = 0;
    DATTN_CUDA_CHECK(cudaGetDevice(&device));
    grid = std::min(grid, multiprocessor_count(device));
  }
  kernel<<<grid, Traits::kThreads, Traits::kSmemBytes, stream>>>(tm, p, work);
  DATTN_CUDA_CHECK_LAUNCH();
}

}  // namespace dattn::cuda::flash_sm90
