// Quantization passes of sage_attn (contract: core/sage_contract.h; packing: layout.h).
// Everything runs on p.stream, reads q/k/v through their strides and allocates nothing.
#pragma once

#include <cstdint>

#include "core/problem.h"
#include "cuda/quant/layout.h"

namespace dattn::cuda::quant {

// K mean and V amax statistics, then INT8 Q and K and FP8 (or f16) V, into `out`.
void quantize(const dattn_problem& p, const PackedShape& s, const Packed& out);

// The logical tensors of sage_contract.h, contiguous, on the device: what tests compare with
// the CPU quantization. v is e4m3 codes [B, Hkv, Sk, D].
struct Logical {
  int8_t* q;
  float* q_scale;
  int8_t* k;
  float* k_scale;
  uint8_t* v;
  float* v_scale;
  float* k_mean;
};

// Same kernels as quantize(), written unpadded; its statistics use the workspace of
// (p.device_index, p.stream).
void quantize_logical(const dattn_problem& p, const Logical& out);

}  // namespace dattn::cuda::quant
