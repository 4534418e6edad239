// What each CPU backend can run. The selector, the CLI's backend table and the errors all
// print these same strings.
#include <string>

#include "cpu/kernels.h"

namespace dattn::cpu {
namespace {

struct HeadRange {
  int64_t min, max;  // inclusive; multiples of 8 in between
};

// sdpa and fa: 16..256 covers the DiTs (64 and 128) with room either side, as the issue
// asks; multiples of 8 keep every row a whole number of 16-byte vectors in f16 / bf16.
// sage_attn: SageAttention2's range (its kernels pad D up to 64 or 128; zero channels do
// not change a dot product), multiples of 8 so that the VNNI kernel's 4-channel steps
// divide D.
HeadRange head_range(Backend backend) {
  return backend == Backend::sage_attn ? HeadRange{8, 128} : HeadRange{16, 256};
}

}  // namespace

std::string unsupported_reason(Backend backend, int64_t head_dim, DType dtype) {
  const HeadRange r = head_range(backend);
  const std::string name = to_string(backend);
  if (head_dim < r.min || head_dim > r.max || head_dim % 8 != 0) {
    return name + " on cpu needs a head size from " + std::to_string(r.min) + " to " +
           std::to_string(r.max) + " that is a multiple of 8; got " + std::to_string(head_dim) +
           ".";
  }
  if (backend == Backend::sage_attn && dtype == DType::f32) {
    return "sage_attn on cpu needs dtype f16 or bf16, got f32: it quantizes half-precision "
           "inputs as SageAttention does; use f16 or bf16, or fa for f32.";
  }
  return {};
}

const char* head_sizes(Backend backend) {
  return backend == Backend::sage_attn ? "8..128, multiple of 8" : "16..256, multiple of 8";
}

const char* dtypes(Backend backend) {
  return backend == Backend::sage_attn ? "f16, bf16" : "f32, f16, bf16";
}

}  // namespace dattn::cpu
