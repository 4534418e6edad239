#include "select/registry.h"

#include <algorithm>

#include "core/text.h"

namespace dattn::registry {

const std::vector<std::string>& aliases(Backend b) {
  static const std::vector<std::string> sdpa{"sdpa", "torch_sdpa"};
  static const std::vector<std::string> fa{"fa", "fa3", "fa4", "flash_attn"};
  static const std::vector<std::string> sage{"sage_attn", "sage"};
  switch (b) {
    case Backend::sdpa: return sdpa;
    case Backend::fa: return fa;
    case Backend::sage_attn: return sage;
  }
  throw Error(ErrorCode::internal, "backend value " + std::to_string(static_cast<int>(b)));
}

std::string valid_names() {
  std::vector<std::string> parts;
  for (Backend b : kAllBackends) {
    const auto& a = aliases(b);
    std::string s = a[0];
    if (a.size() > 1) s += " (" + text::join({a.begin() + 1, a.end()}, ", ") + ")";
    parts.push_back(s);
  }
  return text::join(parts, ", ");
}

bool is_auto(const std::string& name) {
  const std::string key = text::lower(text::trim(name));
  return key.empty() || key == "auto";
}

std::optional<Backend> lookup(const std::string& name) {
  const std::string key = text::lower(text::trim(name));
  for (Backend b : kAllBackends) {
    const auto& a = aliases(b);
    if (std::find(a.begin(), a.end(), key) != a.end()) return b;
  }
  return std::nullopt;
}

const std::vector<Backend>& offered(Platform p) {
  // Every platform offers all three: cpu natively, cuda and musa through their kernels
  // (whether those are available is the probes' answer, not the registry's).
  static const std::vector<Backend> all{Backend::sdpa, Backend::fa, Backend::sage_attn};
  switch (p) {
    case Platform::cpu:
    case Platform::cuda:
    case Platform::musa: return all;
  }
  throw Error(ErrorCode::invalid_argument,
              "platform value " + std::to_string(static_cast<int>(p)) + " is not cpu, cuda or musa");
}

bool offers(Platform p, Backend b) {
  const auto& o = offered(p);
  return std::find(o.begin(), o.end(), b) != o.end();
}

Backend default_backend(Platform) { return Backend::fa; }

}  // namespace dattn::registry

namespace dattn {

const char* to_string(Backend b) {
  switch (b) {
    case Backend::sdpa: return "sdpa";
    case Backend::fa: return "fa";
    case Backend::sage_attn: return "sage_attn";
  }
  return "invalid-backend";
}

std::optional<Backend> parse_backend(const std::string& name) {
  if (registry::is_auto(name)) return std::nullopt;
  if (auto b = registry::lookup(name)) return b;
  throw Error(ErrorCode::invalid_argument, "unknown attention backend '" + name +
                                               "'; valid names: " + registry::valid_names() +
                                               ", or auto");
}

}  // namespace dattn
