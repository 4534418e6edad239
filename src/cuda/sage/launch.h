// Launchers of the mma.sync sage_attn kernel, one translation unit per P·V precision so the
// two halves of the instantiations compile in parallel.
#pragma once

#include <cuda_runtime.h>

#include <cstdint>

#include "cuda/sage/traits.h"

namespace dattn::cuda::sage_mma {

// grid: ceil(seq_q / kBlockM) x heads_q x batch, on `stream`; checked.
void launch_fp8(const Params& p, int64_t batch, int32_t dtype, int dp, bool causal,
                cudaStream_t stream);
void launch_f16(const Params& p, int64_t batch, int32_t dtype, int dp, bool causal,
                cudaStream_t stream);

// The SASS version (e.g. 80, 90) of the kernel the module would run on the current device,
// 0 when none can run there. The fp8 kernel compiled below sm_89 only traps.
int binary_version_fp8();
int binary_version_f16();

}  // namespace dattn::cuda::sage_mma
