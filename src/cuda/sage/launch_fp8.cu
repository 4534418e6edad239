#include "cuda/sage/launch_template.cuh"

namespace dattn::cuda::sage_mma {

void launch_fp8(const Params& p, int64_t batch, int32_t dtype, int dp, bool causal,
                cudaStream_t stream) {
  launch<true>(p, batch, dtype, dp, causal, stream);
}

int binary_version_fp8() { return binary_version<true>(); }

}  // namespace dattn::cuda::sage_mma
