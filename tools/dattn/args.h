// Options shared by the commands, and the attention shape they describe.
#pragma once

#include <cstdint>
#include <optional>
#include <string>
#include <vector>

#include "dattn/types.h"

namespace CLI {
class App;
}

namespace dattn::cli {

struct Shape {
  int64_t batch, heads_q, heads_kv, seq_q, seq_kv, head_dim;
  bool operator==(const Shape&) const = default;
};

// "B,H,S,D", "B,H,SQ,SK,D" or "B,HQ,HKV,SQ,SK,D" (positive integers). Throws
// Error(invalid_argument) naming --shape and the accepted forms.
Shape parse_shape(const std::string& text);
std::string to_string(const Shape& s);  // "B,HQ,HKV,SQ,SK,D"
// 4·B·Hq·Sq·Sk·D, halved when causal (half the score matrix is masked).
double attention_flops(const Shape& s, bool causal);

struct CommonArgs {
  std::string backend;           // "" = auto
  bool strict = false;
  std::string platform;          // "" = detect
  std::string dtype = "bf16";
  std::string layout = "HND";
  std::vector<std::string> shapes;
  bool causal = false;
  std::string sage_pv = "auto";
  bool json = false;

  // The parsed values; each throws Error(invalid_argument) naming its option.
  Platform resolved_platform() const;  // --platform, else detect_platform()
  DType resolved_dtype() const;
  Layout resolved_layout() const;
  SagePV resolved_sage_pv() const;
  std::optional<Policy> policy() const;  // strict when the flag is given, else DATTN_STRICT
};

// Adds the shared options to `app`, bound to `args`.
void add_common_options(CLI::App& app, CommonArgs& args);
// Adds the subset that `dattn select` reads.
void add_select_options(CLI::App& app, CommonArgs& args);

}  // namespace dattn::cli
