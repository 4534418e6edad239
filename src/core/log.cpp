#include "core/log.h"

#include <spdlog/sinks/stdout_color_sinks.h>
#include <spdlog/spdlog.h>

#include <cstdlib>
#include <string>

#include "core/text.h"

namespace dattn::log {

namespace {

std::shared_ptr<spdlog::logger> make_logger() {
  // Reuse a logger an embedding application (or a second copy of the core) registered first,
  // so that its sinks and level stay in force.
  if (auto existing = spdlog::get("dattn")) return existing;
  auto l = std::make_shared<spdlog::logger>(
      "dattn", std::make_shared<spdlog::sinks::stderr_color_sink_mt>());
  l->set_pattern("[%Y-%m-%d %H:%M:%S.%e] [dattn] [%^%l%$] %v");
  l->set_level(spdlog::level::info);
  std::string bad_level;
  if (const char* env = std::getenv("DATTN_LOG_LEVEL"); env && *env) {
    const std::string v = text::lower(text::trim(env));
    // spdlog's own names are trace, debug, info, warning, error, critical, off.
    const auto lvl = spdlog::level::from_str(v == "warn" ? "warning" : v);
    if (lvl == spdlog::level::off && v != "off") bad_level = env;
    else l->set_level(lvl);
  }
  try {
    spdlog::register_logger(l);
  } catch (const spdlog::spdlog_ex&) {
    // Registered concurrently by someone else: theirs wins.
    if (auto existing = spdlog::get("dattn")) return existing;
  }
  if (!bad_level.empty())
    l->warn("DATTN_LOG_LEVEL='{}' is not one of trace|debug|info|warn|error|off; using info",
            bad_level);
  return l;
}

}  // namespace

spdlog::logger& logger() {
  static std::shared_ptr<spdlog::logger> instance = make_logger();
  return *instance;
}

}  // namespace dattn::log
