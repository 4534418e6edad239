#include "cuda/sage/launch_template.cuh"

namespace dattn::cuda::sage_mma {

void launch_f16(const Params& p, int64_t batch, int32_t dtype, int dp, bool causal,
                cudaStream_t stream) {
  launch<false>(p, batch, dtype, dp, causal, stream);
}

int binary_version_f16() { return binary_version<false>(); }

}  // namespace dattn::cuda::sage_mma
