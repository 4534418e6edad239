#include "support/compare.h"

#include "cpu/convert.h"

namespace dattn::check {

void PrintTo(const Metrics& m, std::ostream* os) {
  *os << "{cosine " << m.cosine << ", rel_l1 " << m.rel_l1 << ", rmse " << m.rmse
      << ", max_abs " << m.max_abs << ", nonfinite " << m.nonfinite << "}";
}

}  // namespace dattn::check

namespace dattn::test {

double rounding_rel_l1(const std::vector<double>& ref, DType dtype) {
  double diff = 0, total = 0;
  for (const double r : ref) {
    const float f = static_cast<float>(r);
    double rounded = f;
    if (dtype == DType::f16) rounded = cpu::half_to_float(cpu::float_to_half(f));
    if (dtype == DType::bf16) rounded = cpu::bf16_to_float(cpu::float_to_bf16(f));
    diff += std::abs(rounded - r);
    total += std::abs(r);
  }
  return total == 0 ? 0 : diff / total;
}

Outcome run_and_compare(HostProblem& hp, const std::function<void(const dattn_problem&)>& kernel) {
  hp.poison();
  kernel(hp.problem());
  const dattn_problem& p = hp.problem();
  const check::Reference ref = check::reference(p, check::all_rows(p));
  Outcome o;
  o.out = check::compare(check::gather_output(p, ref.rows), ref.out);
  if (p.lse != nullptr) o.lse_max_abs = check::lse_max_abs_error(check::gather_lse(p, ref.rows), ref.lse);
  o.rounding_rel_l1 = rounding_rel_l1(ref.out, hp.spec().dtype);
  o.outside_untouched = hp.outside_untouched();
  return o;
}

}  // namespace dattn::test
