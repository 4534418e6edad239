// Simulated machines for `dattn select --simulate SPEC` and for tests.
#pragma once

#include <string>

namespace dattn {

// Installs fake probes described by `spec` (replacing any earlier simulation) and clears the
// selection cache. Grammar, comma-separated items, case-insensitive:
//   PLATFORM:present | PLATFORM:absent        (cuda, musa; cpu is always present)
//   PLATFORM.BACKEND:missing | PLATFORM.BACKEND:present   (any backend name or alias)
//   cuda.cc:MAJOR.MINOR                       (compute capability, default 9.0)
// A platform named in the spec is simulated present unless marked absent; one not named keeps
// its real probe. Example: "musa:present,musa.sage_attn:missing,cuda:absent".
// A malformed spec is Error(invalid_argument) quoting the item and this grammar.
void simulate(const std::string& spec);

// Back to the real probes; the selection cache is cleared.
void reset_probes();

}  // namespace dattn
