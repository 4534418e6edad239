// dattn: attention for diffusion transformers. C++ API.
//   out = softmax(Q·Kᵀ·sm_scale)·V
// Q [B, Hq, Sq, D], K/V [B, Hkv, Sk, D] (HND; NHD swaps the middle dims), Hq % Hkv == 0.
#pragma once

#include "dattn/types.h"

namespace dattn {

// Runs attention and writes `out` (same layout and dtype as q, shape of q) and, if `lse` is
// non-null, the natural-log log-sum-exp of the scaled scores, fp32 [B, Hq, Sq] (last dim
// contiguous). The platform is the tensors' device; the backend follows the selection rules.
// Returns the selection that ran. Throws dattn::Error.
DATTN_API Selection attention(const Tensor& q, const Tensor& k, const Tensor& v, const Tensor& out,
                              const Tensor* lse = nullptr, const Options& options = {});

struct SelectQuery {
  std::optional<Platform> platform;  // unset: detect_platform()
  std::string requested;             // backend name or alias; "" / "auto": DATTN_ATTENTION_BACKEND or default
  int64_t head_size = 128;
  DType dtype = DType::bf16;
  std::optional<Policy> policy;      // unset: DATTN_STRICT
  int device_index = 0;
};

// The decision alone, without running (cached; logged once). Throws dattn::Error for an
// unknown or invalid name, in strict mode on any fallback, and when nothing can run.
DATTN_API Selection select(const SelectQuery& query);

// DATTN_PLATFORM, else cuda, musa, cpu: the first present.
DATTN_API Platform detect_platform();

// One row of the backend × platform table for this build and machine.
struct BackendStatus {
  Platform platform;
  Backend backend;
  bool available;
  std::vector<std::string> reasons;  // why not, or what it runs on
  std::string head_sizes;            // e.g. "16..256, multiple of 8"
  std::string dtypes;                // e.g. "f32, f16, bf16"
};
DATTN_API std::vector<BackendStatus> backend_table();

DATTN_API const char* version();

}  // namespace dattn
