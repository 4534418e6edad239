#include "select/gpu_capability.h"

namespace dattn::gpu_capability {

namespace {

bool multiple_of_8_in(int64_t d, int64_t lo, int64_t hi) { return d >= lo && d <= hi && d % 8 == 0; }

}  // namespace

std::string cc_name(int cc) { return std::to_string(cc / 10) + "." + std::to_string(cc % 10); }

std::string unsupported_reason(Backend b, int64_t d, DType dtype, std::optional<int> cc) {
  const std::string hs = std::to_string(d);
  switch (b) {
    case Backend::sdpa:
      if (!multiple_of_8_in(d, 16, 256))
        return "sdpa needs a head size from 16 to 256, multiple of 8; got " + hs;
      return "";
    case Backend::fa:
      if (dtype == DType::f32) return "fa needs f16 or bf16, got f32";
      if (d != 64 && d != 96 && d != 128 && d != 256)
        return "fa has kernels for head sizes 64, 96, 128 and 256; got " + hs;
      if (cc && *cc < kMinTensorCoreCc)
        return "fa needs compute capability >= 8.0, device has " + cc_name(*cc);
      return "";
    case Backend::sage_attn:
      if (dtype == DType::f32) return "sage_attn needs f16 or bf16, got f32";
      // Smaller head sizes are zero-padded up to 64 or 128, as SageAttention does.
      if (!multiple_of_8_in(d, 8, 128))
        return "sage_attn needs a head size from 8 to 128, multiple of 8 (padded to 64 or 128); "
               "got " + hs;
      if (cc && *cc < kMinTensorCoreCc)
        return "sage_attn needs compute capability >= 8.0, device has " + cc_name(*cc);
      return "";
  }
  return "unknown backend";
}

const char* head_sizes(Backend b) {
  switch (b) {
    case Backend::sdpa: return "16..256, multiple of 8";
    case Backend::fa: return "64, 96, 128, 256";
    case Backend::sage_attn: return "8..128, multiple of 8 (padded to 64 or 128)";
  }
  return "";
}

const char* dtypes(Backend b) {
  switch (b) {
    case Backend::sdpa: return "f32, f16, bf16";
    case Backend::fa:
    case Backend::sage_attn: return "f16, bf16";
  }
  return "";
}

}  // namespace dattn::gpu_capability
