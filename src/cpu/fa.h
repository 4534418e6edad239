// fa's ways of forming its block products, selectable so that tests run both on a
// CPU that has AVX512-BF16 (fa() itself takes the fastest one that applies).
#pragma once

#include "core/problem.h"

namespace dattn::cpu {

enum class FaPath {
  sgemm,     // OpenBLAS sgemm on fp32 tiles (16-bit tiles widened): every dtype, every CPU
  bf16_dot,  // bf16 inputs only, with bf16_dot_available(): Q K^T exact, P rounded to bf16
  f32_dot,   // f32 inputs only, with f32_dot_available(): fp32 products as in sgemm
};

// The path fa() takes for this problem on this CPU.
FaPath best_fa_path(const dattn_problem& p);
// fa with a chosen path; bf16_dot requires what best_fa_path would check.
void fa_on(const dattn_problem& p, FaPath path);

}  // namespace dattn::cpu
