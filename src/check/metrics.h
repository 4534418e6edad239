// Error metrics of a result against an fp64 reference, over the flattened tensor
// (DESIGN.md "Metrics everywhere"). A non-finite value in the result makes every metric NaN,
// so that any check of the form `metric <= bound` or `cosine >= bound` fails.
#pragma once

#include <cstdint>
#include <span>

namespace dattn::check {

struct Metrics {
  double cosine = 0;   // <x, r> / (|x| |r|); 1 when both are all zero
  double rel_l1 = 0;   // sum |x - r| / sum |r|
  double rmse = 0;     // sqrt(mean (x - r)^2)
  double max_abs = 0;  // max |x - r|
  int64_t nonfinite = 0;  // count of NaN / inf in x
};

// x and ref must have the same length (throws std::invalid_argument otherwise).
Metrics compare(std::span<const double> x, std::span<const double> ref);

// Largest |x - r| over LSE values, where a reference -inf (a row with no visible key) must
// be matched by exactly -inf. A NaN, or an infinity that the other side lacks, gives +inf.
double lse_max_abs_error(std::span<const double> x, std::span<const double> ref);

}  // namespace dattn::check
