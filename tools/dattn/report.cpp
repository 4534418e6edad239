#include "report.h"

namespace dattn::cli {

nlohmann::ordered_json to_json(const Shape& s) {
  return {{"batch", s.batch},   {"heads_q", s.heads_q}, {"heads_kv", s.heads_kv},
          {"seq_q", s.seq_q},   {"seq_kv", s.seq_kv},   {"head_dim", s.head_dim}};
}

nlohmann::ordered_json to_json(const Selection& s) {
  return {{"platform", to_string(s.platform)},
          {"requested", s.requested},
          {"backend", to_string(s.backend)},
          {"fallback", s.fallback},
          {"reasons", s.reasons}};
}

nlohmann::ordered_json measurement_json(const Measurement& m) {
  return {{"seconds", m.seconds},
          {"tflops", m.tflops},
          {"cosine", m.metrics.cosine},
          {"rel_l1", m.metrics.rel_l1},
          {"rmse", m.metrics.rmse},
          {"max_abs", m.metrics.max_abs},
          {"nonfinite", m.metrics.nonfinite},
          {"rows_checked", m.rows_checked},
          {"bound", {{"min_cosine", m.bound.min_cosine}, {"max_rel_l1", m.bound.max_rel_l1}}},
          {"passed", m.passed}};
}

void print_selection(std::ostream& os, const Selection& s) {
  os << "platform: " << to_string(s.platform) << "\n"
     << "requested: " << s.requested << "\n"
     << "backend: " << to_string(s.backend) << (s.fallback ? " (FALLBACK)" : "") << "\n"
     << "reasons:\n";
  for (const std::string& r : s.reasons) os << "  - " << r << "\n";
}

}  // namespace dattn::cli
