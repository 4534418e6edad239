// Runs another program (python3 for --plot) without a shell, so paths need no quoting.
#pragma once

#include <string>
#include <vector>

namespace dattn::cli {

// The program's exit status; -1 when it could not be started or did not exit normally.
// `quiet` sends its stdout and stderr to /dev/null.
int run_process(const std::vector<std::string>& argv, bool quiet);

}  // namespace dattn::cli
