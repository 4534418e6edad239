// Decisions are cached per (platform, device, head_size, dtype, requested, policy) and logged
// once; a fallback warns once per key.
#include <gmock/gmock.h>
#include <gtest/gtest.h>

#include <atomic>
#include <thread>

#include "support.h"

namespace dattn::test {
namespace {

using ::testing::HasSubstr;

class Cache : public ::testing::Test {
 protected:
  void SetUp() override { reset_probes(); }
  void TearDown() override { reset_probes(); }
  CleanEnv env;
};

TEST_F(Cache, SecondCallDoesNotLogAgain_DifferentKeyDoes) {
  LogCapture log;
  select(query(Platform::cpu, "fa", 64));
  select(query(Platform::cpu, "fa", 64));
  select(query(Platform::cpu, "fa3", 64));  // an alias is the same request
  EXPECT_EQ(log.infos().size(), 1u);
  select(query(Platform::cpu, "fa", 128));
  select(query(Platform::cpu, "fa", 64, DType::f16));
  select(query(Platform::cpu, "sdpa", 64));
  select(query(Platform::cpu, "fa", 64, DType::bf16, Policy::strict));
  SelectQuery other_device = query(Platform::cpu, "fa", 64);
  other_device.device_index = 1;
  select(other_device);
  EXPECT_EQ(log.infos().size(), 6u);
  EXPECT_THAT(log.infos()[0].text, HasSubstr("selected fa on cpu:0 (requested fa, head_size 64"));
}

TEST_F(Cache, FallbackWarnsOncePerKey) {
  simulate("musa:present,musa.sage_attn:missing");
  LogCapture log;
  for (int i = 0; i < 3; ++i) select(query(Platform::musa, "sage_attn"));
  EXPECT_EQ(log.warnings().size(), 1u);
  select(query(Platform::musa, "sage_attn", 64));
  EXPECT_EQ(log.warnings().size(), 2u);
}

TEST_F(Cache, StrictRefusalIsRaisedEveryTime) {
  simulate("musa:present,musa.sage_attn:missing");
  for (int i = 0; i < 2; ++i)
    error_of([] { select(query(Platform::musa, "sage_attn", 128, DType::bf16, Policy::strict)); },
             ErrorCode::fallback_refused);
}

TEST_F(Cache, NewProbesClearTheCache) {
  EXPECT_EQ(select(query(Platform::cpu, "fa")).backend, Backend::fa);
  simulate("cpu.fa:missing");
  EXPECT_EQ(select(query(Platform::cpu, "fa")).backend, Backend::sdpa);
  reset_probes();
  EXPECT_EQ(select(query(Platform::cpu, "fa")).backend, Backend::fa);
}

TEST_F(Cache, ConcurrentCallersAgreeAndEachKeyLogsOnce) {
  simulate("musa:present,musa.sage_attn:missing");
  LogCapture log;
  constexpr int kThreads = 8, kCalls = 200;
  std::vector<std::thread> threads;
  std::atomic<int> wrong{0};
  for (int t = 0; t < kThreads; ++t)
    threads.emplace_back([&, t] {
      for (int i = 0; i < kCalls; ++i) {
        const int64_t head = (i + t) % 2 ? 64 : 128;
        if (select(query(Platform::musa, "sage_attn", head)).backend != Backend::fa) ++wrong;
      }
    });
  for (auto& th : threads) th.join();
  EXPECT_EQ(wrong.load(), 0);
  EXPECT_EQ(log.infos().size(), 2u);
  EXPECT_EQ(log.warnings().size(), 2u);
}

}  // namespace
}  // namespace dattn::test
