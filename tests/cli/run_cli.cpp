#include "run_cli.h"

#include <sys/wait.h>

#include <cstdio>
#include <filesystem>
#include <fstream>
#include <sstream>
#include <stdexcept>
#include <unistd.h>

namespace dattn::cli_test {

namespace {

std::string quote(const std::string& s) {
  std::string q = "'";
  for (char c : s) q += c == '\'' ? std::string("'\\''") : std::string(1, c);
  return q + "'";
}

std::string slurp(const std::filesystem::path& p) {
  std::ifstream f(p);
  std::stringstream ss;
  ss << f.rdbuf();
  return ss.str();
}

}  // namespace

CliResult run_dattn(const std::vector<std::string>& args, const std::vector<std::string>& env) {
  const auto dir = std::filesystem::temp_directory_path();
  const std::string stem = "dattn_cli_test_" + std::to_string(getpid()) + "_";
  const auto out_path = dir / (stem + "out");
  const auto err_path = dir / (stem + "err");
  std::string cmd = "env -u DATTN_ATTENTION_BACKEND -u DATTN_STRICT -u DATTN_PLATFORM "
                    "-u DATTN_LOG_LEVEL -u DATTN_CUDA_MODULE";
  for (const std::string& e : env) cmd += " " + quote(e);
  cmd += " " + quote(DATTN_CLI);
  for (const std::string& a : args) cmd += " " + quote(a);
  cmd += " >" + quote(out_path.string()) + " 2>" + quote(err_path.string()) + " </dev/null";
  const int status = std::system(cmd.c_str());
  if (status == -1 || !WIFEXITED(status)) throw std::runtime_error("could not run: " + cmd);
  CliResult r{WEXITSTATUS(status), slurp(out_path), slurp(err_path)};
  std::filesystem::remove(out_path);
  std::filesystem::remove(err_path);
  return r;
}

}  // namespace dattn::cli_test
