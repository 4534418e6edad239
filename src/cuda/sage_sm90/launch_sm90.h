// Launchers of the Hopper sage_attn kernel, one translation unit per P·V precision so the
// instantiations compile in parallel. Host code sees only this header.
#pragma once

#include <cuda.h>
#include <cuda_runtime.h>

#include <cstdint>

#include "cuda/sage/traits.h"

namespace dattn::cuda::sage_sm90 {

struct TensorMaps;

// grid: sq_pad / 128 x heads_q x batch, on `stream`; checked. dp is 64 or 128.
void launch_fp8(const TensorMaps& tm, const sage_mma::Params& p, int64_t batch, int32_t dtype, int dp, bool causal,
                cudaStream_t stream);
void launch_f16(const TensorMaps& tm, const sage_mma::Params& p, int64_t batch, int32_t dtype, int dp, bool causal,
                cudaStream_t stream);

// One instantiation, for asking the runtime whether this build carries an sm_90a image
// (cudaFuncGetAttributes fails when it does not).
const void* probe_kernel();

}  // namespace dattn::cuda::sage_sm90
