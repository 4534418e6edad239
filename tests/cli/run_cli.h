// Runs the dattn executable as a user would and captures what it prints.
#pragma once

#include <string>
#include <vector>

namespace dattn::cli_test {

struct CliResult {
  int exit_code = -1;
  std::string out;  // stdout
  std::string err;  // stderr
};

// Runs `dattn ARGS...` with the DATTN_* variables of `env` ("NAME=value") set and every other
// DATTN_* variable that changes selection unset, so that the caller's shell cannot sway a test.
CliResult run_dattn(const std::vector<std::string>& args, const std::vector<std::string>& env = {});

}  // namespace dattn::cli_test
