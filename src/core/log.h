// The "dattn" spdlog logger: stderr, level from DATTN_LOG_LEVEL (trace|debug|info|warn|error|off,
// default info). Selection decisions go to INFO, fallbacks to WARNING.
#pragma once

#include <spdlog/logger.h>

namespace dattn::log {

spdlog::logger& logger();

}  // namespace dattn::log
