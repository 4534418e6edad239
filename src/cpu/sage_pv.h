// sage_attn's two ways of forming P V, selectable so that tests run both on a CPU that has
// AVX512-BF16 (sage_attn_quantized takes the fastest one that applies).
#pragma once

#include "core/problem.h"
#include "cpu/quant.h"
#include "cpu/sage_qk.h"

namespace dattn::cpu {

enum class SagePvPath {
  sgemm,     // fp32 sgemm on the decoded P and V values: both P·V precisions, every CPU
  bf16_dot,  // fp8 P·V with bf16_dot_available(): e4m3 P and V are exact in bf16, so the
             // products are exact as in sgemm and only the summation order differs
};

SagePvPath best_sage_pv_path(const dattn_problem& p);
// sage_attn_quantized (sage_attn.h) with a chosen P V path; bf16_dot requires what
// best_sage_pv_path would check.
void sage_attn_quantized_on(const dattn_problem& p, const SageQuantized& z, QkPath path,
                            SagePvPath pv);

}  // namespace dattn::cpu
