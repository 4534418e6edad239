#include "core/env.h"

#include <cstdlib>

#include "core/text.h"

namespace dattn::env {

namespace {
std::string get(const char* name) {
  const char* v = std::getenv(name);
  return v ? text::trim(v) : std::string();
}
}  // namespace

Policy policy() {
  const std::string raw = get("DATTN_STRICT");
  const std::string v = text::lower(raw);
  if (v.empty() || v == "0" || v == "false" || v == "no" || v == "off") return Policy::warn;
  if (v == "1" || v == "true" || v == "yes" || v == "on") return Policy::strict;
  throw Error(ErrorCode::invalid_argument,
              "DATTN_STRICT='" + raw + "': expected 1 (strict) or 0 (warn)");
}

std::string requested_backend() { return get("DATTN_ATTENTION_BACKEND"); }

std::string platform_override() { return get("DATTN_PLATFORM"); }

}  // namespace dattn::env
