// dattn: run, inspect and benchmark attention from the command line. `dattn` alone is
// `dattn run`. Library errors print as "dattn: error: <message>" with the exit codes of
// exit_codes.h.
#include <CLI/CLI.hpp>
#include <cstdio>

#include "commands.h"
#include "dattn/dattn.h"
#include "exit_codes.h"

using namespace dattn::cli;

int main(int argc, char** argv) {
  CLI::App app{std::string("dattn ") + dattn::version() +
               ": attention for diffusion transformers. With no command, runs `dattn run`."};
  app.footer(kExitCodeHelp);
  app.require_subcommand(0, 1);

  // One set of shared options, bound to the top level (for `dattn` alone) and to each command.
  CommonArgs common;
  add_common_options(app, common);
  const Action default_action = add_run(app, common);

  struct Command {
    CLI::App* app;
    Action action;
  };
  std::vector<Command> commands;
  CLI::App* run = app.add_subcommand("run", "detect, select, run a workload, check it against fp64");
  add_common_options(*run, common);
  commands.push_back({run, add_run(*run, common)});
  CLI::App* select = app.add_subcommand("select", "the decision and its reasons, without running");
  add_select_options(*select, common);
  commands.push_back({select, add_select(*select, common)});
  CLI::App* backends = app.add_subcommand("backends", "the backend x platform table");
  commands.push_back({backends, add_backends(*backends, common)});
  CLI::App* bench = app.add_subcommand("bench", "measure workloads over backends");
  add_common_options(*bench, common);
  commands.push_back({bench, add_bench(*bench, common)});

  try {
    app.parse(argc, argv);
  } catch (const CLI::ParseError& e) {
    return app.exit(e) == 0 ? kOk : kBadArguments;
  }

  try {
    for (const Command& c : commands) {
      if (c.app->parsed()) return c.action();
    }
    return default_action();
  } catch (const dattn::Error& e) {
    std::fprintf(stderr, "dattn: error: %s\n", e.what());
    return exit_code(e.code());
  } catch (const std::exception& e) {
    std::fprintf(stderr, "dattn: internal error: %s\n", e.what());
    return kInternal;
  }
}
