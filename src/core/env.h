// The environment variables that change behaviour (docs/semantics.md lists them all).
// Read on every call, so a test or a long-running process may change them between calls.
#pragma once

#include <string>

#include "dattn/types.h"

namespace dattn::env {

// DATTN_STRICT: 1/true/yes/on -> strict; unset, empty, 0/false/no/off -> warn.
// Anything else is Error(invalid_argument) naming the variable.
Policy policy();

// DATTN_ATTENTION_BACKEND, or "" when unset.
std::string requested_backend();

// DATTN_PLATFORM, or "" when unset.
std::string platform_override();

}  // namespace dattn::env
