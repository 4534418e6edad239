// Names of the public enums and their case-insensitive parsers (backend names live in the
// selection registry, src/select/registry.cpp, beside the aliases).
#include <string>

#include "core/text.h"
#include "dattn/types.h"

namespace dattn {

const char* to_string(DType t) {
  switch (t) {
    case DType::f32: return "f32";
    case DType::f16: return "f16";
    case DType::bf16: return "bf16";
  }
  return "invalid-dtype";
}

const char* to_string(DeviceType d) {
  switch (d) {
    case DeviceType::cpu: return "cpu";
    case DeviceType::cuda: return "cuda";
    case DeviceType::musa: return "musa";
  }
  return "invalid-device";
}

const char* to_string(Platform p) {
  switch (p) {
    case Platform::cpu: return "cpu";
    case Platform::cuda: return "cuda";
    case Platform::musa: return "musa";
  }
  return "invalid-platform";
}

const char* to_string(Layout l) {
  switch (l) {
    case Layout::HND: return "HND";
    case Layout::NHD: return "NHD";
  }
  return "invalid-layout";
}

const char* to_string(Policy p) {
  switch (p) {
    case Policy::warn: return "warn";
    case Policy::strict: return "strict";
  }
  return "invalid-policy";
}

const char* to_string(SagePV s) {
  switch (s) {
    case SagePV::automatic: return "auto";
    case SagePV::fp8: return "fp8";
    case SagePV::f16: return "f16";
  }
  return "invalid-sage-pv";
}

std::size_t dtype_size(DType t) {
  switch (t) {
    case DType::f32: return 4;
    case DType::f16: return 2;
    case DType::bf16: return 2;
  }
  throw Error(ErrorCode::invalid_argument,
              "dtype: expected f32, f16 or bf16, got value " + std::to_string(static_cast<int>(t)));
}

namespace {

template <typename E, std::size_t N>
E parse_enum(const std::string& what, const std::string& value, const E (&values)[N]) {
  const std::string key = text::lower(text::trim(value));
  std::string valid;
  for (E e : values) {
    if (text::lower(to_string(e)) == key) return e;
    valid += valid.empty() ? "" : "|";
    valid += to_string(e);
  }
  throw Error(ErrorCode::invalid_argument,
              "invalid " + what + " '" + value + "'; expected one of " + valid);
}

}  // namespace

DType parse_dtype(const std::string& s) {
  // Common framework spellings are accepted too, since users type what their framework prints.
  const std::string key = text::lower(text::trim(s));
  if (key == "float32" || key == "float") return DType::f32;
  if (key == "float16" || key == "half" || key == "fp16") return DType::f16;
  if (key == "bfloat16") return DType::bf16;
  static constexpr DType all[] = {DType::f32, DType::f16, DType::bf16};
  return parse_enum("dtype", s, all);
}

Platform parse_platform(const std::string& s) {
  static constexpr Platform all[] = {Platform::cpu, Platform::cuda, Platform::musa};
  return parse_enum("platform", s, all);
}

Layout parse_layout(const std::string& s) {
  static constexpr Layout all[] = {Layout::HND, Layout::NHD};
  return parse_enum("layout", s, all);
}

SagePV parse_sage_pv(const std::string& s) {
  if (text::lower(text::trim(s)) == "automatic" || text::trim(s).empty()) return SagePV::automatic;
  static constexpr SagePV all[] = {SagePV::automatic, SagePV::fp8, SagePV::f16};
  return parse_enum("sage P·V precision", s, all);
}

}  // namespace dattn
