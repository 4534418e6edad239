#include "select/simulate.h"

#include <map>

#include "core/text.h"
#include "select/fake_probe.h"
#include "select/registry.h"

namespace dattn {

namespace {

constexpr const char* kGrammar =
    "expected comma-separated items: PLATFORM:present|absent (cuda, musa), "
    "PLATFORM.BACKEND:missing|present (PLATFORM cpu, cuda or musa), cuda.cc:MAJOR.MINOR, "
    "cuda.fp8:missing|present (sage_attn's fp8 kernel image); "
    "e.g. musa:present,musa.sage_attn:missing,cuda:absent";

[[noreturn]] void bad(const std::string& item, const std::string& why) {
  throw Error(ErrorCode::invalid_argument,
              "invalid simulation item '" + item + "': " + why + "; " + kGrammar);
}

Platform platform_of(const std::string& item, const std::string& name) {
  try {
    return parse_platform(name);
  } catch (const Error&) {
    bad(item, "unknown platform '" + name + "'");
  }
}

int parse_cc(const std::string& item, const std::string& value) {
  const auto parts = text::split(value, '.');
  auto digit = [](const std::string& s) { return s.size() == 1 && s[0] >= '0' && s[0] <= '9'; };
  if (parts.size() != 2 || !digit(parts[0]) || !digit(parts[1]))
    bad(item, "compute capability '" + value + "' is not MAJOR.MINOR");
  return (parts[0][0] - '0') * 10 + (parts[1][0] - '0');
}

}  // namespace

void simulate(const std::string& spec) {
  std::map<Platform, probe::FakeSpec> fakes;
  for (const std::string& raw : text::split(spec, ',')) {
    const std::string item = text::lower(text::trim(raw));
    if (item.empty()) {
      if (text::trim(spec).empty()) break;
      bad(raw, "empty item");
    }
    const auto colon = item.find(':');
    if (colon == std::string::npos) bad(raw, "missing ':'");
    const std::string subject = item.substr(0, colon), value = item.substr(colon + 1);
    const auto dot = subject.find('.');
    const Platform p = platform_of(raw, subject.substr(0, dot));
    probe::FakeSpec& f = fakes[p];
    f.platform = p;
    if (dot == std::string::npos) {
      if (value != "present" && value != "absent") bad(raw, "a platform is present or absent");
      if (p == Platform::cpu && value == "absent") bad(raw, "the cpu platform is always present");
      f.present = value == "present";
      continue;
    }
    const std::string what = subject.substr(dot + 1);
    if (what == "cc") {
      if (p != Platform::cuda) bad(raw, "only cuda has a compute capability");
      f.cc = parse_cc(raw, value);
      continue;
    }
    if (what == "fp8") {
      if (p != Platform::cuda) bad(raw, "only cuda has fp8 kernel images");
      if (value != "missing" && value != "present") bad(raw, "an fp8 kernel image is missing or present");
      f.fp8_image = value == "present";
      continue;
    }
    const std::optional<Backend> b = registry::lookup(what);
    if (!b) bad(raw, "unknown backend '" + what + "' (valid: " + registry::valid_names() + ")");
    if (value == "missing") f.missing.insert(*b);
    else if (value == "present") f.missing.erase(*b);
    else bad(raw, "a backend is missing or present");
  }
  probe::reset();
  for (auto& [p, f] : fakes) probe::set(p, probe::make_fake_probe(f));
}

void reset_probes() { probe::reset(); }

}  // namespace dattn
