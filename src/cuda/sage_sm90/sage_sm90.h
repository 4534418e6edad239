// sage_attn's Hopper kernel (sm_90a: TMA, INT8 and FP8 wgmma), run on the packed operands
// that quant::quantize wrote. sage_attn() in cuda/sage/ picks it when it applies and falls
// back to the mma.sync kernel otherwise.
#pragma once

#include <cuda_runtime.h>

#include <cstdint>
#include <string>

#include "cuda/quant/layout.h"
#include "cuda/sage/traits.h"

namespace dattn::cuda {

// True when `device` can run the Hopper kernel: compute capability 9.0, an sm_90a image in
// this build, the shared memory it needs. Cached per device. Otherwise false with the reason.
bool sage_sm90_supported(int device, std::string* reason);

// True when the problem's sequence lengths fit the kernel's 32-bit index math (below 2^30).
bool sage_sm90_fits(const quant::PackedShape& s);

// Enqueues the attention kernel on `stream`; the caller has checked both of the above and
// filled `k` from the packed buffers. Throws CudaError on a CUDA failure.
void sage_attn_sm90(const sage_mma::Params& k, const quant::PackedShape& s, int32_t dtype, bool causal,
                    cudaStream_t stream);

}  // namespace dattn::cuda
