// Test helpers for the selection system: a log capture, environment guards, and a probe whose
// answers the test sets directly.
#pragma once

#include <gtest/gtest.h>
#include <spdlog/sinks/base_sink.h>

#include <cstdlib>
#include <map>
#include <memory>
#include <mutex>
#include <optional>
#include <string>
#include <vector>

#include "core/log.h"
#include "dattn/dattn.h"
#include "select/probe.h"
#include "select/simulate.h"

namespace dattn::test {

struct LogLine {
  spdlog::level::level_enum level;
  std::string text;
};

// Collects what the "dattn" logger prints while alive.
class LogCapture {
 public:
  LogCapture() : sink_(std::make_shared<Sink>()) {
    auto& l = log::logger();
    old_level_ = l.level();
    l.set_level(spdlog::level::trace);
    l.sinks().push_back(sink_);
  }
  ~LogCapture() {
    auto& sinks = log::logger().sinks();
    std::erase(sinks, std::static_pointer_cast<spdlog::sinks::sink>(sink_));
    log::logger().set_level(old_level_);
  }
  std::vector<LogLine> lines(spdlog::level::level_enum level) const {
    std::lock_guard lock(sink_->lines_mutex);
    std::vector<LogLine> r;
    for (const auto& l : sink_->lines)
      if (l.level == level) r.push_back(l);
    return r;
  }
  std::vector<LogLine> warnings() const { return lines(spdlog::level::warn); }
  std::vector<LogLine> infos() const { return lines(spdlog::level::info); }

 private:
  struct Sink : spdlog::sinks::base_sink<std::mutex> {
    std::mutex lines_mutex;
    std::vector<LogLine> lines;
    void sink_it_(const spdlog::details::log_msg& msg) override {
      std::lock_guard lock(lines_mutex);
      lines.push_back({msg.level, std::string(msg.payload.data(), msg.payload.size())});
    }
    void flush_() override {}
  };
  std::shared_ptr<Sink> sink_;
  spdlog::level::level_enum old_level_;
};

// Sets (or unsets, with nullopt) an environment variable and restores it.
class EnvGuard {
 public:
  EnvGuard(const char* name, std::optional<std::string> value) : name_(name) {
    if (const char* old = std::getenv(name)) old_ = old;
    if (value) setenv(name, value->c_str(), 1);
    else unsetenv(name);
  }
  ~EnvGuard() {
    if (old_) setenv(name_, old_->c_str(), 1);
    else unsetenv(name_);
  }

 private:
  const char* name_;
  std::optional<std::string> old_;
};

// The selection variables cleared, so a developer's shell does not change a test's outcome.
struct CleanEnv {
  EnvGuard strict{"DATTN_STRICT", std::nullopt};
  EnvGuard backend{"DATTN_ATTENTION_BACKEND", std::nullopt};
  EnvGuard platform{"DATTN_PLATFORM", std::nullopt};
};

// A probe whose every answer the test states: platform presence and, per backend, a verdict
// that ignores head size and dtype (the capability matrix tests those separately).
class ScriptedProbe final : public probe::Probe {
 public:
  probe::Verdict presence{true, "scripted present", ""};
  std::map<Backend, probe::Verdict> backends;  // absent key: available
  std::optional<int> cc;
  probe::Verdict fp8_image{true, "", ""};

  probe::Verdict present() const override { return presence; }
  probe::Verdict available(Backend b, int, int64_t, DType) const override {
    auto it = backends.find(b);
    return it == backends.end() ? probe::Verdict{true, "", ""} : it->second;
  }
  std::optional<int> compute_capability(int) const override { return cc; }
  probe::Verdict sage_fp8_image(int) const override { return fp8_image; }
  std::string describe(int) const override { return "scripted device"; }
  std::string head_sizes(Backend) const override { return "scripted"; }
  std::string dtypes(Backend) const override { return "scripted"; }
};

// Installs probes for one test and restores the real ones afterwards.
struct ProbeScope {
  ~ProbeScope() { reset_probes(); }
  void install(Platform p, std::shared_ptr<const probe::Probe> probe) {
    probe::set(p, std::move(probe));
  }
};

inline SelectQuery query(Platform p, std::string requested, int64_t head = 128,
                         DType dtype = DType::bf16, std::optional<Policy> policy = Policy::warn) {
  SelectQuery q;
  q.platform = p;
  q.requested = std::move(requested);
  q.head_size = head;
  q.dtype = dtype;
  q.policy = policy;
  return q;
}

// Runs `f` and returns the message of the dattn::Error it throws; a missing error, another
// code or another exception type fails the calling test.
template <typename F>
std::string error_of(F&& f, ErrorCode code) {
  try {
    f();
  } catch (const Error& e) {
    if (e.code() != code)
      ADD_FAILURE() << "expected error code " << static_cast<int>(code) << ", got "
                    << static_cast<int>(e.code()) << ": " << e.what();
    return e.what();
  } catch (const std::exception& e) {
    ADD_FAILURE() << "expected dattn::Error, got std::exception: " << e.what();
    return "";
  }
  ADD_FAILURE() << "expected dattn::Error with code " << static_cast<int>(code) << ", none thrown";
  return "";
}

}  // namespace dattn::test
