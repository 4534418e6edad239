// The same rules on cuda, where the kernels also need a compute capability.
#include <gmock/gmock.h>
#include <gtest/gtest.h>

#include "core/gpu_module.h"
#include "support.h"

namespace dattn::test {
namespace {

using ::testing::HasSubstr;

class CudaRules : public ::testing::Test {
 protected:
  void TearDown() override { reset_probes(); }
  CleanEnv env;
};

TEST_F(CudaRules, Cuda_Hopper_RunsWhatWasRequested) {
  simulate("cuda:present");
  EXPECT_EQ(select(query(Platform::cuda, "sage")).backend, Backend::sage_attn);
  EXPECT_EQ(select(query(Platform::cuda, "fa3")).backend, Backend::fa);
  EXPECT_EQ(select(query(Platform::cuda, "torch_sdpa")).backend, Backend::sdpa);
  EXPECT_EQ(select(query(Platform::cuda, "")).backend, Backend::fa);
}

TEST_F(CudaRules, Cuda_Turing_FaFallsBackToSdpa_NamingTheComputeCapability) {
  simulate("cuda:present,cuda.cc:7.5");
  LogCapture log;
  const Selection s = select(query(Platform::cuda, "fa"));
  EXPECT_EQ(s.backend, Backend::sdpa);
  ASSERT_EQ(log.warnings().size(), 1u);
  EXPECT_THAT(log.warnings()[0].text,
              HasSubstr("fa needs compute capability >= 8.0, device has 7.5"));
}

TEST_F(CudaRules, Cuda_Turing_SageFallsThroughFaToSdpa) {
  simulate("cuda:present,cuda.cc:7.5");
  const Selection s = select(query(Platform::cuda, "sage_attn"));
  EXPECT_EQ(s.backend, Backend::sdpa);
  EXPECT_TRUE(s.fallback);
}

TEST_F(CudaRules, Cuda_Ampere_RunsSage) {
  simulate("cuda:present,cuda.cc:8.0");
  EXPECT_EQ(select(query(Platform::cuda, "sage_attn")).backend, Backend::sage_attn);
}

TEST_F(CudaRules, Cuda_SageMissing_FallsBackToFa) {
  simulate("cuda:present,cuda.sage:missing");
  const Selection s = select(query(Platform::cuda, "sage_attn"));
  EXPECT_EQ(s.backend, Backend::fa);
  EXPECT_TRUE(s.fallback);
}

TEST_F(CudaRules, Cuda_Absent_IsNoBackend) {
  simulate("cuda:absent");
  EXPECT_THAT(error_of([] { select(query(Platform::cuda, "sdpa")); }, ErrorCode::no_backend),
              HasSubstr("cuda is not present"));
}

// Without a GPU (this machine, CI), the real probe says why and how to fix it.
TEST_F(CudaRules, Cuda_RealProbe_WithoutGpu_SaysWhyAndHow) {
  reset_probes();
  const probe::Verdict v = probe::get(Platform::cuda)->present();
  if (v.ok) GTEST_SKIP() << "a CUDA device is present: " << v.reason;
  EXPECT_FALSE(v.reason.empty());
  EXPECT_FALSE(v.remedy.empty());
  if (!cuda_module().module) {
    EXPECT_THAT(v.reason, HasSubstr("libdattn_cuda.so"));
    EXPECT_THAT(v.remedy, HasSubstr("DATTN_CUDA_MODULE"));
  }
  EXPECT_THAT(error_of([] { select(query(Platform::cuda, "fa")); }, ErrorCode::no_backend),
              HasSubstr(v.reason));
}

}  // namespace
}  // namespace dattn::test
