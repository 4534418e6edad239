// The plain parameter struct every fa kernel takes (FA3's Flash_fwd_params in spirit):
// pointers, 64-bit element strides, sizes, and the derived constants kernels need.
#pragma once

#include <cstdint>

#include "core/problem.h"

namespace dattn::cuda::flash {

struct FaParams {
  const void* q;
  const void* k;
  const void* v;
  void* out;
  float* lse;  // nullptr = not requested
  int64_t q_stride_b, q_stride_h, q_stride_s;
  int64_t k_stride_b, k_stride_h, k_stride_s;
  int64_t v_stride_b, v_stride_h, v_stride_s;
  int64_t out_stride_b, out_stride_h, out_stride_s;
  int64_t lse_stride_b, lse_stride_h;
  int32_t batch, heads_q, heads_kv;
  int32_t group;  // heads_q / heads_kv: query head h reads kv head h / group
  int32_t seq_q, seq_kv;
  float scale_log2;  // sm_scale * log2(e): scores go straight into exp2
  bool causal;       // bottom-right aligned: query i sees keys j <= i + seq_kv - seq_q
};

// Checks what the kernels assume of a problem (16-byte aligned rows, 32-bit sequence
// lengths) and fills the params; throws std::invalid_argument naming the operand.
FaParams make_params(const dattn_problem& p);

}  // namespace dattn::cuda::flash
