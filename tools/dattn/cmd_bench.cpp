// `dattn bench`: the workloads of DESIGN.md (or --shape) over chosen backends. Each backend runs
// in strict mode so that a row always measures the kernel it names; one that cannot run on
// this machine is reported as skipped with the reason. Output: a text table or JSON on stdout,
// CSV with --csv, a chart with --plot.
#include <unistd.h>

#include <CLI/CLI.hpp>
#include <cstdio>
#include <filesystem>
#include <fstream>
#include <iostream>
#include <memory>
#include <optional>
#include <random>
#include <set>
#include <string>

#include "commands.h"
#include "core/text.h"
#include "exit_codes.h"
#include "measure.h"
#include "process.h"
#include "report.h"
#include "workloads.h"

namespace dattn::cli {

namespace {

struct BenchArgs {
  std::string backends = "sdpa,fa,sage_attn";
  std::string csv;
  std::string plot;
  int warmup = 1;
  int runs = 7;
  int64_t check_rows = 128;
};

struct Row {
  Workload workload;
  std::string requested;
  std::optional<Measurement> measurement;
  std::string skipped;  // why it could not run
};

std::string csv_field(const std::string& s) {
  if (s.find_first_of(",\"\n") == std::string::npos) return s;
  std::string quoted = "\"";
  for (char c : s) quoted += c == '"' ? std::string("\"\"") : std::string(1, c);
  return quoted + "\"";
}

void write_csv(const std::string& path, const std::vector<Row>& rows, const MeasureSpec& spec) {
  std::ofstream f(path);
  if (!f) throw Error(ErrorCode::invalid_argument, "--csv: cannot write '" + path + "'");
  f << "workload,shape,dtype,causal,requested,backend,fallback,seconds,tflops,cosine,rel_l1,rmse,"
       "max_abs,passed,skipped\n";
  for (const Row& r : rows) {
    f << csv_field(r.workload.name) << "," << csv_field(to_string(r.workload.shape)) << ","
      << to_string(spec.dtype) << "," << spec.options.causal << "," << r.requested << ",";
    if (const auto& m = r.measurement) {
      f << to_string(m->selection.backend) << "," << m->selection.fallback << "," << m->seconds << ","
        << m->tflops << "," << m->metrics.cosine << "," << m->metrics.rel_l1 << "," << m->metrics.rmse
        << "," << m->metrics.max_abs << "," << m->passed << ",";
    } else {
      f << ",,,,,,,,,";
    }
    f << csv_field(r.skipped) << "\n";
  }
}

// bench/plot.py beside the installed CLI, else in the source tree this CLI was built from.
std::optional<std::string> plot_script() {
  for (const char* path : {DATTN_INSTALLED_PLOT_SCRIPT, DATTN_SOURCE_PLOT_SCRIPT}) {
    if (std::filesystem::exists(path)) return path;
  }
  return std::nullopt;
}

// Fails before the (long) benchmark rather than after it.
std::optional<std::string> plot_unavailable() {
  if (!plot_script()) return std::string("bench/plot.py is neither installed nor in the source tree");
  if (run_process({"python3", "-c", "import matplotlib"}, true) != 0) {
    return std::string("it needs python3 with matplotlib (pip install matplotlib)");
  }
  return std::nullopt;
}

class Progress {
 public:
  Progress(size_t total) : total_(total), tty_(isatty(STDOUT_FILENO) == 1) {}
  void show(size_t done, const std::string& what) const {
    if (!tty_) {  // a log, not a terminal: a line per row, so a long run shows where it is
      std::fprintf(stderr, "dattn bench: %zu/%zu %s\n", done + 1, total_, what.c_str());
      return;
    }
    constexpr size_t kWidth = 30;
    const size_t filled = total_ ? done * kWidth / total_ : kWidth;
    std::printf("\r\033[K[%s%s] %zu/%zu %s", std::string(filled, '#').c_str(),
                std::string(kWidth - filled, ' ').c_str(), done, total_, what.c_str());
    std::fflush(stdout);
  }
  void clear() const {
    if (tty_) std::printf("\r\033[K");
  }

 private:
  size_t total_;
  bool tty_;
};

void print_table(const std::vector<Row>& rows) {
  std::printf("%-18s %-22s %-10s %-10s %10s %8s %9s %9s  %s\n", "workload", "B,HQ,HKV,SQ,SK,D",
              "requested", "backend", "ms", "TFLOPS", "cosine", "rel_l1", "check");
  for (const Row& r : rows) {
    std::printf("%-18s %-22s %-10s ", r.workload.name.c_str(), to_string(r.workload.shape).c_str(),
                r.requested.c_str());
    if (const auto& m = r.measurement) {
      std::printf("%-10s %10.3f %8.3f %9.6f %9.2e  %s\n", to_string(m->selection.backend),
                  m->seconds * 1e3, m->tflops, m->metrics.cosine, m->metrics.rel_l1,
                  m->passed ? "ok" : "FAILED");
    } else {
      std::printf("skipped: %s\n", r.skipped.c_str());
    }
  }
  // Each distinct note once, after the table: a bound that explains its own misses.
  std::set<std::string> notes;
  for (const Row& r : rows) {
    if (r.measurement && !r.measurement->passed && r.measurement->bound.note_on_failure &&
        notes.insert(r.measurement->bound.note_on_failure).second) {
      std::printf("note: %s\n", r.measurement->bound.note_on_failure);
    }
  }
}

int bench(const CommonArgs& common, const BenchArgs& args) {
  MeasureSpec spec;
  spec.platform = common.resolved_platform();
  spec.dtype = common.resolved_dtype();
  spec.options.layout = common.resolved_layout();
  spec.options.causal = common.causal;
  spec.options.sage_pv = common.resolved_sage_pv();
  spec.options.policy = Policy::strict;
  spec.warmup = args.warmup;
  spec.runs = args.runs;
  spec.check_rows = args.check_rows;

  std::vector<std::string> backends;
  for (const std::string& name : text::split(common.backend.empty() ? args.backends : common.backend, ',')) {
    const std::optional<Backend> b = parse_backend(name);
    if (!b) throw Error(ErrorCode::invalid_argument, "--backends: expected backend names, got '" + name + "'");
    backends.push_back(to_string(*b));
  }
  std::vector<Workload> workloads;
  for (const std::string& s : common.shapes) workloads.push_back({s, parse_shape(s)});
  if (workloads.empty()) workloads = default_workloads(spec.platform);
  if (!args.plot.empty()) {
    if (const auto why = plot_unavailable()) {
      std::fprintf(stderr, "dattn: error: --plot: %s\n", why->c_str());
      return kPlotFailed;
    }
  }

  std::vector<Row> rows;
  Progress progress(workloads.size() * backends.size());
  std::random_device seeds;
  for (const Workload& w : workloads) {
    for (const std::string& backend : backends) {
      progress.show(rows.size(), w.name + " " + backend);
      spec.shape = w.shape;
      spec.options.backend = backend;
      spec.seed = seeds();
      Row row{w, backend, std::nullopt, ""};
      try {
        row.measurement = measure(spec);
      } catch (const Error& e) {
        // A backend this machine cannot run is a result to report, not a reason to stop.
        if (e.code() != ErrorCode::fallback_refused && e.code() != ErrorCode::unsupported &&
            e.code() != ErrorCode::no_backend) {
          progress.clear();
          throw;
        }
        row.skipped = e.what();
      }
      rows.push_back(std::move(row));
    }
  }
  progress.clear();

  if (common.json) {
    nlohmann::ordered_json j = nlohmann::ordered_json::array();
    for (const Row& r : rows) {
      nlohmann::ordered_json o = {{"workload", r.workload.name}, {"shape", to_json(r.workload.shape)},
                          {"dtype", to_string(spec.dtype)}, {"requested", r.requested}};
      if (r.measurement) {
        o.update(to_json(r.measurement->selection));
        o.update(measurement_json(*r.measurement));
      } else {
        o["skipped"] = r.skipped;
      }
      j.push_back(o);
    }
    std::cout << j.dump(2) << "\n";
  } else {
    print_table(rows);
  }

  if (!args.csv.empty()) write_csv(args.csv, rows, spec);
  if (!args.plot.empty()) {
    const std::string csv = args.csv.empty() ? args.plot + ".csv" : args.csv;
    if (args.csv.empty()) write_csv(csv, rows, spec);
    const int rc = run_process({"python3", *plot_script(), csv, args.plot}, false);
    if (args.csv.empty()) std::filesystem::remove(csv);
    if (rc != 0) {
      std::fprintf(stderr, "dattn: error: --plot: bench/plot.py exited with %d\n", rc);
      return kPlotFailed;
    }
  }
  for (const Row& r : rows) {
    if (r.measurement && !r.measurement->passed) return kCheckFailed;
  }
  return kOk;
}

}  // namespace

Action add_bench(CLI::App& cmd, CommonArgs& common) {
  auto args = std::make_shared<BenchArgs>();
  cmd.add_option("--backends", args->backends, "comma-separated backends to measure")
      ->capture_default_str();
  cmd.add_option("--csv", args->csv, "also write the results as CSV to this file");
  cmd.add_option("--plot", args->plot, "draw throughput per workload and backend into this PNG");
  cmd.add_option("--runs", args->runs, "timed runs per measurement; the median is reported")
      ->capture_default_str();
  cmd.add_option("--warmup", args->warmup, "untimed runs first")->capture_default_str();
  cmd.add_option("--check-rows", args->check_rows, "query rows compared with the fp64 reference")
      ->capture_default_str();
  return [&common, args] { return bench(common, *args); };
}

}  // namespace dattn::cli
