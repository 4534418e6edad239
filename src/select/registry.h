// The registry of backend names: canonical names, aliases, and what each platform offers.
// A new backend adds one row here, one capability function, and its tests.
#pragma once

#include <optional>
#include <string>
#include <vector>

#include "dattn/types.h"

namespace dattn::registry {

inline constexpr Backend kAllBackends[] = {Backend::sdpa, Backend::fa, Backend::sage_attn};
inline constexpr Platform kAllPlatforms[] = {Platform::cpu, Platform::cuda, Platform::musa};

// Accepted names of a backend, canonical first.
const std::vector<std::string>& aliases(Backend b);

// "sdpa (torch_sdpa), fa (fa3, fa4, flash_attn), sage_attn (sage)".
std::string valid_names();

// The backend a name means, or nullopt when no backend has that name. "" and "auto" are not
// names (callers handle them first).
std::optional<Backend> lookup(const std::string& name);

// Backends the platform offers, in its order of preference for the rules' fallbacks.
const std::vector<Backend>& offered(Platform p);
bool offers(Platform p, Backend b);

// The platform default when nothing is requested.
Backend default_backend(Platform p);

bool is_auto(const std::string& name);

}  // namespace dattn::registry
