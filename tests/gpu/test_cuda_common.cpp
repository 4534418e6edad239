// The module's shared plumbing: the dispatch switches (no GPU needed) and the workspace.
#include <cuda_runtime.h>
#include <gtest/gtest.h>

#include <atomic>
#include <chrono>
#include <stdexcept>
#include <string>
#include <thread>

#include "cuda/common/dispatch.h"
#include "cuda/common/workspace.h"
#include "gpu_case.h"

namespace dattn::gpu_test {
namespace {

int head_dim_of(int64_t d) { return DATTN_DISPATCH_HEAD_DIM(d, D, { return D; }); }

TEST(Dispatch, MapsKnownValuesAndNamesUnknownOnes) {
  EXPECT_EQ(head_dim_of(64), 64);
  EXPECT_EQ(head_dim_of(128), 128);
  try {
    head_dim_of(80);
    FAIL() << "no throw for head_dim 80";
  } catch (const std::invalid_argument& e) {
    EXPECT_STREQ(e.what(), "unsupported head_dim: 80 (supported: 64, 128)");
  }
  const auto size_of = [](int32_t dt) { return DATTN_DISPATCH_DTYPE(dt, T, { return int(sizeof(T)); }); };
  EXPECT_EQ(size_of(static_cast<int32_t>(DType::f32)), 4);
  EXPECT_EQ(size_of(static_cast<int32_t>(DType::bf16)), 2);
  EXPECT_THROW(size_of(9), std::invalid_argument);
  const auto half_only = [](int32_t dt) { return DATTN_DISPATCH_HALF_DTYPE(dt, T, { return int(sizeof(T)); }); };
  try {
    half_only(static_cast<int32_t>(DType::f32));
    FAIL() << "no throw for f32";
  } catch (const std::invalid_argument& e) {
    EXPECT_STREQ(e.what(), "unsupported dtype: f32 (supported: f16, bf16)");
  }
  const auto flag = [](bool b) { return DATTN_DISPATCH_BOOL(b, kB, { return kB ? 1 : 2; }); };
  EXPECT_EQ(flag(true), 1);
  EXPECT_EQ(flag(false), 2);
}

class Workspace : public ::testing::Test {
 protected:
  void SetUp() override {
    if (const std::string why = no_gpu_reason(); !why.empty()) GTEST_SKIP() << why;
  }
};

TEST_F(Workspace, ReusesGrowsAndSeparatesStreams) {
  int device = 0;
  ASSERT_EQ(cudaGetDevice(&device), cudaSuccess);
  cudaStream_t a = nullptr, b = nullptr;
  ASSERT_EQ(cudaStreamCreate(&a), cudaSuccess);
  ASSERT_EQ(cudaStreamCreate(&b), cudaSuccess);
  void* first = cuda::workspace(device, a, 1000).ptr;
  ASSERT_NE(first, nullptr);
  EXPECT_EQ(cuda::workspace(device, a, 500).ptr, first) << "a smaller request must reuse the buffer";
  EXPECT_EQ(cuda::workspace(device, a, 1000).ptr, first);
  void* other = cuda::workspace(device, b, 1000).ptr;
  EXPECT_NE(other, first) << "two streams must not share a buffer";
  void* grown = cuda::workspace(device, a, size_t{64} << 20).ptr;
  ASSERT_NE(grown, nullptr);
  // The grown buffer is usable on its stream.
  EXPECT_EQ(cudaMemsetAsync(grown, 0x5a, size_t{64} << 20, a), cudaSuccess);
  EXPECT_EQ(cuda::workspace(device, a, 4096).ptr, grown);
  EXPECT_EQ(cuda::workspace(device, a, 0).ptr, nullptr);
  EXPECT_EQ(cudaStreamSynchronize(a), cudaSuccess);
  EXPECT_EQ(cudaStreamSynchronize(b), cudaSuccess);
  // Entries keyed by these streams stay in the cache; they are not used after this test.
  cudaStreamDestroy(a);
  cudaStreamDestroy(b);
}

// A held lease keeps another thread off the same buffer until the holder's launches are in.
TEST_F(Workspace, LeaseExcludesOtherThreadsOnTheSameStream) {
  int device = 0;
  ASSERT_EQ(cudaGetDevice(&device), cudaSuccess);
  std::atomic<bool> got{false};
  std::thread other;
  {
    const cuda::WorkspaceLease held = cuda::workspace(device, nullptr, 1000);
    other = std::thread([&] {
      ASSERT_EQ(cudaSetDevice(device), cudaSuccess);
      const cuda::WorkspaceLease mine = cuda::workspace(device, nullptr, 1000);
      got = true;
    });
    std::this_thread::sleep_for(std::chrono::milliseconds(100));
    EXPECT_FALSE(got) << "a second thread got the buffer while the first still held it";
  }
  other.join();
  EXPECT_TRUE(got);
}

// cudaStreamPerThread is one handle for a different stream in each thread: separate buffers.
TEST_F(Workspace, PerThreadDefaultStreamIsKeyedPerThread) {
  int device = 0;
  ASSERT_EQ(cudaGetDevice(&device), cudaSuccess);
  const cuda::WorkspaceLease mine = cuda::workspace(device, cudaStreamPerThread, 1000);
  void* theirs = nullptr;
  std::thread([&] {
    ASSERT_EQ(cudaSetDevice(device), cudaSuccess);
    theirs = cuda::workspace(device, cudaStreamPerThread, 1000).ptr;  // must not block on mine
  }).join();
  EXPECT_NE(theirs, nullptr);
  EXPECT_NE(theirs, mine.ptr);
}

}  // namespace
}  // namespace dattn::gpu_test
