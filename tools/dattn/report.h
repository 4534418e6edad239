// How a decision, a shape and a measurement are shown, as text and as JSON, so that
// `run`, `select` and `bench` print them the same way.
#pragma once

#include <nlohmann/json.hpp>
#include <ostream>

#include "args.h"
#include "measure.h"

namespace dattn::cli {

nlohmann::ordered_json to_json(const Shape& s);
// platform, requested, backend, fallback, reasons.
nlohmann::ordered_json to_json(const Selection& s);
// seconds, tflops, cosine, rel_l1, rmse, max_abs, nonfinite, rows_checked, bound, passed.
nlohmann::ordered_json measurement_json(const Measurement& m);

// "backend: fa (requested sage_attn: FALLBACK)" and one indented line per reason.
void print_selection(std::ostream& os, const Selection& s);

}  // namespace dattn::cli
