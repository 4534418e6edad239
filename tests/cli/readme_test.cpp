// README.md shows the table `dattn backends --markdown` prints; this fails when they differ,
// e.g. after a backend gains a head size. Regenerate it with the command in README.md.
#include <gtest/gtest.h>

#include <fstream>
#include <sstream>
#include <string>

#include "run_cli.h"

namespace dattn::cli_test {
namespace {

constexpr const char* kBegin = "<!-- dattn backends --markdown: begin -->\n";
constexpr const char* kEnd = "<!-- dattn backends --markdown: end -->";

TEST(Readme, BackendTableMatchesTheCli) {
  std::ifstream f(DATTN_README);
  ASSERT_TRUE(f) << DATTN_README;
  std::stringstream ss;
  ss << f.rdbuf();
  const std::string readme = ss.str();
  const size_t begin = readme.find(kBegin);
  const size_t end = readme.find(kEnd);
  ASSERT_NE(begin, std::string::npos) << "README.md lacks the marker " << kBegin;
  ASSERT_NE(end, std::string::npos) << "README.md lacks the marker " << kEnd;
  const std::string table = readme.substr(begin + std::string(kBegin).size(),
                                          end - begin - std::string(kBegin).size());

  const CliResult r = run_dattn({"backends", "--markdown"});
  ASSERT_EQ(r.exit_code, 0) << r.err;
  EXPECT_EQ(table, r.out) << "README.md's backend table is stale; replace it with the output of "
                             "`build/dattn backends --markdown` (python3 scripts/update_readme_table.py)";
}

}  // namespace
}  // namespace dattn::cli_test
