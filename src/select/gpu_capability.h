// What the GPU kernels are built to handle (DESIGN.md and the CUDA module's issue). The real
// CUDA probe asks the loaded module instead (it knows which kernels it carries for the device);
// this table serves simulated GPUs and the head-size/dtype columns of the backend table.
#pragma once

#include <cstdint>
#include <optional>
#include <string>

#include "dattn/types.h"

namespace dattn::gpu_capability {

// Empty when the backend's GPU kernels handle this head size and dtype on a device of compute
// capability `cc` (major * 10 + minor; nullopt: not a CUDA device, no check); else the reason.
std::string unsupported_reason(Backend b, int64_t head_size, DType dtype, std::optional<int> cc);
const char* head_sizes(Backend b);
const char* dtypes(Backend b);

// sage_attn's fp8 P·V needs FP8 tensor cores: sm_89 (Ada) and sm_90 (Hopper).
inline constexpr int kMinFp8Cc = 89;
// fa and sage_attn use sm_80 tensor-core instructions (mma.sync with bf16, cp.async).
inline constexpr int kMinTensorCoreCc = 80;

std::string cc_name(int cc);  // 89 -> "8.9"

}  // namespace dattn::gpu_capability
