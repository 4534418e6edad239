#include "core/text.h"

#include <cctype>

namespace dattn::text {

std::string lower(std::string_view s) {
  std::string r(s);
  for (char& c : r) c = static_cast<char>(std::tolower(static_cast<unsigned char>(c)));
  return r;
}

std::string join(const std::vector<std::string>& parts, std::string_view sep) {
  std::string r;
  for (std::size_t i = 0; i < parts.size(); ++i) {
    if (i) r += sep;
    r += parts[i];
  }
  return r;
}

std::vector<std::string> split(std::string_view s, char sep) {
  std::vector<std::string> r;
  std::size_t start = 0;
  for (;;) {
    std::size_t pos = s.find(sep, start);
    r.emplace_back(s.substr(start, pos - start));
    if (pos == std::string_view::npos) return r;
    start = pos + 1;
  }
}

std::string trim(std::string_view s) {
  std::size_t b = 0, e = s.size();
  while (b < e && std::isspace(static_cast<unsigned char>(s[b]))) ++b;
  while (e > b && std::isspace(static_cast<unsigned char>(s[e - 1]))) --e;
  return std::string(s.substr(b, e - b));
}

}  // namespace dattn::text
