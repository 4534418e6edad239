#include "cpu/quant.h"

#include <algorithm>
#include <cmath>
#include <limits>

#include "core/sage_contract.h"
#include "cpu/convert.h"
#include "cpu/rows.h"
#include "cpu/simd.h"
#include "dattn/types.h"

namespace dattn::cpu {
namespace {

constexpr int64_t kBlock = dattn::sage::kQBlock;
static_assert(dattn::sage::kQBlock == 64 && dattn::sage::kKBlock == 64,
              "quant.h documents 64-token blocks; update it with the contract");

DType dtype_of(const dattn_problem& p) { return static_cast<DType>(p.dtype); }

// min(x / d, FLT_MAX) for d > 0, the contract's capped factor, with its quotient taken in
// double: a double quotient rounded to float is the correctly rounded float quotient (53 >=
// 2 · 24 + 2 bits), and it cannot overflow. Written in float, g++ 13.3 (Ubuntu 24.04) reads
// `x / d > FLT_MAX` as d == 0 (its float value ranges do not model the quotient overflowing)
// and used amax = 0 after the cap, so a block of subnormals got scale 0 against the GPU's
// amax / 127 (seen by the GPU test SageQuant.MatchesCpuOnSubnormalInputs).
float capped_quotient(float x, float d) {
  return static_cast<float>(std::min(static_cast<double>(x) / d, double{std::numeric_limits<float>::max()}));
}

// Symmetric INT8 of `n` values with one scale: round_half_even(x * min(127 / amax, FLT_MAX)).
// Returns amax / 127 (0 for an all-zero block, whose codes are then 0). The FLT_MAX cap keeps
// a block of subnormals (127 / amax overflows) finite: its codes are then small, not ±127.
DATTN_CPU_CLONES float quantize_block_int8(const float* x, int64_t n, int8_t* codes) {
  float amax = 0;
#pragma omp simd reduction(max : amax)
  for (int64_t i = 0; i < n; ++i) amax = std::max(amax, std::abs(x[i]));
  if (amax == 0) {
    std::fill(codes, codes + n, int8_t{0});
    return 0;
  }
  const float inv = capped_quotient(dattn::sage::kInt8Max, amax);
#pragma omp simd
  for (int64_t i = 0; i < n; ++i) {
    // |x * inv| <= 127 (+ rounding), and adding then subtracting 1.5 * 2^23 rounds it to
    // the nearest integer, half to even, like nearbyint but without a libm call. The clamp
    // guards against x * inv landing a hair above 127.5, which fp32 cannot produce but
    // costs nothing to rule out.
    const float r = (x[i] * inv + 12582912.0f) - 12582912.0f;
    codes[i] = static_cast<int8_t>(std::clamp(r, -dattn::sage::kInt8Max, dattn::sage::kInt8Max));
  }
  return amax / dattn::sage::kInt8Max;
}

// v_inv of the contract: one division per channel, not per element (the GPU does the same).
float v_inverse_scale(float scale) {
  if (scale == 0.0f) return 0.0f;
  return capped_quotient(1.0f, scale);
}

DATTN_CPU_CLONES void encode_fp8_row(const float* v, const float* inv_scale, int64_t n, uint8_t* codes) {
#pragma omp simd
  for (int64_t c = 0; c < n; ++c) codes[c] = e4m3_encode(v[c] * inv_scale[c]);
}

}  // namespace

void sage_k_mean(const dattn_problem& p, float* k_mean) {
  const int64_t d = p.head_dim;
#pragma omp parallel
  {
    std::vector<float> row(d);
    std::vector<double> sum(d);
#pragma omp for schedule(static)
    for (int64_t bh = 0; bh < p.batch * p.heads_kv; ++bh) {
      std::fill(sum.begin(), sum.end(), 0.0);
      for (int64_t s = 0; s < p.seq_kv; ++s) {
        load_rows(p.k, dtype_of(p), bh / p.heads_kv, bh % p.heads_kv, s, 1, d, 1.0f, row.data());
        for (int64_t c = 0; c < d; ++c) sum[c] += row[c];
      }
      for (int64_t c = 0; c < d; ++c) {
        k_mean[bh * d + c] = static_cast<float>(sum[c] / static_cast<double>(p.seq_kv));
      }
    }
  }
}

namespace {

// INT8 codes and one scale per kBlock tokens of every (batch, head) of `v`; `mean` (per
// (batch, head, channel), or null) is subtracted first, and each scale is multiplied by `fold`.
void quantize_int8_blocks(const dattn_problem& p, const dattn_view& v, int64_t heads, int64_t seq,
                          const float* mean, float fold, int8_t* codes, float* scales) {
  const int64_t d = p.head_dim;
  const int64_t blocks = sage_blocks(seq);
#pragma omp parallel
  {
    std::vector<float> x(kBlock * d);
#pragma omp for schedule(static)
    for (int64_t i = 0; i < p.batch * heads * blocks; ++i) {
      const int64_t bh = i / blocks, s0 = (i % blocks) * kBlock;
      const int64_t n = std::min(kBlock, seq - s0);
      load_rows(v, dtype_of(p), bh / heads, bh % heads, s0, n, d, 1.0f, x.data());
      if (mean != nullptr) {
        for (int64_t t = 0; t < n; ++t) {
          for (int64_t c = 0; c < d; ++c) x[t * d + c] -= mean[bh * d + c];
        }
      }
      scales[i] = quantize_block_int8(x.data(), n * d, codes + (bh * seq + s0) * d) * fold;
    }
  }
}

}  // namespace

void sage_quantize_q(const dattn_problem& p, int8_t* q_int8, float* q_scale) {
  quantize_int8_blocks(p, p.q, p.heads_q, p.seq_q, nullptr, p.sm_scale * dattn::sage::kLog2e,
                       q_int8, q_scale);
}

void sage_quantize_k(const dattn_problem& p, const float* k_mean, int8_t* k_int8,
                     float* k_scale) {
  quantize_int8_blocks(p, p.k, p.heads_kv, p.seq_kv, k_mean, 1.0f, k_int8, k_scale);
}

void sage_quantize_v_fp8(const dattn_problem& p, uint8_t* v_fp8, float* v_scale) {
  const int64_t d = p.head_dim;
#pragma omp parallel
  {
    std::vector<float> row(d), amax(d), inv(d);
#pragma omp for schedule(static)
    for (int64_t bh = 0; bh < p.batch * p.heads_kv; ++bh) {
      const int64_t b = bh / p.heads_kv, h = bh % p.heads_kv;
      std::fill(amax.begin(), amax.end(), 0.0f);
      for (int64_t s = 0; s < p.seq_kv; ++s) {
        load_rows(p.v, dtype_of(p), b, h, s, 1, d, 1.0f, row.data());
        for (int64_t c = 0; c < d; ++c) amax[c] = std::max(amax[c], std::abs(row[c]));
      }
      float* scale = v_scale + bh * d;
      for (int64_t c = 0; c < d; ++c) {
        scale[c] = amax[c] / dattn::sage::kFp8Max;
        inv[c] = v_inverse_scale(scale[c]);
      }
      for (int64_t s = 0; s < p.seq_kv; ++s) {
        load_rows(p.v, dtype_of(p), b, h, s, 1, d, 1.0f, row.data());
        encode_fp8_row(row.data(), inv.data(), d, v_fp8 + (bh * p.seq_kv + s) * d);
      }
    }
  }
}

void sage_convert_v_f16(const dattn_problem& p, uint16_t* v_f16) {
  const int64_t d = p.head_dim;
#pragma omp parallel
  {
    std::vector<float> row(d);
#pragma omp for schedule(static)
    for (int64_t r = 0; r < p.batch * p.heads_kv * p.seq_kv; ++r) {
      const int64_t bh = r / p.seq_kv;
      load_rows(p.v, dtype_of(p), bh / p.heads_kv, bh % p.heads_kv, r % p.seq_kv, 1, d, 1.0f,
                row.data());
      for (int64_t c = 0; c < d; ++c) v_f16[r * d + c] = float_to_half(row[c]);
    }
  }
}

SageQuantized sage_quantize(const dattn_problem& p) {
  const auto n = [](int64_t x) { return static_cast<size_t>(x); };
  const int64_t d = p.head_dim;
  SageQuantized z;
  z.k_mean.resize(n(p.batch * p.heads_kv * d));
  z.q_int8.resize(n(p.batch * p.heads_q * p.seq_q * d));
  z.q_scale.resize(n(p.batch * p.heads_q * sage_blocks(p.seq_q)));
  z.k_int8.resize(n(p.batch * p.heads_kv * p.seq_kv * d));
  z.k_scale.resize(n(p.batch * p.heads_kv * sage_blocks(p.seq_kv)));
  sage_k_mean(p, z.k_mean.data());
  sage_quantize_q(p, z.q_int8.data(), z.q_scale.data());
  sage_quantize_k(p, z.k_mean.data(), z.k_int8.data(), z.k_scale.data());
  if (!sage_pv_is_fp8(p)) {
    z.v_f16.resize(n(p.batch * p.heads_kv * p.seq_kv * d));
    sage_convert_v_f16(p, z.v_f16.data());
  } else {
    z.v_fp8.resize(n(p.batch * p.heads_kv * p.seq_kv * d));
    z.v_scale.resize(n(p.batch * p.heads_kv * d));
    sage_quantize_v_fp8(p, z.v_fp8.data(), z.v_scale.data());
  }
  return z;
}

}  // namespace dattn::cpu
