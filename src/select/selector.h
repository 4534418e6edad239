// Selection with its policy, cache and log: select() and detect_platform() of dattn.h live in
// selector.cpp. Internal entry points for the dispatcher and the probe registry are here.
#pragma once

#include <string>
#include <vector>

#include "dattn/types.h"

namespace dattn::selector {

// Forgets every cached decision and every "already warned" mark (probes changed).
void clear_cache();

// The sage_attn P·V precision for this device, under the policy: a fallback is logged once per
// key at WARNING (warn) or thrown as Error(fallback_refused) (strict). Appends the reason.
SagePV sage_pv(Platform platform, int device, SagePV requested, Policy policy,
               std::vector<std::string>& reasons);

// A fallback that depends on the call rather than on the cached key (e.g. the alignment of a
// view): logged once per distinct message at WARNING (warn), or Error(fallback_refused) (strict).
void per_call_fallback(const std::string& message, Policy policy);

// The policy of a request: explicit, else DATTN_STRICT.
Policy policy_or_env(const std::optional<Policy>& policy);

}  // namespace dattn::selector
