// fa on Hopper (sm_90a): TMA + wgmma, warp-specialized. f16/bf16, head_dim 64 and 128, GQA,
// seq_q != seq_kv, causal, optional LSE; any strides whose rows are 16-byte aligned.
#pragma once

#include <string>

#include "core/problem.h"

namespace dattn::cuda {

// True when fa_sm90 can run this exact problem on p.device_index; otherwise false with the
// reason in *reason (when non-null): not an sm_90 device, no sm_90a image in this build,
// dtype or head_dim, strides TMA cannot describe, sm_scale <= 0, an empty key sequence.
// Cheap (host-only checks, the tensor maps, and device answers kept after the first call).
bool fa_sm90_supports(const dattn_problem& p, std::string* reason);

// Enqueues on p.stream and returns true when fa_sm90_supports would say yes (checking and
// building the tensor maps once); otherwise launches nothing and returns false with the
// reason. The caller has made p.device_index current.
bool fa_sm90_try(const dattn_problem& p, std::string* reason);

// fa_sm90_try, throwing std::invalid_argument with the reason where it would return false.
void fa_sm90(const dattn_problem& p);

}  // namespace dattn::cuda
