// Accuracy bounds a result must meet against the fp64 reference for `dattn run` and
// `dattn bench` to call it correct. One table, the reason beside each entry.
#pragma once

#include "dattn/types.h"

namespace dattn::cli {

struct Bound {
  double min_cosine;
  double max_rel_l1;
  const char* note_on_failure = nullptr;  // printed beside a result outside the bound
};

// Exact backends (sdpa, fa): the output's own rounding dominates. Round-to-nearest costs a
// mean relative error of about a quarter ulp: ~0.0015 in bf16 (cuDNN measures ~0.002),
// ~0.0002 in f16, ~1e-7 in f32 where fp32 accumulation order adds ~1e-6 over long rows.
// Each bound leaves about 2.5x (f32: 100x) room over that unavoidable error.
inline constexpr Bound kExactBf16{0.9999, 0.005};
inline constexpr Bound kExactF16{0.99999, 0.001};
inline constexpr Bound kExactF32{0.999999, 1e-4};
// sage_attn: DESIGN.md's bounds, the algorithm's own error at D = 128 plus a little. fp8's own
// error sits close to its bound (relative L1 0.037-0.040 on Gaussian inputs, growing with the
// sequence; the CPU reference reads the same: bench/results/2026-11-26-session13.md), so a small
// sample or a long sequence can read past it with no fault in a kernel: a miss says so.
inline constexpr Bound kSageFp8{
    0.9992, 0.04,
    "sage_attn fp8's own error (DESIGN's arithmetic; the CPU reference reads the same) sits near "
    "this bound: relative L1 0.037-0.040 on Gaussian inputs, growing with the sequence (~0.040 at "
    "32k tokens), single heads and rows scattered around it (docs/semantics.md). Re-check with "
    "more rows (--check-rows 4096) or with --sage-pv f16 before suspecting the kernel."};
inline constexpr Bound kSageF16{0.9996, 0.025};

// `pv` is the P·V precision sage_attn ran with (Selection::sage_pv); automatic, where none is
// known, takes f16 on the CPU and fp8 (the looser bound) on a GPU.
inline Bound accuracy_bound(Backend backend, DType dtype, SagePV pv, Platform platform) {
  if (backend == Backend::sage_attn) {
    if (pv == SagePV::automatic) pv = platform == Platform::cpu ? SagePV::f16 : SagePV::fp8;
    return pv == SagePV::f16 ? kSageF16 : kSageFp8;
  }
  switch (dtype) {
    case DType::f32: return kExactF32;
    case DType::f16: return kExactF16;
    case DType::bf16: return kExactBf16;
  }
  return kExactBf16;
}

}  // namespace dattn::cli
