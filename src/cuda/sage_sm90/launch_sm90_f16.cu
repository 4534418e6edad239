#include "cuda/sage_sm90/launch_template_sm90.cuh"

namespace dattn::cuda::sage_sm90 {

void launch_f16(const TensorMaps& tm, const sage_mma::Params& p, int64_t batch, int32_t dtype, int dp, bool causal,
                cudaStream_t stream) {
  launch<false>(tm, p, batch, dtype, dp, causal, stream);
}

const void* probe_kernel() {
  return reinterpret_cast<const void*>(sage_sm90_kernel<__half, TraitsSm90<128, false>, false>);
}

}  // namespace dattn::cuda::sage_sm90
