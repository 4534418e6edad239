// Small string helpers shared by the parsers, the selector and the error messages.
#pragma once

#include <string>
#include <string_view>
#include <vector>

namespace dattn::text {

std::string lower(std::string_view s);
std::string join(const std::vector<std::string>& parts, std::string_view sep);
std::vector<std::string> split(std::string_view s, char sep);
std::string trim(std::string_view s);

}  // namespace dattn::text
