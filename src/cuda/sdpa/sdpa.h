// The universal GPU fallback: exact attention, fp32 accumulation, any head_dim 16..256 that
// is a multiple of 8, f32/f16/bf16. Written to be obviously right, not fast.
#pragma once

#include <cstdint>
#include <string>

#include "core/problem.h"

namespace dattn::cuda {

// Empty when sdpa runs at this head_dim and dtype; otherwise the reason.
std::string sdpa_unsupported_reason(int64_t head_dim, int32_t dtype);

// Enqueues on p.stream. Throws on an unsupported problem or a CUDA error.
void sdpa(const dattn_problem& p);

}  // namespace dattn::cuda
