// The module through its real ABI: dlopen libdattn_cuda.so as libdattn does. The first tests
// need no GPU (they also run in CI): a machine without one must get reasons, not crashes.
#include <dlfcn.h>
#include <gtest/gtest.h>

#include <string>

#include "core/module_abi.h"
#include "gpu_case.h"

namespace dattn::gpu_test {
namespace {

const dattn_gpu_module* load_module() {
  static const dattn_gpu_module* module = [] {
    void* handle = dlopen(DATTN_TEST_CUDA_MODULE_PATH, RTLD_NOW | RTLD_LOCAL);
    if (handle == nullptr) return static_cast<const dattn_gpu_module*>(nullptr);
    auto entry = reinterpret_cast<dattn_gpu_module_entry>(dlsym(handle, DATTN_CUDA_MODULE_ENTRY));
    return entry == nullptr ? nullptr : entry();
  }();
  return module;
}

constexpr int32_t kSdpa = static_cast<int32_t>(Backend::sdpa);
constexpr int32_t kFa = static_cast<int32_t>(Backend::fa);
constexpr int32_t kSage = static_cast<int32_t>(Backend::sage_attn);
constexpr int32_t kBf16 = static_cast<int32_t>(DType::bf16);

TEST(CudaModule, LoadsAndDescribesItself) {
  const dattn_gpu_module* m = load_module();
  ASSERT_NE(m, nullptr) << dlerror();
  EXPECT_EQ(m->abi_version, DATTN_MODULE_ABI_VERSION);
  EXPECT_NE(std::string(m->build_info()).find("CUDA "), std::string::npos) << m->build_info();
  EXPECT_NE(std::string(m->build_info()).find("sm_"), std::string::npos) << m->build_info();
}

TEST(CudaModule, DeviceCountAnswersWithOrWithoutGpu) {
  const dattn_gpu_module* m = load_module();
  ASSERT_NE(m, nullptr);
  int32_t count = -1;
  char msg[512] = "";
  const int32_t rc = m->device_count(&count, msg, sizeof(msg));
  if (no_gpu_reason().empty()) {
    EXPECT_EQ(rc, 0) << msg;
    EXPECT_GE(count, 1);
  } else {
    EXPECT_NE(rc, 0);
    EXPECT_EQ(count, 0);
    EXPECT_GT(std::string(msg).size(), 0u);
  }
}

TEST(CudaModule, SupportsGivesReasons) {
  const dattn_gpu_module* m = load_module();
  ASSERT_NE(m, nullptr);
  char msg[512] = "";
  EXPECT_NE(m->supports(kFa, 0, 80, kBf16, msg, sizeof(msg)), 0);
  EXPECT_NE(std::string(msg).find("head_dim: 80"), std::string::npos) << msg;
  EXPECT_NE(m->supports(kSdpa, 0, 300, kBf16, msg, sizeof(msg)), 0);
  EXPECT_NE(std::string(msg).find("16..256"), std::string::npos) << msg;
  EXPECT_NE(m->supports(7, 0, 128, kBf16, msg, sizeof(msg)), 0);
  EXPECT_NE(std::string(msg).find("unknown backend"), std::string::npos) << msg;
}

class CudaModuleGpu : public ::testing::Test {
 protected:
  void SetUp() override {
    if (const std::string why = no_gpu_reason(); !why.empty()) GTEST_SKIP() << why;
    module_ = load_module();
    ASSERT_NE(module_, nullptr);
  }
  const dattn_gpu_module* module_ = nullptr;
};

TEST_F(CudaModuleGpu, DeviceInfoAndSupport) {
  dattn_device_info info{};
  char msg[512] = "";
  ASSERT_EQ(module_->device_info(0, &info, msg, sizeof(msg)), 0) << msg;
  EXPECT_GE(info.cc_major, 1);
  EXPECT_GT(info.sm_count, 0);
  EXPECT_GT(std::string(info.name).size(), 0u);
  EXPECT_EQ(module_->supports(kSdpa, 0, 40, static_cast<int32_t>(DType::f32), msg, sizeof(msg)), 0) << msg;
  if (info.cc_major >= 8) {
    EXPECT_EQ(module_->supports(kFa, 0, 128, kBf16, msg, sizeof(msg)), 0) << msg;
  } else {
    EXPECT_NE(module_->supports(kFa, 0, 128, kBf16, msg, sizeof(msg)), 0);
  }
  EXPECT_NE(module_->device_info(1 << 20, &info, msg, sizeof(msg)), 0);
  // fp8 sage: no without FP8 tensor cores; yes on an H100/H200 when the module carries sage and
  // its sm_90a image.
  const int cc = info.cc_major * 10 + info.cc_minor;
  const int32_t fp8 = module_->sage_fp8(0, msg, sizeof(msg));
  if (cc < 89) EXPECT_NE(fp8, 0);
  const bool sage_built = module_->supports(kSage, 0, 128, kBf16, msg, sizeof(msg)) == 0;
  if (cc == 90 && sage_built && std::string(module_->build_info()).find("sm_90a") != std::string::npos)
    EXPECT_EQ(module_->sage_fp8(0, msg, sizeof(msg)), 0) << msg;
}

TEST_F(CudaModuleGpu, RunReportsErrorsAsMessages) {
  char msg[512] = "";
  EXPECT_NE(module_->run(kFa, nullptr, msg, sizeof(msg)), 0);
  EXPECT_NE(std::string(msg).find("null"), std::string::npos) << msg;
  AttnCase c{.seq_q = 8, .seq_kv = 8, .head_dim = 80};
  EXPECT_THROW(run_case(c, [&](const dattn_problem& p) {
                 if (module_->run(kFa, &p, msg, sizeof(msg)) != 0) throw std::runtime_error(msg);
               }),
               std::runtime_error);
  EXPECT_NE(std::string(msg).find("unsupported head_dim: 80"), std::string::npos) << msg;
}

// Both kernels through the ABI, on the caller's non-default stream; an earlier failed call
// (a bad device ordinal) must not resurface as the error of a later launch.
TEST_F(CudaModuleGpu, RunsThroughTheAbi) {
  dattn_device_info info{};
  char msg[512] = "";
  ASSERT_NE(module_->device_info(-1, &info, msg, sizeof(msg)), 0);
  for (int32_t backend : {kSdpa, kFa}) {
    AttnCase c{.heads_q = 4, .heads_kv = 2, .seq_q = 77, .seq_kv = 130, .head_dim = 64, .causal = true};
    SCOPED_TRACE(backend);
    expect_matches_reference(c, run_case(c, [&](const dattn_problem& p) {
                               char m[512] = "";
                               if (module_->run(backend, &p, m, sizeof(m)) != 0) throw std::runtime_error(m);
                             }));
  }
}

}  // namespace
}  // namespace dattn::gpu_test
