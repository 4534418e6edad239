// The oracle itself: metrics on known vectors, and the fp64 reference on problems whose
// answer is known in closed form.
#include <gtest/gtest.h>

#include <cmath>
#include <limits>
#include <random>
#include <vector>

#include "check/metrics.h"
#include "check/reference.h"
#include "dattn/types.h"
#include "support/seed.h"

namespace dattn::check {
namespace {

constexpr double kInf = std::numeric_limits<double>::infinity();

TEST(Metrics, KnownValues) {
  const std::vector<double> ref = {1, -2, 3, 0};
  const std::vector<double> x = {1, -2, 3.5, 0.5};
  const Metrics m = compare(x, ref);
  EXPECT_DOUBLE_EQ(m.rel_l1, 1.0 / 6.0);
  EXPECT_DOUBLE_EQ(m.max_abs, 0.5);
  EXPECT_DOUBLE_EQ(m.rmse, std::sqrt(0.5 / 4));
  EXPECT_DOUBLE_EQ(m.cosine, (1 + 4 + 10.5) / std::sqrt(14.0 * (1 + 4 + 12.25 + 0.25)));
  EXPECT_EQ(m.nonfinite, 0);
  const Metrics same = compare(ref, ref);
  EXPECT_DOUBLE_EQ(same.cosine, 1.0);
  EXPECT_EQ(same.rel_l1, 0.0);
}

TEST(Metrics, NonFiniteFailsEveryBound) {
  const std::vector<double> ref = {1, 2, 3};
  for (double bad : {std::nan(""), kInf, -kInf}) {
    const Metrics m = compare(std::vector<double>{1, bad, 3}, ref);
    EXPECT_EQ(m.nonfinite, 1);
    EXPECT_FALSE(m.cosine >= 0.0);
    EXPECT_FALSE(m.rel_l1 <= 1e300);
    EXPECT_FALSE(m.max_abs <= 1e300);
    EXPECT_FALSE(m.rmse <= 1e300);
  }
}

TEST(Metrics, LengthMismatchThrows) {
  EXPECT_THROW(compare(std::vector<double>{1}, std::vector<double>{1, 2}), std::invalid_argument);
}

TEST(Metrics, LseInfinities) {
  EXPECT_EQ(lse_max_abs_error(std::vector<double>{-kInf, 1.5}, std::vector<double>{-kInf, 1.0}), 0.5);
  EXPECT_EQ(lse_max_abs_error(std::vector<double>{0.0}, std::vector<double>{-kInf}), kInf);
  EXPECT_EQ(lse_max_abs_error(std::vector<double>{-kInf}, std::vector<double>{0.0}), kInf);
  EXPECT_EQ(lse_max_abs_error(std::vector<double>{std::nan("")}, std::vector<double>{0.0}), kInf);
}

// An f32 HND problem over vectors the test fills by hand.
struct Tiny {
  std::vector<float> q, k, v, out;
  dattn_problem p{};
  Tiny(int64_t sq, int64_t sk, int64_t d, bool causal) : q(sq * d), k(sk * d), v(sk * d), out(sq * d) {
    p.dtype = static_cast<int32_t>(DType::f32);
    p.batch = p.heads_q = p.heads_kv = 1;
    p.seq_q = sq, p.seq_kv = sk, p.head_dim = d;
    p.q = {q.data(), sq * d, sq * d, d};
    p.k = {k.data(), sk * d, sk * d, d};
    p.v = {v.data(), sk * d, sk * d, d};
    p.out = {out.data(), sq * d, sq * d, d};
    p.sm_scale = 0.5f;
    p.causal = causal;
  }
};

TEST(Reference, ZeroQueryAveragesVisibleValues) {
  // q = 0 makes every score 0: the output is the mean of the visible V rows and the LSE
  // is log(number of visible keys). Causal with Sq = 5 > Sk = 3: query i sees keys
  // j <= i - 2, so rows 0 and 1 see nothing.
  Tiny t(5, 3, 8, true);
  std::mt19937_64 rng(dattn::test::test_seed());
  std::normal_distribution<float> normal;
  for (float& x : t.k) x = normal(rng);
  for (float& x : t.v) x = normal(rng);
  const Reference ref = reference(t.p, all_rows(t.p));
  for (int64_t i = 0; i < 5; ++i) {
    const int64_t visible = std::max<int64_t>(0, i - 1);
    EXPECT_EQ(ref.lse[i], visible == 0 ? -kInf : std::log(static_cast<double>(visible)));
    for (int64_t d = 0; d < 8; ++d) {
      double mean = 0;
      for (int64_t j = 0; j < visible; ++j) mean += t.v[j * 8 + d];
      if (visible > 0) mean /= static_cast<double>(visible);
      EXPECT_NEAR(ref.out[i * 8 + d], mean, 1e-12);
    }
  }
}

TEST(Reference, TwoKeysGiveTheLogisticWeight) {
  Tiny t(1, 2, 8, false);
  std::mt19937_64 rng(dattn::test::test_seed());
  std::normal_distribution<float> normal;
  for (auto* vec : {&t.q, &t.k, &t.v}) {
    for (float& x : *vec) x = normal(rng);
  }
  double s[2] = {0, 0};
  for (int j = 0; j < 2; ++j) {
    for (int d = 0; d < 8; ++d) s[j] += double{t.q[d]} * t.k[j * 8 + d];
    s[j] *= 0.5;
  }
  const double w1 = 1.0 / (1.0 + std::exp(s[0] - s[1]));
  const Reference ref = reference(t.p, all_rows(t.p));
  for (int d = 0; d < 8; ++d) {
    EXPECT_NEAR(ref.out[d], (1 - w1) * t.v[d] + w1 * t.v[8 + d], 1e-12);
  }
  EXPECT_NEAR(ref.lse[0], std::log(std::exp(s[0]) + std::exp(s[1])), 1e-12);
}

TEST(Reference, SampledRowsAreSpreadAndKeepTheLast) {
  dattn_problem p{};
  p.batch = 2, p.heads_q = 3, p.seq_q = 10;
  const std::vector<Row> rows = sampled_rows(p, 7);
  ASSERT_EQ(rows.size(), 10u);  // 0, 7, ..., 56 and the last row, 59
  EXPECT_EQ(rows[1].s, 7);
  EXPECT_EQ(rows[2].h, 1);
  EXPECT_EQ(rows[2].s, 4);
  EXPECT_EQ(rows.back().b, 1);
  EXPECT_EQ(rows.back().h, 2);
  EXPECT_EQ(rows.back().s, 9);
  EXPECT_EQ(all_rows(p).size(), 60u);
}

}  // namespace
}  // namespace dattn::check
