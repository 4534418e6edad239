// The selection rules of DESIGN.md as one pure function: no cache, no log, no policy. The
// selector (selector.h) adds those. Same rules for every platform; the probes supply the facts.
#pragma once

#include <optional>
#include <string>

#include "dattn/types.h"
#include "select/probe.h"

namespace dattn::rules {

// Rule 4: the backend a request names on this platform; nullopt for "" / "auto". An unknown
// name, or one the platform does not offer, is Error(invalid_argument)
// "invalid attention backend 'X' for platform P" followed by the valid names. `origin` says
// where the name came from (e.g. " (from DATTN_ATTENTION_BACKEND)").
std::optional<Backend> resolve_request(Platform platform, const std::string& name,
                                       const std::string& origin = "");

struct Input {
  Platform platform = Platform::cpu;
  std::optional<Backend> requested;  // nullopt: the platform default
  int device = 0;
  int64_t head_size = 0;
  DType dtype = DType::bf16;
};

struct Decision {
  Selection selection;
  // One line naming requested -> chosen, each reason and each remedy; empty without fallback.
  std::string fallback_message;
};

// Rules 1-3, 5, 6. Throws Error(no_backend) when the platform is not present, and
// Error(unsupported) when it is but no backend handles this head size and dtype.
Decision decide(const Input& in, const probe::Probe& probe);

}  // namespace dattn::rules
