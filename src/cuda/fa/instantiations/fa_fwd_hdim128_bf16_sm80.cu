#include "cuda/fa/flash_fwd_launch_template.h"

namespace dattn::cuda::flash {
template void run_fa_fwd<128, __nv_bfloat16>(const FaParams&, cudaStream_t);

// Defined beside an instantiation it names, so no other file compiles this kernel again.
const void* fa_probe_kernel() {
  return reinterpret_cast<const void*>(flash_fwd_kernel_sm80<KernelTraitsSm80<128, __nv_bfloat16>>);
}
}  // namespace dattn::cuda::flash
