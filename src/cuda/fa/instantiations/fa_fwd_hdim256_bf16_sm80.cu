#include "cuda/fa/flash_fwd_launch_template.h"

namespace dattn::cuda::flash {
template void run_fa_fwd<256, __nv_bfloat16>(const FaParams&, cudaStream_t);
}  // namespace dattn::cuda::flash
