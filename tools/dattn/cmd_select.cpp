// `dattn select`: the decision and its reasons without running anything. --simulate stands in
// for a machine one does not have (a MUSA or CUDA device, a missing kernel).
#include <CLI/CLI.hpp>
#include <iostream>
#include <memory>

#include "commands.h"
#include "dattn/dattn.h"
#include "exit_codes.h"
#include "report.h"
#include "select/simulate.h"

namespace dattn::cli {

namespace {

struct SelectArgs {
  int64_t head_size = 128;
  std::string simulate;
};

int select_command(const CommonArgs& common, const SelectArgs& args) {
  if (!args.simulate.empty()) simulate(args.simulate);
  SelectQuery query;
  if (!common.platform.empty()) query.platform = parse_platform(common.platform);
  query.requested = common.backend;
  query.head_size = args.head_size;
  query.dtype = common.resolved_dtype();
  query.policy = common.policy();
  const Selection s = select(query);
  if (common.json) {
    nlohmann::ordered_json j = to_json(s);
    j["head_size"] = args.head_size;
    j["dtype"] = to_string(query.dtype);
    if (!args.simulate.empty()) j["simulated"] = args.simulate;
    std::cout << j.dump(2) << "\n";
  } else {
    if (!args.simulate.empty()) std::cout << "simulated: " << args.simulate << "\n";
    print_selection(std::cout, s);
  }
  return kOk;
}

}  // namespace

Action add_select(CLI::App& cmd, CommonArgs& common) {
  auto args = std::make_shared<SelectArgs>();
  cmd.add_option("--head-size", args->head_size, "head dimension D")->capture_default_str();
  cmd.add_option("--simulate", args->simulate,
                 "pretend platforms and kernels, e.g. musa:present,musa.sage_attn:missing "
                 "(items: P:present|absent, P.BACKEND:missing|present, cuda.cc:MAJOR.MINOR, cuda.fp8:missing|present)");
  return [&common, args] { return select_command(common, *args); };
}

}  // namespace dattn::cli
