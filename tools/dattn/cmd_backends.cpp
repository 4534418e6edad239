// `dattn backends`: the backend × platform table. The plain table is this build on this
// machine (available or not, and why); --markdown prints only what does not depend on the
// machine (names, head sizes, dtypes per platform), which is the table README.md shows, so
// that the README check passes on every machine and build.
#include <CLI/CLI.hpp>
#include <algorithm>
#include <iostream>
#include <memory>

#include "commands.h"
#include "dattn/dattn.h"
#include "exit_codes.h"
#include "report.h"
#include "select/registry.h"

namespace dattn::cli {

namespace {

struct BackendsArgs {
  bool markdown = false;
};

const BackendStatus* find(const std::vector<BackendStatus>& rows, Platform p, Backend b) {
  const auto it = std::find_if(rows.begin(), rows.end(),
                               [&](const BackendStatus& r) { return r.platform == p && r.backend == b; });
  return it == rows.end() ? nullptr : &*it;
}

void print_markdown(const std::vector<BackendStatus>& rows) {
  std::cout << "| backend | names |";
  for (Platform p : registry::kAllPlatforms) std::cout << " " << to_string(p) << " |";
  std::cout << "\n|---|---|";
  for (size_t i = 0; i < std::size(registry::kAllPlatforms); ++i) std::cout << "---|";
  std::cout << "\n";
  for (Backend b : registry::kAllBackends) {
    std::cout << "| `" << to_string(b) << "` |";
    for (const std::string& name : registry::aliases(b)) std::cout << " `" << name << "`";
    std::cout << " |";
    for (Platform p : registry::kAllPlatforms) {
      const BackendStatus* r = find(rows, p, b);
      if (r) {
        std::cout << " head sizes: " << r->head_sizes << "<br>dtypes: " << r->dtypes
                  << (registry::default_backend(p) == b ? "<br>**default**" : "") << " |";
      } else {
        std::cout << " not offered |";
      }
    }
    std::cout << "\n";
  }
}

void print_text(const std::vector<BackendStatus>& rows) {
  for (const BackendStatus& r : rows) {
    std::cout << to_string(r.platform) << " " << to_string(r.backend) << ": "
              << (r.available ? "available" : "unavailable") << "  (head sizes " << r.head_sizes
              << "; dtypes " << r.dtypes << ")\n";
    for (const std::string& reason : r.reasons) std::cout << "    " << reason << "\n";
  }
}

int backends_command(const CommonArgs& common, const BackendsArgs& args) {
  const std::vector<BackendStatus> rows = backend_table();
  if (common.json) {
    nlohmann::ordered_json j = nlohmann::ordered_json::array();
    for (const BackendStatus& r : rows) {
      j.push_back({{"platform", to_string(r.platform)},
                   {"backend", to_string(r.backend)},
                   {"available", r.available},
                   {"reasons", r.reasons},
                   {"head_sizes", r.head_sizes},
                   {"dtypes", r.dtypes}});
    }
    std::cout << j.dump(2) << "\n";
  } else if (args.markdown) {
    print_markdown(rows);
  } else {
    print_text(rows);
  }
  return kOk;
}

}  // namespace

Action add_backends(CLI::App& cmd, CommonArgs& common) {
  auto args = std::make_shared<BackendsArgs>();
  cmd.add_flag("--markdown", args->markdown,
               "the machine-independent table of README.md (names, head sizes, dtypes)");
  cmd.add_flag("--json", common.json, "print the table as JSON");
  return [&common, args] { return backends_command(common, *args); };
}

}  // namespace dattn::cli
