// Flash-style attention on the CPU: per task (batch, head, block of query rows),
// stream KV in blocks of kFaKvRows with an online softmax in base 2 (sm_scale * log2(e)
// folded into Q, so exp2 is all the softmax needs), both block products in sgemm, all
// accumulation in fp32. f16 / bf16 tiles are widened to fp32 as they are used; f32
// operands go to sgemm in place, with their row stride as leading dimension. On AVX-512
// CPUs, f32 and bf16 inputs take register-tile kernels instead (fa.h): f32 in fp32 FMA
// (f32_dot.h), bf16 in vdpbf16ps where AVX512-BF16 exists (bf16_dot.h): Q K^T on the bf16
// values as they are (exact products, fp32 sums), P rounded to bf16 for P V.
#include "cpu/fa.h"

#include <cblas.h>

#include <algorithm>
#include <cmath>
#include <limits>
#include <vector>

#include "cpu/bf16_dot.h"
#include "cpu/blas.h"
#include "cpu/causal.h"
#include "cpu/f32_dot.h"
#include "cpu/kernels.h"
#include "cpu/online_softmax.h"
#include "cpu/rows.h"
#include "cpu/simd.h"
#include "cpu/tiles.h"

namespace dattn::cpu {
namespace {

constexpr float kNegInf = -std::numeric_limits<float>::infinity();
constexpr float kLog2e = 1.4426950408889634f;
constexpr float kLn2 = 0.6931471805599453f;

// Turns the score row scale * s[0, n) (log2 units) into probabilities in place, keys at or
// past `limit` masked, and rescales the running max m, sum l and output row o[0, d) to match.
DATTN_CPU_CLONES void online_softmax_row(float* s, float scale, int64_t n, int64_t limit,
                                         float& m, float& l, float* o, int64_t d) {
#pragma omp simd
  for (int64_t j = 0; j < limit; ++j) s[j] *= scale;
  online_softmax_step(s, n, limit, 0.0f, m, l, o, d);
}

int64_t task_rows(FaPath path) {
  return path == FaPath::sgemm ? tiles::kFaQRows : tiles::kFaDotQRows;
}

struct Scratch {
  std::vector<float> q, k, v, s, o, m, l;
  std::vector<uint32_t> k_pairs, v_pairs, p_pairs;  // the bf16_dot path's operands
  Scratch(int64_t d, FaPath path) {
    const int64_t q_rows = task_rows(path);
    if (path == FaPath::bf16_dot) {
      k_pairs.resize(d / 2 * bf16_k_cols(tiles::kFaKvRows));
      v_pairs.resize(bf16_pairs(tiles::kFaKvRows) * bf16_v_cols(d));
      p_pairs.resize(q_rows * bf16_pairs(tiles::kFaKvRows));
    }
    q.resize(q_rows * d);
    // f32_dot packs K^T and V with padding (f32_dot.h); sgemm widens them unpadded.
    k.resize(f32_k_cols(tiles::kFaKvRows) * d);
    v.resize(tiles::kFaKvRows * f32_v_cols(d));
    s.resize(q_rows * tiles::kFaKvRows);
    o.resize(q_rows * d);
    m.resize(q_rows);
    l.resize(q_rows);
  }
};

// An operand tile for sgemm: the view itself for f32, else widened into `buf`.
struct Tile {
  const float* data;
  int64_t ld;
};

Tile tile(const dattn_view& view, DType dtype, int64_t b, int64_t h, int64_t s0, int64_t rows,
          int64_t d, float scale, float* buf) {
  if (dtype == DType::f32 && scale == 1.0f) {
    return {static_cast<const float*>(view.data) + row_offset(view, b, h, s0), view.stride_s};
  }
  load_rows(view, dtype, b, h, s0, rows, d, scale, buf);
  return {buf, d};
}

const uint16_t* bf16_rows(const dattn_view& view, int64_t b, int64_t h, int64_t s0) {
  return static_cast<const uint16_t*>(view.data) + row_offset(view, b, h, s0);
}

const float* f32_rows(const dattn_view& view, int64_t b, int64_t h, int64_t s0) {
  return static_cast<const float*>(view.data) + row_offset(view, b, h, s0);
}

void softmax_rows(const dattn_problem& p, int64_t q0, int64_t rows, int64_t k0, int64_t n,
                  float scale, Scratch& w) {
  for (int64_t i = 0; i < rows; ++i) {
    const int64_t limit = std::clamp<int64_t>(visible_keys(p, q0 + i) - k0, 0, n);
    online_softmax_row(w.s.data() + i * tiles::kFaKvRows, scale, n, limit, w.m[i], w.l[i],
                       w.o.data() + i * p.head_dim, p.head_dim);
  }
}

void run_task(const dattn_problem& p, FaPath path, int64_t b, int64_t h, int64_t q0,
              Scratch& w) {
  const auto dtype = static_cast<DType>(p.dtype);
  const int64_t d = p.head_dim;
  const int64_t hkv = h / (p.heads_q / p.heads_kv);
  const int64_t rows = std::min(task_rows(path), p.seq_q - q0);
  const float qk_scale = p.sm_scale * kLog2e;
  constexpr int64_t kLdS = tiles::kFaKvRows;

  // The scale goes in sgemm's alpha for f32 Q (used in place), into the widening for f16
  // / bf16, and onto the scores in the softmax for the dot paths (Q used in place).
  const bool sgemm = path == FaPath::sgemm;
  const bool scale_in_gemm = dtype == DType::f32;
  Tile q{};
  if (sgemm) q = tile(p.q, dtype, b, h, q0, rows, d, scale_in_gemm ? 1.0f : qk_scale, w.q.data());
  std::fill(w.o.begin(), w.o.begin() + rows * d, 0.0f);
  std::fill(w.m.begin(), w.m.end(), kNegInf);
  std::fill(w.l.begin(), w.l.end(), 0.0f);

  const int64_t kv_end = visible_keys(p, q0 + rows - 1);
  for (int64_t k0 = 0; k0 < kv_end; k0 += tiles::kFaKvRows) {
    const int64_t n = std::min(tiles::kFaKvRows, kv_end - k0);
    if (sgemm) {
      const Tile k = tile(p.k, dtype, b, hkv, k0, n, d, 1.0f, w.k.data());
      cblas_sgemm(CblasRowMajor, CblasNoTrans, CblasTrans, rows, n, d,
                  scale_in_gemm ? qk_scale : 1.0f, q.data, q.ld, k.data, k.ld, 0.0f, w.s.data(),
                  kLdS);
      softmax_rows(p, q0, rows, k0, n, 1.0f, w);
      const Tile v = tile(p.v, dtype, b, hkv, k0, n, d, 1.0f, w.v.data());
      cblas_sgemm(CblasRowMajor, CblasNoTrans, CblasNoTrans, rows, d, n, 1.0f, w.s.data(),
                  kLdS, v.data, v.ld, 1.0f, w.o.data(), d);
    } else if (path == FaPath::f32_dot) {
      pack_k_f32(f32_rows(p.k, b, hkv, k0), p.k.stride_s, n, d, w.k.data());
      qk_f32(f32_rows(p.q, b, h, q0), p.q.stride_s, rows, w.k.data(), n, d, w.s.data(), kLdS);
      softmax_rows(p, q0, rows, k0, n, qk_scale, w);
      pack_v_f32(f32_rows(p.v, b, hkv, k0), p.v.stride_s, n, d, w.v.data());
      pv_f32(w.s.data(), kLdS, rows, w.v.data(), n, d, w.o.data(), d);
    } else {
      pack_k_pairs(bf16_rows(p.k, b, hkv, k0), p.k.stride_s, n, d, w.k_pairs.data());
      qk_bf16(bf16_rows(p.q, b, h, q0), p.q.stride_s, rows, w.k_pairs.data(), n, d, w.s.data(),
              kLdS);
      softmax_rows(p, q0, rows, k0, n, qk_scale, w);
      constexpr int64_t kLdP = bf16_pairs(tiles::kFaKvRows);
      pack_p_pairs(w.s.data(), kLdS, rows, n, w.p_pairs.data(), kLdP);
      pack_v_pairs(bf16_rows(p.v, b, hkv, k0), p.v.stride_s, n, d, w.v_pairs.data());
      pv_bf16(w.p_pairs.data(), kLdP, rows, w.v_pairs.data(), n, d, w.o.data(), d);
    }
  }

  for (int64_t i = 0; i < rows; ++i) {
    // l = 0 only for a row that sees no key: output 0, LSE -inf (check/reference.h).
    const float inv = w.l[i] > 0 ? 1.0f / w.l[i] : 0.0f;
    for (int64_t c = 0; c < d; ++c) w.o[i * d + c] *= inv;
    if (p.lse != nullptr) {
      p.lse[b * p.lse_stride_b + h * p.lse_stride_h + q0 + i] =
          w.l[i] > 0 ? (w.m[i] + std::log2(w.l[i])) * kLn2 : kNegInf;
    }
  }
  store_rows(w.o.data(), rows, d, dtype, p.out, b, h, q0);
}

}  // namespace

FaPath best_fa_path(const dattn_problem& p) {
  const auto dtype = static_cast<DType>(p.dtype);
  if (dtype == DType::bf16 && bf16_dot_available()) return FaPath::bf16_dot;
  if (dtype == DType::f32 && f32_dot_available()) return FaPath::f32_dot;
  return FaPath::sgemm;
}

void fa(const dattn_problem& p) { fa_on(p, best_fa_path(p)); }

void fa_on(const dattn_problem& p, FaPath path) {
  blas_single_threaded();
  const int64_t q_rows = task_rows(path);
  const int64_t q_blocks = (p.seq_q + q_rows - 1) / q_rows;
  const int64_t tasks = p.batch * p.heads_q * q_blocks;
#pragma omp parallel
  {
    Scratch w(p.head_dim, path);
    // Dynamic: causal tasks differ in length, and the first blocks of a causal run are short.
#pragma omp for schedule(dynamic)
    for (int64_t t = 0; t < tasks; ++t) {
      const int64_t qb = t % q_blocks;
      const int64_t h = (t / q_blocks) % p.heads_q;
      const int64_t b = t / (q_blocks * p.heads_q);
      run_task(p, path, b, h, qb * q_rows, w);
    }
  }
}

}  // namespace dattn::cpu
