// sage_attn on the CPU: quantize (quant.cpp), then per task (batch, head, block of 64
// queries) stream KV in blocks of 64 keys: INT8 scores (sage_qk.cpp), base-2 online softmax,
// P rounded to e4m3 or fp16, P V in sgemm on the exactly decoded values (e4m3 and fp16
// products are exact in fp32, so only the summation order differs from the GPU). With
// AVX512-BF16, fp8 P V runs on vdpbf16ps instead (sage_pv.h), exact for the same reason.
#include <cblas.h>

#include <algorithm>
#include <bit>
#include <cmath>
#include <limits>
#include <vector>

#include "cpu/bf16_dot.h"
#include "cpu/blas.h"
#include "cpu/causal.h"
#include "cpu/convert.h"
#include "cpu/kernels.h"
#include "cpu/online_softmax.h"
#include "cpu/rows.h"
#include "cpu/sage_attn.h"
#include "cpu/sage_pv.h"
#include "cpu/simd.h"
#include "cpu/tiles.h"

namespace dattn::cpu {
namespace {

constexpr int64_t kQ = tiles::kSageQRows;
constexpr int64_t kKv = tiles::kSageKvRows;
constexpr float kNegInf = -std::numeric_limits<float>::infinity();
constexpr float kLog2Fp8Max = 8.807354922057604f;  // log2(448)
constexpr float kLn2 = 0.6931471805599453f;

// Scores of one row to rounded probabilities in p[0, n) (keys at or past `limit` get 0),
// updating the running max m and sum l and rescaling the output row o[0, d).
DATTN_CPU_CLONES void softmax_row(const int32_t* dots, float scale, int64_t n, int64_t limit,
                                  bool fp8, float& m, float& l, float* p, float* o, int64_t d) {
#pragma omp simd
  for (int64_t t = 0; t < limit; ++t) p[t] = static_cast<float>(dots[t]) * scale;
  if (!online_softmax_step(p, n, limit, fp8 ? kLog2Fp8Max : 0.0f, m, l, o, d)) return;
  // The row sum used the unrounded values; P V uses the rounded ones.
  if (fp8) {
#pragma omp simd
    for (int64_t t = 0; t < limit; ++t) p[t] = e4m3_round(p[t]);
  } else {
#pragma omp simd
    for (int64_t t = 0; t < limit; ++t) p[t] = f16_round(p[t]);
  }
}

DATTN_CPU_CLONES void decode_fp8(const uint8_t* codes, int64_t n, float* out) {
#pragma omp simd
  for (int64_t i = 0; i < n; ++i) out[i] = e4m3_decode(codes[i]);
}

DATTN_CPU_CLONES void decode_f16(const uint16_t* codes, int64_t n, float* out) {
#pragma omp simd
  for (int64_t i = 0; i < n; ++i) out[i] = half_to_float(codes[i]);
}

// Operands shared by all tasks, laid out for the inner loop once per call.
struct Prepared {
  std::vector<uint32_t> k_packed;  // VNNI path: pack_k_block per (b, hkv, key block)
  std::vector<int32_t> k_bias;
  std::vector<float> v;            // sgemm P V: the exact fp32 values of V's e4m3 / fp16 codes
  std::vector<uint32_t> v_pairs;   // bf16_dot P V: pack_v_pairs per (b, hkv, key block)
};

// e4m3 values have 3 mantissa bits, so the top half of their fp32 bits is the exact bf16.
DATTN_CPU_CLONES void decode_fp8_bf16(const uint8_t* codes, int64_t n, uint16_t* out) {
#pragma omp simd
  for (int64_t i = 0; i < n; ++i) out[i] = static_cast<uint16_t>(std::bit_cast<uint32_t>(e4m3_decode(codes[i])) >> 16);
}

constexpr int64_t v_block_words(int64_t d) { return bf16_pairs(kKv) * bf16_v_cols(d); }

Prepared prepare(const dattn_problem& p, const SageQuantized& z, QkPath path, SagePvPath pv) {
  Prepared w;
  const int64_t d = p.head_dim;
  const int64_t kv_blocks = sage_blocks(p.seq_kv);
  const int64_t heads = p.batch * p.heads_kv;
  if (path == QkPath::vnni) {
    w.k_packed.resize(static_cast<size_t>(heads * kv_blocks * kKv * d / 4));
    w.k_bias.resize(static_cast<size_t>(heads * kv_blocks * kKv));
#pragma omp parallel for schedule(static)
    for (int64_t i = 0; i < heads * kv_blocks; ++i) {
      const int64_t bh = i / kv_blocks, k0 = (i % kv_blocks) * kKv;
      pack_k_block(z.k_int8.data() + (bh * p.seq_kv + k0) * d, std::min(kKv, p.seq_kv - k0), d,
                   w.k_packed.data() + i * kKv * d / 4, w.k_bias.data() + i * kKv);
    }
  }
  if (pv == SagePvPath::bf16_dot) {
    w.v_pairs.resize(static_cast<size_t>(heads * kv_blocks * v_block_words(d)));
#pragma omp parallel
    {
      std::vector<uint16_t> bf16(kKv * d);
#pragma omp for schedule(static)
      for (int64_t i = 0; i < heads * kv_blocks; ++i) {
        const int64_t bh = i / kv_blocks, k0 = (i % kv_blocks) * kKv;
        const int64_t keys = std::min(kKv, p.seq_kv - k0);
        decode_fp8_bf16(z.v_fp8.data() + (bh * p.seq_kv + k0) * d, keys * d, bf16.data());
        pack_v_pairs(bf16.data(), d, keys, d, w.v_pairs.data() + i * v_block_words(d));
      }
    }
    return w;
  }
  w.v.resize(static_cast<size_t>(heads * p.seq_kv * d));
  const int64_t row = p.seq_kv * d;
#pragma omp parallel for schedule(static)
  for (int64_t bh = 0; bh < heads; ++bh) {
    if (sage_pv_is_fp8(p)) {
      decode_fp8(z.v_fp8.data() + bh * row, row, w.v.data() + bh * row);
    } else {
      decode_f16(z.v_f16.data() + bh * row, row, w.v.data() + bh * row);
    }
  }
  return w;
}

struct Scratch {
  std::vector<uint8_t> q_u8;
  std::vector<int32_t> dots;
  std::vector<float> p, acc, o, m, l, q_row;
  std::vector<uint32_t> p_pairs;
  explicit Scratch(int64_t d)
      : q_u8(kQ * d), dots(kQ * kKv), p(kQ * kKv), acc(kQ * d), o(kQ * d), m(kQ), l(kQ), q_row(d),
        p_pairs(kQ * bf16_pairs(kKv)) {}
};

void run_task(const dattn_problem& p, const SageQuantized& z, const Prepared& prep, QkPath path,
              SagePvPath pv, int64_t b, int64_t h, int64_t qb, Scratch& w) {
  const int64_t d = p.head_dim;
  const int64_t hkv = h / (p.heads_q / p.heads_kv);
  const int64_t q0 = qb * kQ;
  const int64_t rows = std::min(kQ, p.seq_q - q0);
  const int64_t kv_blocks = sage_blocks(p.seq_kv);
  const bool fp8 = sage_pv_is_fp8(p);
  const int8_t* q = z.q_int8.data() + ((b * p.heads_q + h) * p.seq_q + q0) * d;
  // A task spans kSageQRows / 64 Q scale blocks; each row takes its own block's scale.
  const float* q_scale = z.q_scale.data() + (b * p.heads_q + h) * sage_blocks(p.seq_q);

  if (path == QkPath::vnni) {
    const int64_t padded = (rows + 3) / 4 * 4;
    for (int64_t i = 0; i < rows * d; ++i) w.q_u8[i] = static_cast<uint8_t>(q[i]) ^ 0x80u;
    std::fill(w.q_u8.begin() + rows * d, w.q_u8.begin() + padded * d, uint8_t{0x80});
  }
  std::fill(w.o.begin(), w.o.begin() + rows * d, 0.0f);
  std::fill(w.m.begin(), w.m.end(), kNegInf);
  std::fill(w.l.begin(), w.l.end(), 0.0f);

  const int64_t kv_end = visible_keys(p, q0 + rows - 1);
  for (int64_t kb = 0; kb * kKv < kv_end; ++kb) {
    const int64_t k0 = kb * kKv;
    const int64_t n = std::min(kKv, p.seq_kv - k0);
    const int64_t block = (b * p.heads_kv + hkv) * kv_blocks + kb;
    if (path == QkPath::vnni) {
      qk_scores_vnni(w.q_u8.data(), rows, prep.k_packed.data() + block * kKv * d / 4,
                     prep.k_bias.data() + block * kKv, d, w.dots.data());
    } else {
      qk_scores_portable(q, rows, z.k_int8.data() + ((b * p.heads_kv + hkv) * p.seq_kv + k0) * d,
                         n, d, w.dots.data());
    }
    for (int64_t i = 0; i < rows; ++i) {
      const int64_t limit = std::clamp<int64_t>(visible_keys(p, q0 + i) - k0, 0, n);
      const float scale = q_scale[(q0 + i) / dattn::sage::kQBlock] * z.k_scale[block];
      softmax_row(w.dots.data() + i * kKv, scale, n, limit, fp8, w.m[i], w.l[i],
                  w.p.data() + i * kKv, w.o.data() + i * d, d);
    }
    // Two-level accumulation: this block's P V in a fresh accumulator, then added
    // (pv_bf16 does both).
    if (pv == SagePvPath::bf16_dot) {
      constexpr int64_t kLdP = bf16_pairs(kKv);
      pack_p_pairs(w.p.data(), kKv, rows, n, w.p_pairs.data(), kLdP);
      pv_bf16(w.p_pairs.data(), kLdP, rows, prep.v_pairs.data() + block * v_block_words(d), n, d,
              w.o.data(), d);
    } else {
      cblas_sgemm(CblasRowMajor, CblasNoTrans, CblasNoTrans, rows, d, n, 1.0f, w.p.data(), kKv,
                  prep.v.data() + ((b * p.heads_kv + hkv) * p.seq_kv + k0) * d, d, 0.0f,
                  w.acc.data(), d);
      for (int64_t i = 0; i < rows * d; ++i) w.o[i] += w.acc[i];
    }
  }

  const float* v_scale = fp8 ? z.v_scale.data() + (b * p.heads_kv + hkv) * d : nullptr;
  const float* k_mean = z.k_mean.data() + (b * p.heads_kv + hkv) * d;
  for (int64_t i = 0; i < rows; ++i) {
    float* o = w.o.data() + i * d;
    const float l = w.l[i];
    // l = 0 only for a row that sees no key: output 0 (check/reference.h). One reciprocal per
    // row, then products, as the GPU epilogue (cuda/sage/epilogue.cuh) rounds.
    const float inv_l = l > 0 ? 1.0f / l : 0.0f;
    for (int64_t c = 0; c < d; ++c) {
      o[c] *= inv_l;
      if (v_scale != nullptr) o[c] *= v_scale[c];
    }
    if (p.lse != nullptr) {
      float lse = kNegInf;
      if (l > 0) {
        // Smoothing K removed q.k_mean from every score of the row: add it back.
        load_rows(p.q, static_cast<DType>(p.dtype), b, h, q0 + i, 1, d, 1.0f, w.q_row.data());
        float q_dot_mean = 0;
        for (int64_t c = 0; c < d; ++c) q_dot_mean += w.q_row[c] * k_mean[c];
        lse = (w.m[i] + std::log2(l) - (fp8 ? kLog2Fp8Max : 0.0f)) * kLn2 + p.sm_scale * q_dot_mean;
      }
      p.lse[b * p.lse_stride_b + h * p.lse_stride_h + q0 + i] = lse;
    }
  }
  store_rows(w.o.data(), rows, d, static_cast<DType>(p.dtype), p.out, b, h, q0);
}

}  // namespace

SagePvPath best_sage_pv_path(const dattn_problem& p) {
  return sage_pv_is_fp8(p) && bf16_dot_available() ? SagePvPath::bf16_dot : SagePvPath::sgemm;
}

void sage_attn_quantized(const dattn_problem& p, const SageQuantized& z, QkPath path) {
  sage_attn_quantized_on(p, z, path, best_sage_pv_path(p));
}

void sage_attn_quantized_on(const dattn_problem& p, const SageQuantized& z, QkPath path,
                            SagePvPath pv) {
  blas_single_threaded();
  const Prepared prep = prepare(p, z, path, pv);
  const int64_t q_blocks = (p.seq_q + kQ - 1) / kQ;
  const int64_t tasks = p.batch * p.heads_q * q_blocks;
#pragma omp parallel
  {
    Scratch w(p.head_dim);
#pragma omp for schedule(dynamic)
    for (int64_t t = 0; t < tasks; ++t) {
      run_task(p, z, prep, path, pv, t / (q_blocks * p.heads_q), (t / q_blocks) % p.heads_q,
               t % q_blocks, w);
    }
  }
}

void sage_attn(const dattn_problem& p) { sage_attn_quantized(p, sage_quantize(p), best_qk_path()); }

}  // namespace dattn::cpu
