// Launches the fa kernel of one (head_dim, dtype). Each instantiation lives in its own file
// under instantiations/ so they compile in parallel and an axis can be dropped by deleting
// files (FA3's layout).
#pragma once

#include <cuda_runtime.h>

#include <stdexcept>

#include "cuda/common/check.h"
#include "cuda/fa/fa_params.h"
#include "cuda/fa/flash_fwd_kernel_sm80.h"
#include "cuda/fa/kernel_traits_sm80.h"

namespace dattn::cuda::flash {

template <class Traits>
void launch_fa_fwd(const FaParams& p, cudaStream_t stream) {
  auto kernel = flash_fwd_kernel_sm80<Traits>;
  // Above 48 KB a block's dynamic shared memory must be opted into; it is a per-device
  // function attribute, cheap to set, so set it on every launch rather than cache per device.
  DATTN_CUDA_CHECK(
      cudaFuncSetAttribute(kernel, cudaFuncAttributeMaxDynamicSharedMemorySize, Traits::kSmemBytes));
  const dim3 grid((p.seq_q + Traits::kBlockM - 1) / Traits::kBlockM, p.heads_q, p.batch);
  if (grid.y > 65535 || grid.z > 65535) {
    throw std::invalid_argument("fa: heads_q and batch must each be at most 65535");
  }
  kernel<<<grid, Traits::kThreads, Traits::kSmemBytes, stream>>>(p);
  DATTN_CUDA_CHECK_LAUNCH();
}

template <int kHeadDim, class T>
void run_fa_fwd(const FaParams& p, cudaStream_t stream) {
  launch_fa_fwd<KernelTraitsSm80<kHeadDim, T>>(p, stream);
}

}  // namespace dattn::cuda::flash
