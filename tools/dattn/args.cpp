#include "args.h"

#include <CLI/CLI.hpp>
#include <charconv>
#include <string>
#include <tuple>

#include "core/validate.h"
#include "dattn/dattn.h"

namespace dattn::cli {

namespace {

std::vector<int64_t> parse_ints(const std::string& text) {
  std::vector<int64_t> values;
  size_t begin = 0;
  while (begin <= text.size()) {
    const size_t end = std::min(text.find(',', begin), text.size());
    int64_t v = 0;
    const char* first = text.data() + begin;
    const char* last = text.data() + end;
    const auto [ptr, ec] = std::from_chars(first, last, v);
    if (ec != std::errc() || ptr != last || v <= 0) return {};
    values.push_back(v);
    begin = end + 1;
  }
  return values;
}

void add_backend_options(CLI::App& app, CommonArgs& args) {
  app.add_option("--attention-backend", args.backend,
                 "sdpa|fa|sage_attn or an alias (torch_sdpa, fa3, fa4, flash_attn, sage); "
                 "default: DATTN_ATTENTION_BACKEND, else the platform default");
  app.add_flag("--attention-backend-strict", args.strict,
               "a fallback is an error instead of a warning (as DATTN_STRICT=1)");
  app.add_option("--platform", args.platform, "cpu|cuda|musa; default: DATTN_PLATFORM, else detected (cuda, musa, cpu)");
  app.add_option("--dtype", args.dtype, "f32|f16|bf16")->capture_default_str();
  app.add_flag("--json", args.json, "print one JSON object instead of text");
}

}  // namespace

namespace {

// A shape's tensors must each hold at most the library's kMaxTensorElements: checked here,
// before the CLI sizes its buffers from products that would otherwise overflow.
void check_tensor_sizes(const Shape& s, const std::string& text) {
  for (const auto& [name, heads, seq] : {std::tuple{"q", s.heads_q, s.seq_q}, std::tuple{"k/v", s.heads_kv, s.seq_kv}}) {
    int64_t n = s.batch;
    if (__builtin_mul_overflow(n, heads, &n) || __builtin_mul_overflow(n, seq, &n) ||
        __builtin_mul_overflow(n, s.head_dim, &n) || n > kMaxTensorElements) {
      std::string message = "--shape '";  // appended, not +: g++ 12 warns falsely (-Wrestrict) on the chain
      message.append(text).append("': ").append(name).append(" would hold more than the supported 2^52 elements");
      throw Error(ErrorCode::invalid_argument, message);
    }
  }
}

}  // namespace

Shape parse_shape(const std::string& text) {
  const std::vector<int64_t> v = parse_ints(text);
  Shape s;
  switch (v.size()) {
    case 4: s = {v[0], v[1], v[1], v[2], v[2], v[3]}; break;
    case 5: s = {v[0], v[1], v[1], v[2], v[3], v[4]}; break;
    case 6: s = {v[0], v[1], v[2], v[3], v[4], v[5]}; break;
    default:
      throw Error(ErrorCode::invalid_argument,
                  "--shape: expected positive integers B,H,S,D or B,H,SQ,SK,D or B,HQ,HKV,SQ,SK,D, got '" +
                      text + "'");
  }
  check_tensor_sizes(s, text);
  return s;
}

std::string to_string(const Shape& s) {
  std::string out;
  for (int64_t v : {s.batch, s.heads_q, s.heads_kv, s.seq_q, s.seq_kv, s.head_dim}) {
    out += (out.empty() ? "" : ",") + std::to_string(v);
  }
  return out;
}

double attention_flops(const Shape& s, bool causal) {
  const double flops = 4.0 * static_cast<double>(s.batch) * static_cast<double>(s.heads_q) *
                       static_cast<double>(s.seq_q) * static_cast<double>(s.seq_kv) *
                       static_cast<double>(s.head_dim);
  return causal ? flops / 2 : flops;
}

Platform CommonArgs::resolved_platform() const {
  return platform.empty() ? detect_platform() : parse_platform(platform);
}
DType CommonArgs::resolved_dtype() const { return parse_dtype(dtype); }
Layout CommonArgs::resolved_layout() const { return parse_layout(layout); }
SagePV CommonArgs::resolved_sage_pv() const { return parse_sage_pv(sage_pv); }

std::optional<Policy> CommonArgs::policy() const {
  if (strict) return Policy::strict;
  return std::nullopt;
}

void add_common_options(CLI::App& app, CommonArgs& args) {
  add_backend_options(app, args);
  app.add_option("--layout", args.layout, "HND ([B,H,S,D]) or NHD ([B,S,H,D])")->capture_default_str();
  app.add_option("--shape", args.shapes,
                 "B,H,SQ,SK,D or B,HQ,HKV,SQ,SK,D (GQA); B,H,S,D for self-attention")
      ->expected(1)
      ->multi_option_policy(CLI::MultiOptionPolicy::TakeAll);
  app.add_flag("--causal", args.causal, "causal mask, bottom-right aligned when SQ != SK");
  app.add_option("--sage-pv", args.sage_pv, "P·V precision of sage_attn: fp8|f16|auto")
      ->capture_default_str();
}

void add_select_options(CLI::App& app, CommonArgs& args) { add_backend_options(app, args); }

}  // namespace dattn::cli
