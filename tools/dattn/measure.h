// One measured attention call: random inputs on the platform's memory, warm-up, the median
// of timed runs, and the error against the fp64 reference on sampled query rows.
#pragma once

#include <cstdint>

#include "args.h"
#include "bounds.h"
#include "check/metrics.h"
#include "dattn/types.h"

namespace dattn::cli {

struct MeasureSpec {
  Platform platform = Platform::cpu;
  Shape shape{};
  DType dtype = DType::bf16;
  Options options;           // layout, causal, backend, policy, sage_pv
  int warmup = 1;
  int runs = 7;
  int64_t check_rows = 512;  // query rows compared with fp64 (all rows when fewer)
  uint64_t seed = 0;
};

struct Measurement {
  Selection selection;
  double seconds = 0;        // median over the timed runs
  double tflops = 0;
  check::Metrics metrics;
  int64_t rows_checked = 0;
  Bound bound{};
  bool passed = false;       // finite, and within `bound`
};

// Throws dattn::Error from the library (selection, validation, device).
Measurement measure(const MeasureSpec& spec);

}  // namespace dattn::cli
