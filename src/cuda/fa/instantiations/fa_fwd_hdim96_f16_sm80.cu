#include "cuda/fa/flash_fwd_launch_template.h"

namespace dattn::cuda::flash {
template void run_fa_fwd<96, __half>(const FaParams&, cudaStream_t);
}  // namespace dattn::cuda::flash
