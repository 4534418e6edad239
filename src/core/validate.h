// Turns the caller's tensors and options into the kernel problem, checking every argument.
// Every failure is Error(invalid_argument) whose message starts with the argument's name.
// Head sizes and dtypes a backend cannot handle are not checked here: that is the selection
// rules' business (fallback with a reason).
#pragma once

#include <cstdint>

#include "core/problem.h"
#include "dattn/types.h"

namespace dattn {

// The most elements one tensor may hold. A broadcast view (stride 0) can claim far more than it
// spans; kernels size their temporaries (sage's quantized copies) from the logical shape in
// 64-bit byte counts, so the count stays well inside int64 after padding and 4-byte scales.
inline constexpr int64_t kMaxTensorElements = int64_t{1} << 52;

// The layout is folded into canonical [batch, heads, seq, head_dim] strides. `lse`, when given,
// is a [B, Hq, Sq, 1] fp32 view in that order whatever the layout, with stride 1 along seq
// (its last stride is ignored). sage_pv is left automatic (0) for the dispatcher to resolve.
dattn_problem make_problem(const Tensor& q, const Tensor& k, const Tensor& v, const Tensor& out,
                           const Tensor* lse, const Options& options);

}  // namespace dattn
