// Shared machinery of the GPU kernel tests: build one attention problem with fresh random
// inputs in a chosen layout, run a CUDA kernel on it with poisoned outputs, and measure the
// result against the fp64 reference of src/check.
#pragma once

#include <cstdint>
#include <functional>
#include <string>

#include "check/metrics.h"
#include "core/problem.h"
#include "dattn/types.h"

namespace dattn::gpu_test {

// Empty when a CUDA device is usable; otherwise why not (the tests skip with it).
std::string no_gpu_reason();

struct AttnCase {
  int64_t batch = 1, heads_q = 2, heads_kv = 2, seq_q = 64, seq_kv = 64, head_dim = 128;
  DType dtype = DType::bf16;
  Layout layout = Layout::HND;
  bool causal = false;
  bool lse = true;
  // A view into a wider buffer: each row is followed by 8 unused elements, so the strides
  // are not those of a contiguous tensor (and the kernel must not touch the gap).
  bool padded = false;
  float sm_scale = 0.0f;  // 0: 1/sqrt(head_dim)
  std::string name() const;
};

struct CaseResult {
  check::Metrics out;
  double max_rel = 0;          // max |x - r| / max |r|
  double lse_max_abs = 0;      // 0 when no LSE was asked for
  int64_t gap_writes = 0;      // padding elements of `out` that changed (must be 0)
};

// Runs `kernel` on device copies of fresh random inputs (N(0,1), rounded to the dtype; seeded
// by tests/support's test_seed, so DATTN_TEST_SEED reproduces a run), with
// out and lse poisoned (NaN) before the call; compares with check::reference.
using Kernel = std::function<void(const dattn_problem&)>;
CaseResult run_case(const AttnCase& c, const Kernel& kernel);

// Bounds tied to what the dtype must lose: output rounding, plus P rounded to the dtype
// before P·V in the tensor-core kernels. LSE is computed from fp32 P, so it stays tight.
struct Tolerance {
  double rel_l1, max_rel, lse_abs;
};
Tolerance tolerance(DType dtype);

// The gtest expectations every kernel case shares: all outputs written and finite, within
// tolerance(c.dtype), LSE close (and -inf exactly where the reference has it), gap untouched.
void expect_matches_reference(const AttnCase& c, const CaseResult& r);

// "bf16 D128 B1 ..." -> "bf16_D128_B1_..." for parameterized test names.
std::string test_name(const AttnCase& c);

}  // namespace dattn::gpu_test
