#include "cuda/fa_sm90/launch_template_sm90.h"

namespace dattn::cuda::flash_sm90 {

template void run_fa_sm90<128, __nv_bfloat16, false>(const TensorMaps&, const ParamsSm90&, GridSize, cudaStream_t);

const void* fa_sm90_probe_kernel() {
  return reinterpret_cast<const void*>(flash_fwd_kernel_sm90<KernelTraitsSm90<128, __nv_bfloat16, false>>);
}

}  // namespace dattn::cuda::flash_sm90
