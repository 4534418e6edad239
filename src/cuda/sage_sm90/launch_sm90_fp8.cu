#include "cuda/sage_sm90/launch_template_sm90.cuh"

namespace dattn::cuda::sage_sm90 {

void launch_fp8(const TensorMaps& tm, const sage_mma::Params& p, int64_t batch, int32_t dtype, int dp, bool causal,
                cudaStream_t stream) {
  launch<true>(tm, p, batch, dtype, dp, causal, stream);
}

}  // namespace dattn::cuda::sage_sm90
