// The plain problem description every kernel takes, CPU or GPU.
// C-compatible on purpose: it is also the ABI between libdattn and the GPU module that
// libdattn loads at run time (module_abi.h), so keep it POD and bump
// DATTN_MODULE_ABI_VERSION on any change.
#pragma once

#include <stddef.h>
#include <stdint.h>

#ifdef __cplusplus
extern "C" {
#endif

// One operand in canonical order [batch, heads, seq, head_dim]; head_dim is contiguous.
// Strides are in elements. Layout (HND/NHD) is already folded into the strides.
typedef struct dattn_view {
  void* data;
  int64_t stride_b;
  int64_t stride_h;
  int64_t stride_s;
} dattn_view;

typedef struct dattn_problem {
  int32_t dtype;         // dattn::DType of q, k, v and out
  int32_t device_index;  // GPU ordinal; 0 on the CPU
  int64_t batch, heads_q, heads_kv, seq_q, seq_kv, head_dim;
  dattn_view q, k, v, out;
  float* lse;            // optional [batch, heads_q, seq_q] natural-log LSE; nullptr = none
  int64_t lse_stride_b, lse_stride_h;  // lse stride along seq is 1
  float sm_scale;
  int32_t causal;        // bottom-right aligned: query i sees keys j <= i + seq_kv - seq_q
  int32_t sage_pv;       // dattn::SagePV, resolved (fp8 = 1 or f16 = 2), only read by sage_attn
  void* stream;          // cudaStream_t (GPU); ignored on the CPU
} dattn_problem;

#ifdef __cplusplus
}
#endif
