#include "cuda/fa_sm90/launch_template_sm90.h"

namespace dattn::cuda::flash_sm90 {

template void run_fa_sm90<64, __half, false>(const TensorMaps&, const ParamsSm90&, GridSize, cudaStream_t);

}  // namespace dattn::cuda::flash_sm90
