// `dattn` / `dattn run`: the main job. Detect the platform, select, run a default (or the
// given) workload on random inputs, time it, check it against fp64 and say what ran and why.
#include <CLI/CLI.hpp>
#include <cstdio>
#include <iostream>
#include <memory>
#include <random>

#include "commands.h"
#include "exit_codes.h"
#include "measure.h"
#include "report.h"

namespace dattn::cli {

namespace {

// Flux.1 at 1024px on a GPU. On a CPU a smaller shape, so that the default run (warm-up,
// 7 timed runs, the check) finishes in a few seconds on 2 cores.
constexpr const char* kGpuDefaultShape = "1,24,4608,128";
constexpr const char* kCpuDefaultShape = "1,8,1024,128";

struct RunArgs {
  int warmup = 1;
  int runs = 7;
  int64_t check_rows = 512;
  uint64_t seed = 0;
  bool seed_given = false;
};

int run(const CommonArgs& common, const RunArgs& args) {
  if (common.shapes.size() > 1) {
    throw Error(ErrorCode::invalid_argument, "--shape: `dattn run` takes one shape (bench takes several)");
  }
  MeasureSpec spec;
  spec.platform = common.resolved_platform();
  spec.shape = parse_shape(!common.shapes.empty() ? common.shapes[0]
                           : spec.platform == Platform::cpu ? kCpuDefaultShape
                                                            : kGpuDefaultShape);
  spec.dtype = common.resolved_dtype();
  spec.options.layout = common.resolved_layout();
  spec.options.causal = common.causal;
  spec.options.backend = common.backend;
  spec.options.policy = common.policy();
  spec.options.sage_pv = common.resolved_sage_pv();
  spec.warmup = args.warmup;
  spec.runs = args.runs;
  spec.check_rows = args.check_rows;
  spec.seed = args.seed_given ? args.seed : std::random_device{}();

  const Measurement m = measure(spec);

  if (common.json) {
    nlohmann::ordered_json j = to_json(m.selection);
    j["shape"] = to_json(spec.shape);
    j["dtype"] = to_string(spec.dtype);
    j["layout"] = to_string(spec.options.layout);
    j["causal"] = spec.options.causal;
    j["sage_pv"] = to_string(spec.options.sage_pv);
    j["runs"] = spec.runs;
    j["seed"] = spec.seed;
    j.update(measurement_json(m));
    std::cout << j.dump(2) << "\n";
  } else {
    print_selection(std::cout, m.selection);
    std::printf("shape: B,HQ,HKV,SQ,SK,D = %s  %s %s%s\n", to_string(spec.shape).c_str(),
                to_string(spec.dtype), to_string(spec.options.layout),
                spec.options.causal ? " causal" : "");
    std::printf("time: %.3f ms (median of %d runs after %d warm-up)\n", m.seconds * 1e3, spec.runs,
                spec.warmup);
    std::printf("throughput: %.3f TFLOPS\n", m.tflops);
    std::printf("check vs fp64 on %lld sampled query rows: cosine %.6f  rel_l1 %.3g  rmse %.3g  "
                "max_abs %.3g\n",
                static_cast<long long>(m.rows_checked), m.metrics.cosine, m.metrics.rel_l1,
                m.metrics.rmse, m.metrics.max_abs);
    std::printf("%s (bound: cosine >= %g, rel_l1 <= %g)\n", m.passed ? "PASSED" : "FAILED",
                m.bound.min_cosine, m.bound.max_rel_l1);
    if (!m.passed && m.bound.note_on_failure) std::printf("note: %s\n", m.bound.note_on_failure);
  }
  return m.passed ? kOk : kCheckFailed;
}

}  // namespace

Action add_run(CLI::App& cmd, CommonArgs& common) {
  auto args = std::make_shared<RunArgs>();
  cmd.add_option("--runs", args->runs, "timed runs; the median is reported")->capture_default_str();
  cmd.add_option("--warmup", args->warmup, "untimed runs first")->capture_default_str();
  cmd.add_option("--check-rows", args->check_rows, "query rows compared with the fp64 reference")
      ->capture_default_str();
  CLI::Option* seed = cmd.add_option("--seed", args->seed, "seed of the random inputs (default: fresh each run)");
  return [&common, args, seed] {
    args->seed_given = seed->count() > 0;
    return run(common, *args);
  };
}

}  // namespace dattn::cli
