// The C ABI: status codes mirror ErrorCode, the last error is per thread, nothing throws.
#include "dattn/c_api.h"

#include <gmock/gmock.h>
#include <gtest/gtest.h>

#include <cmath>
#include <cstring>
#include <functional>
#include <thread>

#include "core/host_tensors.h"
#include "select/support.h"

namespace dattn::test {
namespace {

using ::testing::HasSubstr;

static_assert(DATTN_ERROR_INVALID_ARGUMENT == static_cast<int>(ErrorCode::invalid_argument));
static_assert(DATTN_ERROR_UNSUPPORTED == static_cast<int>(ErrorCode::unsupported));
static_assert(DATTN_ERROR_FALLBACK_REFUSED == static_cast<int>(ErrorCode::fallback_refused));
static_assert(DATTN_ERROR_NO_BACKEND == static_cast<int>(ErrorCode::no_backend));
static_assert(DATTN_ERROR_DEVICE == static_cast<int>(ErrorCode::device_error));
static_assert(DATTN_ERROR_INTERNAL == static_cast<int>(ErrorCode::internal));
static_assert(DATTN_BF16 == static_cast<int>(DType::bf16));
static_assert(DATTN_MUSA == static_cast<int>(DeviceType::musa));
static_assert(DATTN_NHD == static_cast<int>(Layout::NHD));
static_assert(DATTN_SAGE_ATTN == static_cast<int>(Backend::sage_attn));

dattn_tensor to_c(const Tensor& t) {
  dattn_tensor c{};
  c.data = t.data;
  c.dtype = static_cast<int32_t>(t.dtype);
  c.device = static_cast<int32_t>(t.device);
  c.device_index = t.device_index;
  for (int d = 0; d < 4; ++d) {
    c.shape[d] = t.shape[d];
    c.strides[d] = t.strides[d];
  }
  return c;
}

struct CProblem {
  Problem p = make_problem_data({}, DType::f32, Layout::HND, fresh_seed());
  dattn_tensor q = to_c(p.q.t), k = to_c(p.k.t), v = to_c(p.v.t), out = to_c(p.out.t),
               lse = to_c(p.lse);
  dattn_options options{};
  CProblem() { dattn_options_init(&options); }
  dattn_status run(int32_t* chosen = nullptr) {
    return dattn_attention(&q, &k, &v, &out, &lse, &options, chosen);
  }
};

class CApi : public ::testing::Test {
 protected:
  void SetUp() override { reset_probes(); }
  void TearDown() override { reset_probes(); }
  CleanEnv env;
};

TEST_F(CApi, OptionsInitGivesTheDefaults) {
  dattn_options o;
  std::memset(&o, 0x5a, sizeof o);
  dattn_options_init(&o);
  EXPECT_EQ(o.layout, DATTN_HND);
  EXPECT_EQ(o.causal, 0);
  EXPECT_EQ(o.sm_scale, 0.0f);
  EXPECT_EQ(o.backend, nullptr);
  EXPECT_EQ(o.policy, -1);
  EXPECT_EQ(o.sage_pv, 0);
  EXPECT_EQ(o.stream, nullptr);
  dattn_options_init(nullptr);  // tolerated
}

TEST_F(CApi, SuccessReportsTheBackendAndClearsTheLastError) {
  CProblem c;
  c.q.data = nullptr;
  ASSERT_NE(c.run(), DATTN_OK);
  ASSERT_STRNE(dattn_last_error(), "");
  c.q.data = c.p.q.t.data;
  c.options.backend = "SDPA";
  int32_t chosen = -1;
  ASSERT_EQ(c.run(&chosen), DATTN_OK) << dattn_last_error();
  EXPECT_EQ(chosen, DATTN_SDPA);
  EXPECT_STREQ(dattn_last_error(), "");
  EXPECT_EQ(dattn_attention(&c.q, &c.k, &c.v, &c.out, nullptr, nullptr, nullptr), DATTN_OK);
}

// policy -1 (what dattn_options_init gives) reads DATTN_STRICT; 0 and 1 override it. sage_attn on
// f32 is a fallback to fa on the CPU, so it is what strict refuses.
TEST_F(CApi, PolicyMinusOneFollowsDattnStrict) {
  CProblem c;
  c.options.backend = "sage_attn";
  ASSERT_EQ(c.options.policy, -1);
  {
    EnvGuard strict("DATTN_STRICT", "1");
    EXPECT_EQ(c.run(), DATTN_ERROR_FALLBACK_REFUSED);
    EXPECT_THAT(dattn_last_error(), HasSubstr("requested sage_attn -> chosen fa"));
    c.options.policy = 0;
    int32_t chosen = -1;
    EXPECT_EQ(c.run(&chosen), DATTN_OK) << dattn_last_error();
    EXPECT_EQ(chosen, DATTN_FA);
  }
  c.options.policy = -1;
  EXPECT_EQ(c.run(), DATTN_OK) << dattn_last_error();
  c.options.policy = 1;
  EXPECT_EQ(c.run(), DATTN_ERROR_FALLBACK_REFUSED);
}

TEST_F(CApi, NullPointersAreInvalidArguments) {
  CProblem c;
  EXPECT_EQ(dattn_attention(nullptr, &c.k, &c.v, &c.out, nullptr, &c.options, nullptr),
            DATTN_ERROR_INVALID_ARGUMENT);
  EXPECT_THAT(dattn_last_error(), HasSubstr("q is a null pointer"));
  EXPECT_EQ(dattn_attention(&c.q, &c.k, &c.v, nullptr, nullptr, &c.options, nullptr),
            DATTN_ERROR_INVALID_ARGUMENT);
  EXPECT_THAT(dattn_last_error(), HasSubstr("out is a null pointer"));
  c.v.data = nullptr;
  EXPECT_EQ(c.run(), DATTN_ERROR_INVALID_ARGUMENT);
  EXPECT_THAT(dattn_last_error(), HasSubstr("v.data is null"));
}

TEST_F(CApi, OutOfRangeEnumsAreInvalidArguments) {
  const std::pair<std::function<void(CProblem&)>, const char*> cases[] = {
      {[](CProblem& c) { c.q.dtype = 3; }, "q.dtype: expected DATTN_F32, DATTN_F16 or DATTN_BF16"},
      {[](CProblem& c) { c.lse.device = -1; }, "lse.device"},
      {[](CProblem& c) { c.options.layout = 2; }, "options.layout"},
      {[](CProblem& c) { c.options.causal = 2; }, "options.causal"},
      {[](CProblem& c) { c.options.policy = 2; }, "options.policy"},
      {[](CProblem& c) { c.options.sage_pv = 3; }, "options.sage_pv"},
      {[](CProblem& c) { c.options.sm_scale = std::nanf(""); }, "options.sm_scale"},
      {[](CProblem& c) { c.options.sm_scale = -1.0f; }, "options.sm_scale"},
      {[](CProblem& c) { c.options.sm_scale = -INFINITY; }, "options.sm_scale"},
      {[](CProblem& c) { c.options.backend = "nope"; }, "invalid attention backend 'nope'"},
  };
  for (const auto& [mutate, message] : cases) {
    CProblem c;
    mutate(c);
    EXPECT_EQ(c.run(), DATTN_ERROR_INVALID_ARGUMENT) << message;
    EXPECT_THAT(dattn_last_error(), HasSubstr(message));
  }
}

TEST_F(CApi, StatusMirrorsTheErrorCode) {
  CProblem c;
  simulate("cpu.sage_attn:missing");
  c.options.backend = "sage";
  c.options.policy = 1;
  EXPECT_EQ(c.run(), DATTN_ERROR_FALLBACK_REFUSED);
  EXPECT_THAT(dattn_last_error(), HasSubstr("requested sage_attn -> chosen fa"));

  CProblem big;
  big.options.backend = "fa";
  for (dattn_tensor* t : {&big.q, &big.k, &big.v, &big.out}) t->shape[3] = 1000;
  for (dattn_tensor* t : {&big.q, &big.k, &big.v, &big.out}) t->strides[2] = 1000;
  for (dattn_tensor* t : {&big.q, &big.out}) t->shape[2] = 1;
  for (dattn_tensor* t : {&big.k, &big.v}) t->shape[2] = 1;
  EXPECT_EQ(dattn_attention(&big.q, &big.k, &big.v, &big.out, nullptr, &big.options, nullptr),
            DATTN_ERROR_UNSUPPORTED)
      << dattn_last_error();
  EXPECT_THAT(dattn_last_error(), HasSubstr("no attention backend available on cpu:0 for head_size 1000"));

  CProblem gpu;
  for (dattn_tensor* t : {&gpu.q, &gpu.k, &gpu.v, &gpu.out, &gpu.lse}) t->device = DATTN_MUSA;
  if (!probe::get(Platform::musa)->present().ok) {
    EXPECT_EQ(gpu.run(), DATTN_ERROR_NO_BACKEND);
    EXPECT_THAT(dattn_last_error(), HasSubstr("no attention backend available on musa"));
  }
}

TEST_F(CApi, LastErrorIsPerThread) {
  CProblem bad;
  bad.k.data = nullptr;
  ASSERT_EQ(bad.run(), DATTN_ERROR_INVALID_ARGUMENT);
  std::string other_thread_error = "unset";
  std::thread([&] {
    CProblem good;
    other_thread_error = good.run() == DATTN_OK ? dattn_last_error() : "failed";
  }).join();
  EXPECT_EQ(other_thread_error, "");
  EXPECT_THAT(dattn_last_error(), HasSubstr("k.data is null"));
}

TEST_F(CApi, Version) {
  EXPECT_STREQ(dattn_version(), version());
  EXPECT_STRNE(dattn_version(), "");
}

}  // namespace
}  // namespace dattn::test
