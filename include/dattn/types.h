// Public vocabulary of dattn: enums, strided tensor views, options and errors.
// Framework-free on purpose (no Torch, no CUDA headers): bindings adapt to it.
#pragma once

#include <array>
#include <cstdint>
#include <optional>
#include <stdexcept>
#include <string>
#include <vector>

#include "dattn/export.h"

namespace dattn {

enum class DType : int { f32 = 0, f16 = 1, bf16 = 2 };
enum class DeviceType : int { cpu = 0, cuda = 1, musa = 2 };
enum class Platform : int { cpu = 0, cuda = 1, musa = 2 };
enum class Backend : int { sdpa = 0, fa = 1, sage_attn = 2 };

// HND: tensors are [batch, heads, seq, head_dim]; NHD: [batch, seq, heads, head_dim].
enum class Layout : int { HND = 0, NHD = 1 };

// warn: a fallback is logged once at WARNING and the call goes on.
// strict: a fallback is an Error carrying the same text.
enum class Policy : int { warn = 0, strict = 1 };

// Precision of sage_attn's P·V product. automatic: fp8 on GPUs with FP8 tensor cores
// (sm_89, sm_90), f16 elsewhere (sm_80 and the CPU).
enum class SagePV : int { automatic = 0, fp8 = 1, f16 = 2 };

enum class ErrorCode : int {
  ok = 0,
  invalid_argument = 1,  // the caller passed something malformed (shape, stride, name, null)
  unsupported = 2,       // well-formed, but no backend on this platform can do it
  fallback_refused = 3,  // strict policy and the requested backend could not run
  no_backend = 4,        // nothing at all can run on the platform
  device_error = 5,      // the CUDA/MUSA runtime reported an error
  internal = 6,
};

class DATTN_API Error : public std::runtime_error {
 public:
  Error(ErrorCode code, const std::string& message) : std::runtime_error(message), code_(code) {}
  ErrorCode code() const noexcept { return code_; }

 private:
  ErrorCode code_;
};

// A 4-D strided view, dims in the order its layout says (HND or NHD).
// Strides are in elements, 64-bit; the last dim (head_dim) must be contiguous (stride 1).
struct Tensor {
  void* data = nullptr;
  DType dtype = DType::bf16;
  DeviceType device = DeviceType::cpu;
  int device_index = 0;
  std::array<int64_t, 4> shape{};
  std::array<int64_t, 4> strides{};
};

// Row-major contiguous view of `shape`; throws Error(invalid_argument) when its strides overflow int64.
DATTN_API Tensor contiguous_tensor(void* data, DType dtype, std::array<int64_t, 4> shape,
                                   DeviceType device = DeviceType::cpu, int device_index = 0);

struct Options {
  Layout layout = Layout::HND;
  bool causal = false;              // bottom-right aligned when seq_q != seq_kv (see docs/semantics.md)
  std::optional<float> sm_scale;    // unset: 1/sqrt(head_dim)
  std::string backend;              // "" or "auto": DATTN_ATTENTION_BACKEND, else the platform default
  std::optional<Policy> policy;     // unset: strict if DATTN_STRICT=1, else warn
  SagePV sage_pv = SagePV::automatic;
  void* stream = nullptr;           // cudaStream_t for CUDA tensors; nullptr = legacy default stream
};

// What ran (or would run) and why.
struct Selection {
  Platform platform = Platform::cpu;
  std::string requested;            // canonical name of the request ("auto" when none)
  Backend backend = Backend::sdpa;
  bool fallback = false;            // true when backend differs from what was requested
  std::vector<std::string> reasons; // every rule that fired, in order, with remedies
  std::optional<SagePV> sage_pv;    // sage_attn's P·V precision as run (fp8 or f16); unset otherwise
};

DATTN_API const char* to_string(DType);
DATTN_API const char* to_string(DeviceType);
DATTN_API const char* to_string(Platform);
DATTN_API const char* to_string(Backend);
DATTN_API const char* to_string(Layout);
DATTN_API const char* to_string(Policy);
DATTN_API const char* to_string(SagePV);
DATTN_API std::size_t dtype_size(DType);

// Parsers for user-facing strings (case-insensitive); throw Error(invalid_argument) listing
// the valid values.
DATTN_API DType parse_dtype(const std::string&);
DATTN_API Platform parse_platform(const std::string&);
DATTN_API Layout parse_layout(const std::string&);
DATTN_API SagePV parse_sage_pv(const std::string&);
// Backend names and aliases of DESIGN.md; nullopt for "" and "auto".
DATTN_API std::optional<Backend> parse_backend(const std::string&);

}  // namespace dattn
