// backend_table(): one row per (platform, backend), from the same probes the selector asks.
#include "dattn/dattn.h"
#include "select/probe.h"
#include "select/registry.h"

namespace dattn {

namespace {

// The representative problem of the table's "available" column: a DiT's head size and dtype.
constexpr int64_t kTableHeadSize = 128;
constexpr DType kTableDType = DType::bf16;

}  // namespace

std::vector<BackendStatus> backend_table() {
  std::vector<BackendStatus> rows;
  for (Platform p : registry::kAllPlatforms) {
    const auto probe = probe::get(p);
    const probe::Verdict present = probe->present();
    for (Backend b : registry::offered(p)) {
      BackendStatus row{p, b, false, {}, probe->head_sizes(b), probe->dtypes(b)};
      if (!present.ok) {
        row.reasons.push_back(std::string(to_string(p)) + " is not present: " + present.reason);
        if (!present.remedy.empty()) row.reasons.push_back("remedy: " + present.remedy);
      } else {
        const probe::Verdict v = probe->available(b, 0, kTableHeadSize, kTableDType);
        row.available = v.ok;
        if (v.ok) {
          row.reasons.push_back("runs on " + probe->describe(0));
        } else {
          row.reasons.push_back(v.reason + " (checked at head_size " +
                                std::to_string(kTableHeadSize) + ", " + to_string(kTableDType) +
                                ")");
          if (!v.remedy.empty()) row.reasons.push_back("remedy: " + v.remedy);
        }
      }
      rows.push_back(std::move(row));
    }
  }
  return rows;
}

}  // namespace dattn
