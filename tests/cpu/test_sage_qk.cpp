// The INT8 score kernels: the VNNI path must give exactly the portable path's int32 dots
// (integer arithmetic, so any difference is a bug), for every head size and partial tile.
#include <gtest/gtest.h>

#include <random>
#include <vector>

#include "cpu/sage_qk.h"
#include "cpu/tiles.h"
#include "support/seed.h"

namespace dattn::cpu {
namespace {

constexpr int64_t kLd = tiles::kSageKvRows;

TEST(SageQk, PortableIsTheIntegerDot) {
  std::mt19937_64 rng(dattn::test::test_seed());
  std::uniform_int_distribution<int> code(-128, 127);
  const int64_t rows = 5, keys = 7, d = 24;
  std::vector<int8_t> q(rows * d), k(keys * d);
  for (int8_t& x : q) x = static_cast<int8_t>(code(rng));
  for (int8_t& x : k) x = static_cast<int8_t>(code(rng));
  std::vector<int32_t> out(rows * kLd);
  qk_scores_portable(q.data(), rows, k.data(), keys, d, out.data());
  for (int64_t i = 0; i < rows; ++i) {
    for (int64_t t = 0; t < keys; ++t) {
      long long dot = 0;
      for (int64_t c = 0; c < d; ++c) dot += q[i * d + c] * k[t * d + c];
      EXPECT_EQ(out[i * kLd + t], dot);
    }
  }
}

TEST(SageQk, VnniEqualsPortable) {
  if (!vnni_available()) GTEST_SKIP() << "this CPU has no AVX-512 VNNI";
  std::mt19937_64 rng(dattn::test::test_seed());
  std::uniform_int_distribution<int> code(-128, 127);
  for (int64_t d = 8; d <= 128; d += 8) {
    for (int64_t rows : {1, 3, 4, 37, 64}) {
      for (int64_t keys : {1, 16, 50, 64}) {
        std::vector<int8_t> q(64 * d), k(keys * d);
        for (int8_t& x : q) x = static_cast<int8_t>(code(rng));
        for (int8_t& x : k) x = static_cast<int8_t>(code(rng));
        // Extremes in one row and one key: the largest possible |dot|.
        for (int64_t c = 0; c < d; ++c) q[c] = -128, k[c] = -128;
        std::vector<uint8_t> q_u8(64 * d);
        for (size_t i = 0; i < q.size(); ++i) q_u8[i] = static_cast<uint8_t>(q[i]) ^ 0x80u;
        std::vector<uint32_t> packed(kLd * d / 4);
        std::vector<int32_t> bias(kLd), vnni(64 * kLd, -1), portable(64 * kLd, -2);
        pack_k_block(k.data(), keys, d, packed.data(), bias.data());
        qk_scores_vnni(q_u8.data(), rows, packed.data(), bias.data(), d, vnni.data());
        qk_scores_portable(q.data(), rows, k.data(), keys, d, portable.data());
        for (int64_t i = 0; i < rows; ++i) {
          for (int64_t t = 0; t < keys; ++t) {
            ASSERT_EQ(vnni[i * kLd + t], portable[i * kLd + t])
                << "d=" << d << " rows=" << rows << " keys=" << keys << " at " << i << "," << t;
          }
        }
      }
    }
  }
}

}  // namespace
}  // namespace dattn::cpu
