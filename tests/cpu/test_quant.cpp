// sage_attn's quantization on its own (quant.h): e4m3 encode / decode on every code, the
// vectorized roundings against them, and quantize -> dequantize round trips of Q, K and V.
#include <gtest/gtest.h>

#include <algorithm>
#include <cmath>
#include <limits>
#include <random>

#include "cpu/convert.h"
#include "cpu/quant.h"
#include "support/host_problem.h"
#include "support/seed.h"

namespace dattn::cpu {
namespace {

using dattn::test::HostProblem;
using dattn::test::Spec;

TEST(E4m3, EveryCodeDecodesAndReencodes) {
  int finite = 0;
  for (int c = 0; c < 256; ++c) {
    const auto code = static_cast<uint8_t>(c);
    const float x = e4m3_decode(code);
    if ((c & 0x7f) == 0x7f) {
      EXPECT_TRUE(std::isnan(x)) << c;
      continue;
    }
    ++finite;
    EXPECT_EQ(e4m3_encode(x), code) << c;
    EXPECT_EQ(e4m3_round(x), x) << c;
  }
  EXPECT_EQ(finite, 254);
  EXPECT_EQ(e4m3_decode(0x7e), 448.0f);
  EXPECT_EQ(e4m3_decode(0x01), 0x1p-9f);
  EXPECT_EQ(e4m3_decode(0x08), 0x1p-6f);
  EXPECT_EQ(e4m3_decode(0x38), 1.0f);
  EXPECT_EQ(e4m3_decode(0xb8), -1.0f);
}

TEST(E4m3, SaturatesAndKeepsNan) {
  EXPECT_EQ(e4m3_encode(449.0f), 0x7e);
  EXPECT_EQ(e4m3_encode(1e30f), 0x7e);
  EXPECT_EQ(e4m3_encode(std::numeric_limits<float>::infinity()), 0x7e);
  EXPECT_EQ(e4m3_encode(-std::numeric_limits<float>::infinity()), 0xfe);
  EXPECT_EQ(e4m3_encode(std::nanf("")), 0x7f);
  EXPECT_EQ(e4m3_round(1e30f), 448.0f);
  EXPECT_EQ(e4m3_round(-500.0f), -448.0f);
  EXPECT_TRUE(std::isnan(e4m3_round(std::nanf(""))));
}

TEST(E4m3, TiesRoundToEven) {
  EXPECT_EQ(e4m3_encode(1.0625f), 0x38);  // between 1 (even) and 1.125
  EXPECT_EQ(e4m3_encode(1.1875f), 0x3a);  // between 1.125 and 1.25 (even)
  EXPECT_EQ(e4m3_encode(0x1p-10f), 0x00); // half the smallest subnormal
  EXPECT_EQ(e4m3_encode(3 * 0x1p-10f), 0x02);
  EXPECT_EQ(e4m3_encode(15 * 0x1p-10f), 0x08);  // 7.5 * 2^-9 rounds up into the normals
  EXPECT_EQ(e4m3_encode(432.0f), 0x7e);   // between 416 and 448 (even)
  EXPECT_EQ(e4m3_encode(-1.0625f), 0xb8);
}

TEST(E4m3, VectorRoundingEqualsEncodeDecode) {
  std::mt19937_64 rng(dattn::test::test_seed());
  std::uniform_real_distribution<float> exponent(-14.0f, 10.0f);
  std::uniform_real_distribution<float> mantissa(1.0f, 2.0f);
  for (int i = 0; i < 200000; ++i) {
    float x = mantissa(rng) * std::exp2(std::floor(exponent(rng)));
    if (i % 2) x = -x;
    ASSERT_EQ(e4m3_round(x), e4m3_decode(e4m3_encode(x))) << x;
  }
  // Every midpoint between neighbouring codes, where ties decide.
  for (int c = 0; c < 0x7e; ++c) {
    const float mid = 0.5f * (e4m3_decode(static_cast<uint8_t>(c)) + e4m3_decode(static_cast<uint8_t>(c + 1)));
    ASSERT_EQ(e4m3_round(mid), e4m3_decode(e4m3_encode(mid))) << mid;
    ASSERT_EQ(e4m3_encode(mid) & 1, 0) << mid;
  }
}

TEST(F16Round, EqualsConvertRoundTrip) {
  std::mt19937_64 rng(dattn::test::test_seed());
  std::uniform_real_distribution<float> exponent(-30.0f, 15.0f);
  std::uniform_real_distribution<float> mantissa(1.0f, 2.0f);
  for (int i = 0; i < 200000; ++i) {
    const float x = mantissa(rng) * std::exp2(std::floor(exponent(rng)));
    ASSERT_EQ(f16_round(x), half_to_float(float_to_half(x))) << x;
  }
  EXPECT_EQ(f16_round(1.0f + 0x1p-11f), 1.0f);
  EXPECT_EQ(f16_round(0x1p-25f), 0.0f);
}

Spec quant_spec(DType dtype, dattn::test::Inputs inputs) {
  Spec s;
  s.shape = {2, 4, 2, 130, 150, 96};  // partial last scale blocks on both sequences
  s.dtype = dtype;
  s.storage = dattn::test::Storage::strided;
  s.inputs = inputs;
  s.sage_pv = SagePV::fp8;
  return s;
}

class QuantRoundTrip : public testing::TestWithParam<std::tuple<DType, dattn::test::Inputs>> {};

TEST_P(QuantRoundTrip, KMeanAndInt8QK) {
  HostProblem hp(quant_spec(std::get<0>(GetParam()), std::get<1>(GetParam())), dattn::test::test_seed());
  const dattn_problem& p = hp.problem();
  const SageQuantized z = sage_quantize(p);
  const int64_t d = p.head_dim;
  const std::vector<float> q = hp.logical(HostProblem::Operand::q);
  const std::vector<float> k = hp.logical(HostProblem::Operand::k);

  for (int64_t bh = 0; bh < p.batch * p.heads_kv; ++bh) {
    for (int64_t c = 0; c < d; ++c) {
      double sum = 0;
      for (int64_t s = 0; s < p.seq_kv; ++s) sum += k[(bh * p.seq_kv + s) * d + c];
      ASSERT_EQ(z.k_mean[bh * d + c], static_cast<float>(sum / p.seq_kv));
    }
  }
  // Each block: codes within [-127, 127], the block's amax element at +-127, and every
  // value within half a step (scale / 2) of its dequantized code.
  auto check = [&](const std::vector<float>& x, const std::vector<int8_t>& codes,
                   const std::vector<float>& scales, int64_t heads, int64_t seq, float fold,
                   const float* mean) {
    const int64_t blocks = sage_blocks(seq);
    for (int64_t bh = 0; bh < p.batch * heads; ++bh) {
      for (int64_t blk = 0; blk < blocks; ++blk) {
        const float scale = scales[bh * blocks + blk] / fold;
        int max_code = 0;
        for (int64_t s = blk * 64; s < std::min(seq, blk * 64 + 64); ++s) {
          for (int64_t c = 0; c < d; ++c) {
            const int64_t i = (bh * seq + s) * d + c;
            const float value = x[i] - (mean ? mean[bh * d + c] : 0.0f);
            ASSERT_GE(codes[i], -127);
            max_code = std::max(max_code, std::abs(int{codes[i]}));
            ASSERT_LE(std::abs(codes[i] * scale - value), 0.5001f * scale) << i;
          }
        }
        ASSERT_EQ(max_code, 127);
      }
    }
  };
  check(q, z.q_int8, z.q_scale, p.heads_q, p.seq_q, p.sm_scale * 1.4426950408889634f, nullptr);
  check(k, z.k_int8, z.k_scale, p.heads_kv, p.seq_kv, 1.0f, z.k_mean.data());
}

TEST_P(QuantRoundTrip, Fp8V) {
  HostProblem hp(quant_spec(std::get<0>(GetParam()), std::get<1>(GetParam())), dattn::test::test_seed());
  const dattn_problem& p = hp.problem();
  const SageQuantized z = sage_quantize(p);
  const int64_t d = p.head_dim;
  const std::vector<float> v = hp.logical(HostProblem::Operand::v);
  for (int64_t bh = 0; bh < p.batch * p.heads_kv; ++bh) {
    for (int64_t c = 0; c < d; ++c) {
      const float scale = z.v_scale[bh * d + c];
      float amax = 0;
      for (int64_t s = 0; s < p.seq_kv; ++s) amax = std::max(amax, std::abs(v[(bh * p.seq_kv + s) * d + c]));
      ASSERT_EQ(scale, amax / 448.0f);
      // The contract's v_inv: 1 / v_scale, 0 for a zero scale, FLT_MAX past overflow.
      const float inv = scale == 0.0f ? 0.0f : std::min(1.0f / scale, std::numeric_limits<float>::max());
      for (int64_t s = 0; s < p.seq_kv; ++s) {
        const int64_t i = (bh * p.seq_kv + s) * d + c;
        const float x = v[i] * inv;
        // e4m3 keeps 3 mantissa bits: half an ulp is 2^-4 relative for normals, and
        // 2^-10 absolute in the subnormal range.
        ASSERT_LE(std::abs(e4m3_decode(z.v_fp8[i]) - x), std::max(std::abs(x) * 0x1p-4f, 0x1p-10f)) << i;
        ASSERT_EQ(z.v_fp8[i], e4m3_encode(x));
      }
    }
  }
}

INSTANTIATE_TEST_SUITE_P(Cpu, QuantRoundTrip,
                         testing::Combine(testing::Values(DType::bf16, DType::f16),
                                          testing::Values(dattn::test::Inputs::gaussian,
                                                          dattn::test::Inputs::k_bias)));

// One head of 64 tokens x 32 channels in bf16, over vectors the test fills by hand.
struct TinyBf16 {
  std::vector<uint16_t> q, k, v, out;
  dattn_problem p{};
  TinyBf16() : q(64 * 32), k(64 * 32), v(64 * 32), out(64 * 32) {
    p.dtype = static_cast<int32_t>(DType::bf16);
    p.batch = p.heads_q = p.heads_kv = 1;
    p.seq_q = p.seq_kv = 64, p.head_dim = 32;
    p.q = {q.data(), 2048, 2048, 32};
    p.k = {k.data(), 2048, 2048, 32};
    p.v = {v.data(), 2048, 2048, 32};
    p.out = {out.data(), 2048, 2048, 32};
    p.sm_scale = 0.125f;
    p.sage_pv = static_cast<int32_t>(SagePV::fp8);
  }
};

TEST(Quant, ZeroBlocksHaveZeroScaleAndCodes) {
  // Q and V all zero, K constant (so that K - mean is zero).
  TinyBf16 t;
  std::fill(t.k.begin(), t.k.end(), float_to_bf16(1.0f));
  const SageQuantized z = sage_quantize(t.p);
  EXPECT_EQ(z.q_scale[0], 0.0f);
  EXPECT_EQ(z.k_scale[0], 0.0f);
  for (float s : z.v_scale) EXPECT_EQ(s, 0.0f);
  for (int8_t c : z.q_int8) EXPECT_EQ(c, 0);
  for (int8_t c : z.k_int8) EXPECT_EQ(c, 0);
  for (uint8_t c : z.v_fp8) EXPECT_EQ(c, 0);
}

TEST(Quant, Int8RoundsHalfToEven) {
  // amax = 127 makes 127 / amax exactly 1, so the codes are the values rounded: ties must
  // go to the even neighbour.
  TinyBf16 t;
  const float values[] = {127.0f, 0.5f, 1.5f, 2.5f, -0.5f, -2.5f, -3.5f, 126.5f};
  const int8_t expected[] = {127, 0, 2, 2, 0, -2, -4, 126};
  for (int i = 0; i < 8; ++i) t.q[i] = float_to_bf16(values[i]);
  const SageQuantized z = sage_quantize(t.p);
  for (int i = 0; i < 8; ++i) EXPECT_EQ(z.q_int8[i], expected[i]) << values[i];
  EXPECT_EQ(z.q_scale[0], 1.0f * t.p.sm_scale * 1.4426950408889634f);
}

TEST(Quant, Int8OfASubnormalBlockStaysFinite) {
  // amax below 127 / FLT_MAX: 127 / amax overflows, so the contract caps the factor at FLT_MAX
  // (an uncapped inf would turn the zero into NaN). The codes are small, and exact.
  TinyBf16 t;
  const float values[] = {2e-39f, 0.0f, -2e-39f, 1e-39f, -3e-39f};
  for (int i = 0; i < 5; ++i) t.q[i] = float_to_bf16(values[i]);
  const SageQuantized z = sage_quantize(t.p);
  for (int i = 0; i < 5; ++i) {
    const float x = bf16_to_float(t.q[i]);
    const float expected = std::nearbyint(x * std::numeric_limits<float>::max());
    ASSERT_LE(std::abs(expected), 127.0f) << values[i];
    EXPECT_EQ(z.q_int8[i], static_cast<int8_t>(expected)) << values[i];
  }
  for (int i = 5; i < 64 * 32; ++i) EXPECT_EQ(z.q_int8[i], 0);
  // The scale is amax / 127 (subnormal, not flushed) times the softmax fold.
  const float amax = bf16_to_float(t.q[4]);
  EXPECT_EQ(z.q_scale[0], -amax / 127.0f * (t.p.sm_scale * 1.4426950408889634f));
  EXPECT_GT(z.q_scale[0], 0.0f);
}

}  // namespace
}  // namespace dattn::cpu
