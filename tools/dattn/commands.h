// The commands of dattn. Each add_* adds its own options to `cmd` and returns the action
// main() runs when the command is chosen; the action returns the exit code (exit_codes.h)
// and lets dattn::Error propagate for main() to print.
#pragma once

#include <functional>

#include "args.h"

namespace dattn::cli {

using Action = std::function<int()>;

Action add_run(CLI::App& cmd, CommonArgs& common);
Action add_select(CLI::App& cmd, CommonArgs& common);
Action add_backends(CLI::App& cmd, CommonArgs& common);
Action add_bench(CLI::App& cmd, CommonArgs& common);

}  // namespace dattn::cli
