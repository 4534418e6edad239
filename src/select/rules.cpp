#include "select/rules.h"

#include <vector>

#include "core/text.h"
#include "select/registry.h"

namespace dattn::rules {

std::optional<Backend> resolve_request(Platform platform, const std::string& name,
                                       const std::string& origin) {
  if (registry::is_auto(name)) return std::nullopt;
  const std::optional<Backend> b = registry::lookup(name);
  if (b && registry::offers(platform, *b)) return b;
  std::vector<std::string> offered;
  for (Backend o : registry::offered(platform)) offered.push_back(to_string(o));
  throw Error(ErrorCode::invalid_argument,
              "invalid attention backend '" + name + "'" + origin + " for platform " +
                  to_string(platform) + "; valid names: " + registry::valid_names() +
                  ", or auto (" + to_string(platform) + " offers " + text::join(offered, ", ") +
                  ")");
}

namespace {

// The walk through the rules, recording every step.
struct Walk {
  const Input& in;
  const probe::Probe& probe;
  std::vector<std::string> reasons;
  std::vector<std::string> failures;  // "<backend> unavailable: <reason> (remedy: <remedy>)"

  std::string where() const {
    return std::string(to_string(in.platform)) + ":" + std::to_string(in.device) +
           " for head_size " + std::to_string(in.head_size) + ", " + to_string(in.dtype);
  }

  bool usable(Backend b, const char* next) {
    const probe::Verdict v = probe.available(b, in.device, in.head_size, in.dtype);
    if (v.ok) {
      reasons.push_back(std::string(to_string(b)) + " is available on " + where());
      return true;
    }
    std::string failure = std::string(to_string(b)) + " unavailable: " + v.reason;
    if (!v.remedy.empty()) failure += " (remedy: " + v.remedy + ")";
    failures.push_back(failure);
    reasons.push_back(next ? failure + "; falling back to " + next : failure);
    return false;
  }
};

}  // namespace

Decision decide(const Input& in, const probe::Probe& probe) {
  const std::string platform = to_string(in.platform);
  if (in.head_size <= 0)
    throw Error(ErrorCode::invalid_argument,
                "head_size must be positive, got " + std::to_string(in.head_size));
  if (static_cast<int>(in.dtype) < 0 || static_cast<int>(in.dtype) > 2)
    throw Error(ErrorCode::invalid_argument, "dtype: expected f32, f16 or bf16, got value " +
                                                 std::to_string(static_cast<int>(in.dtype)));
  const probe::Verdict present = probe.present();
  if (!present.ok)
    throw Error(ErrorCode::no_backend,
                "no attention backend available on " + platform + ": " + platform +
                    " is not present: " + present.reason +
                    (present.remedy.empty() ? "" : " (remedy: " + present.remedy + ")"));

  Walk w{in, probe, {}, {}};
  Backend candidate = registry::default_backend(in.platform);
  bool chosen = false;
  if (!in.requested) {  // rule 3, nothing requested
    w.reasons.push_back(std::string("no backend requested: ") + to_string(candidate) +
                        " is the " + platform + " default");
  } else if (*in.requested == Backend::sdpa) {  // rule 1
    w.reasons.push_back("sdpa requested");
    candidate = Backend::sdpa;
  } else if (*in.requested == Backend::sage_attn) {  // rule 2
    w.reasons.push_back("sage_attn requested");
    chosen = w.usable(Backend::sage_attn, "fa");
    candidate = chosen ? Backend::sage_attn : Backend::fa;
  } else {  // rule 3
    w.reasons.push_back("fa requested");
    candidate = Backend::fa;
  }
  if (!chosen && candidate == Backend::fa) {  // rule 5
    chosen = w.usable(Backend::fa, "sdpa");
    if (!chosen) candidate = Backend::sdpa;
  }
  if (!chosen && !w.usable(Backend::sdpa, nullptr))  // rule 6
    throw Error(ErrorCode::unsupported, "no attention backend available on " + w.where() + ": " +
                                            text::join(w.failures, "; "));

  Decision d;
  Selection& s = d.selection;
  s.platform = in.platform;
  s.requested = in.requested ? to_string(*in.requested) : "auto";
  s.backend = candidate;
  // A request for nothing still expects the platform default: missing it is a fallback too,
  // because it is the same performance cliff the user must hear about.
  s.fallback = candidate != (in.requested ? *in.requested : registry::default_backend(in.platform));
  s.reasons = std::move(w.reasons);
  if (s.fallback)
    d.fallback_message = "attention backend fallback on " + w.where() + ": requested " +
                         s.requested + " -> chosen " + to_string(candidate) + ": " +
                         text::join(w.failures, "; ");
  return d;
}

}  // namespace dattn::rules
