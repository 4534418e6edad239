// Running a kernel on a HostProblem and measuring it against the fp64 reference.
#pragma once

#include <functional>
#include <ostream>

#include "check/metrics.h"
#include "check/reference.h"
#include "support/host_problem.h"

namespace dattn::check {
// So that gtest failure messages show every metric.
void PrintTo(const Metrics& m, std::ostream* os);
}  // namespace dattn::check

namespace dattn::test {

struct Outcome {
  check::Metrics out;        // output vs the fp64 reference, over all rows
  double lse_max_abs = 0;    // LSE vs the reference (inf on NaN or a missing -inf); 0 without LSE
  double rounding_rel_l1 = 0;  // rel L1 of the reference rounded to the output dtype
  bool outside_untouched = true;
};

// Poisons the outputs, runs `kernel` on the problem, and compares all rows.
Outcome run_and_compare(HostProblem& hp, const std::function<void(const dattn_problem&)>& kernel);

// Relative L1 of rounding `ref` to `dtype` (nearest even): the error that any kernel with
// output in that dtype pays on top of its own arithmetic.
double rounding_rel_l1(const std::vector<double>& ref, DType dtype);

}  // namespace dattn::test
