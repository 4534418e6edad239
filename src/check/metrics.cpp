#include "check/metrics.h"

#include <cmath>
#include <limits>
#include <stdexcept>

namespace dattn::check {

Metrics compare(std::span<const double> x, std::span<const double> ref) {
  if (x.size() != ref.size()) {
    throw std::invalid_argument("check::compare: result has " + std::to_string(x.size()) +
                                " values but the reference has " + std::to_string(ref.size()));
  }
  Metrics m;
  double dot = 0, xx = 0, rr = 0, abs_diff = 0, abs_ref = 0, sq_diff = 0;
  for (size_t i = 0; i < x.size(); ++i) {
    if (!std::isfinite(x[i])) {
      ++m.nonfinite;
      continue;
    }
    const double d = x[i] - ref[i];
    dot += x[i] * ref[i];
    xx += x[i] * x[i];
    rr += ref[i] * ref[i];
    abs_diff += std::abs(d);
    abs_ref += std::abs(ref[i]);
    sq_diff += d * d;
    m.max_abs = std::max(m.max_abs, std::abs(d));
  }
  if (m.nonfinite > 0) {
    const double nan = std::numeric_limits<double>::quiet_NaN();
    m.cosine = m.rel_l1 = m.rmse = m.max_abs = nan;
    return m;
  }
  m.cosine = (xx == 0 && rr == 0) ? 1.0 : dot / std::sqrt(xx * rr);
  m.rel_l1 = abs_ref == 0 ? (abs_diff == 0 ? 0.0 : std::numeric_limits<double>::infinity())
                          : abs_diff / abs_ref;
  m.rmse = x.empty() ? 0.0 : std::sqrt(sq_diff / static_cast<double>(x.size()));
  return m;
}

double lse_max_abs_error(std::span<const double> x, std::span<const double> ref) {
  if (x.size() != ref.size()) {
    throw std::invalid_argument("check::lse_max_abs_error: result has " +
                                std::to_string(x.size()) + " values but the reference has " +
                                std::to_string(ref.size()));
  }
  const double inf = std::numeric_limits<double>::infinity();
  double worst = 0;
  for (size_t i = 0; i < x.size(); ++i) {
    if (std::isnan(x[i]) || std::isnan(ref[i])) return inf;
    if (std::isinf(x[i]) || std::isinf(ref[i])) {
      if (x[i] != ref[i]) return inf;
      continue;
    }
    worst = std::max(worst, std::abs(x[i] - ref[i]));
  }
  return worst;
}

}  // namespace dattn::check
