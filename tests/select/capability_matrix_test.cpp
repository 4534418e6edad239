// Head size x dtype through the same rules: simulated GPUs use the GPU kernels' declared limits
// (the CUDA module's issue: sdpa any D 16..256 multiple of 8 in f32/f16/bf16; fa f16/bf16 at
// D 64, 96, 128, 256; sage_attn f16/bf16 D 8..128, padded), the CPU uses its kernels' own answer.
#include <gmock/gmock.h>
#include <gtest/gtest.h>

#include "cpu/kernels.h"
#include "support.h"

namespace dattn::test {
namespace {

using ::testing::HasSubstr;

constexpr int64_t kHeadSizes[] = {8, 16, 40, 64, 72, 96, 128, 136, 256, 264, 100};
constexpr DType kDTypes[] = {DType::f32, DType::f16, DType::bf16};

bool gpu_sdpa(int64_t d, DType) { return d >= 16 && d <= 256 && d % 8 == 0; }
bool gpu_fa(int64_t d, DType t) {
  return t != DType::f32 && (d == 64 || d == 96 || d == 128 || d == 256);
}
bool gpu_sage(int64_t d, DType t) { return t != DType::f32 && d >= 8 && d <= 128 && d % 8 == 0; }

// The backend the rules must pick given which kernels can run, or "" for an error.
std::string expected(const std::string& request, bool sage, bool fa, bool sdpa) {
  if (request == "sdpa") return sdpa ? "sdpa" : "";
  if (request == "sage_attn" && sage) return "sage_attn";
  if (fa) return "fa";
  return sdpa ? "sdpa" : "";
}

void check(Platform platform, const std::string& request, int64_t d, DType t, bool sage, bool fa,
           bool sdpa) {
  SCOPED_TRACE(std::string(to_string(platform)) + " " + request + " D=" + std::to_string(d) +
               " " + to_string(t));
  const std::string want = expected(request, sage, fa, sdpa);
  if (want.empty()) {
    const std::string msg =
        error_of([&] { select(query(platform, request, d, t)); }, ErrorCode::unsupported);
    EXPECT_THAT(msg, HasSubstr("head_size " + std::to_string(d)));
    return;
  }
  const Selection s = select(query(platform, request, d, t));
  EXPECT_EQ(to_string(s.backend), want);
  EXPECT_EQ(s.fallback, want != (request == std::string("auto") ? "fa" : request));
}

TEST(CapabilityMatrix, SimulatedGpusFollowTheGpuKernelLimits) {
  CleanEnv env;
  for (const char* spec : {"cuda:present", "musa:present"}) {
    simulate(spec);
    const Platform platform = std::string(spec).starts_with("cuda") ? Platform::cuda : Platform::musa;
    for (const char* request : {"sdpa", "fa", "sage_attn", "auto"})
      for (int64_t d : kHeadSizes)
        for (DType t : kDTypes)
          check(platform, request, d, t, gpu_sage(d, t), gpu_fa(d, t), gpu_sdpa(d, t));
  }
  reset_probes();
}

TEST(CapabilityMatrix, CpuFollowsItsKernelsOwnLimits) {
  CleanEnv env;
  reset_probes();
  auto ok = [](Backend b, int64_t d, DType t) { return cpu::unsupported_reason(b, d, t).empty(); };
  for (const char* request : {"sdpa", "fa", "sage_attn", "auto"})
    for (int64_t d : kHeadSizes)
      for (DType t : kDTypes)
        check(Platform::cpu, request, d, t, ok(Backend::sage_attn, d, t), ok(Backend::fa, d, t),
              ok(Backend::sdpa, d, t));
}

TEST(CapabilityMatrix, CpuRunsTheIssuesClaims) {
  CleanEnv env;
  reset_probes();
  // The core issue: sdpa and fa any D from 16 to 256 (multiple of 8); sage_attn at 64 and 128.
  for (int64_t d : {16, 64, 96, 128, 256})
    for (DType t : kDTypes) {
      EXPECT_EQ(select(query(Platform::cpu, "sdpa", d, t)).backend, Backend::sdpa);
      EXPECT_EQ(select(query(Platform::cpu, "fa", d, t)).backend, Backend::fa);
    }
  for (int64_t d : {64, 128})
    for (DType t : {DType::f16, DType::bf16})
      EXPECT_EQ(select(query(Platform::cpu, "sage_attn", d, t)).backend, Backend::sage_attn);
}

}  // namespace
}  // namespace dattn::test
