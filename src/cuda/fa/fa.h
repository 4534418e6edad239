// fa on CUDA: flash attention with tensor cores, f16/bf16, fp32 accumulation.
#pragma once

#include <cstdint>
#include <string>

#include "core/problem.h"

namespace dattn::cuda {

// Empty when fa can run on `device` at this head_dim and dtype; otherwise the reason
// (unsupported head_dim (built: 64, 96, 128, 256) or dtype, compute capability below 8.0, no kernel image built for the
// device's architecture, too little shared memory).
std::string fa_unsupported_reason(int device, int64_t head_dim, int32_t dtype);

// Enqueues on p.stream; the caller has made p.device_index current. Throws on an unsupported
// problem (including rows not 16-byte aligned) or a CUDA error.
// Picks the Hopper kernel (fa_sm90) where it applies, else fa_sm80.
void fa(const dattn_problem& p);
// The mma.sync kernel (sm_80 and later), callable directly so tests cover it on Hopper too.
void fa_sm80(const dattn_problem& p);

}  // namespace dattn::cuda
