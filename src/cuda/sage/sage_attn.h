// sage_attn on CUDA: SageAttention2 numerics (core/sage_contract.h) on tensor cores.
#pragma once

#include <cstdint>
#include <string>

#include "core/problem.h"

namespace dattn::cuda {

// Which attention kernel runs after the quantization. `automatic` takes the Hopper wgmma
// kernel where it applies (sm_90a image, compute capability 9.0) and the mma.sync kernel
// elsewhere; `mma_sync` forces the latter (tests run both on a Hopper card).
enum class SageKernel { automatic, mma_sync };

// Quantizes q/k/v into the stream-ordered workspace and runs the attention kernel, all on
// p.stream. p.sage_pv must be resolved (1 = fp8, 2 = f16); fp8 on a device without FP8
// tensor cores (compute capability < 8.9) throws std::invalid_argument. Throws CudaError on
// a CUDA failure.
void sage_attn(const dattn_problem& p, SageKernel kernel = SageKernel::automatic);

// True when sage_attn can run on `device` at this head_dim and dtype with f16 P·V (the
// precision every supported device has); otherwise false with the reason.
bool sage_supports(int device, int64_t head_dim, int32_t dtype, std::string* reason);

// True when fp8 P·V can run on `device` (FP8 tensor cores and a kernel built for them).
bool sage_fp8_supported(int device, std::string* reason);

// The rule behind it, without a device: why fp8 P·V cannot run at this compute capability
// (89 for 8.9) with an fp8 kernel image of this SASS version (0: none), or empty when it can.
std::string sage_fp8_rule(int compute_capability, int fp8_binary_version);

}  // namespace dattn::cuda
