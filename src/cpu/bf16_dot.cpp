#include "cpu/bf16_dot.h"

#include <algorithm>
#include <cstring>

#include "cpu/tiles.h"

#if defined(__x86_64__) && defined(__GNUC__)
#include <immintrin.h>
#define DATTN_BF16_TARGET __attribute__((target("avx512f,avx512bw,avx512vl,avx512bf16")))
#define DATTN_HAVE_BF16_DOT 1
// GCC 12's AVX-512 unpack / shuffle intrinsics start from _mm512_undefined_epi32(), which
// its own -Wmaybe-uninitialized reports once they are inlined here: a false positive.
#if !defined(__clang__)
#pragma GCC diagnostic ignored "-Wmaybe-uninitialized"
#endif
#else
#define DATTN_HAVE_BF16_DOT 0
#endif

namespace dattn::cpu {

bool bf16_dot_available() {
#if DATTN_HAVE_BF16_DOT
  return __builtin_cpu_supports("avx512f") && __builtin_cpu_supports("avx512bw") &&
         __builtin_cpu_supports("avx512vl") && __builtin_cpu_supports("avx512bf16");
#else
  return false;
#endif
}

#if DATTN_HAVE_BF16_DOT
namespace {

constexpr int kRows = tiles::kBf16Rows;
constexpr int kCols = tiles::kBf16Cols;
static_assert(kRows == 6 && kCols == 4, "the remainder switches below are written for 6 x 4");

inline uint32_t load_pair(const uint16_t* p) {
  uint32_t w;
  std::memcpy(&w, p, sizeof w);  // rows may start at odd elements: no alignment assumed
  return w;
}

// R rows x J vectors of 16 keys: every K vector loaded once per channel pair feeds R rows.
template <int R, int J>
DATTN_BF16_TARGET void qk_block(const uint16_t* q, int64_t ldq, const uint32_t* k, int64_t np,
                                int64_t d2, float* s, int64_t lds) {
  __m512 acc[R][J];
  for (int r = 0; r < R; ++r)
    for (int j = 0; j < J; ++j) acc[r][j] = _mm512_setzero_ps();
  for (int64_t c2 = 0; c2 < d2; ++c2) {
    __m512i kv[J];
    for (int j = 0; j < J; ++j) kv[j] = _mm512_loadu_si512(k + c2 * np + 16 * j);
    for (int r = 0; r < R; ++r) {
      const __m512i qb = _mm512_set1_epi32(static_cast<int>(load_pair(q + r * ldq + 2 * c2)));
      for (int j = 0; j < J; ++j) acc[r][j] = _mm512_dpbf16_ps(acc[r][j], (__m512bh)qb, (__m512bh)kv[j]);
    }
  }
  for (int r = 0; r < R; ++r)
    for (int j = 0; j < J; ++j) _mm512_storeu_ps(s + r * lds + 16 * j, acc[r][j]);
}

template <int R>
DATTN_BF16_TARGET void qk_rows(const uint16_t* q, int64_t ldq, const uint32_t* k, int64_t np,
                               int64_t d2, float* s, int64_t lds) {
  for (int64_t t0 = 0; t0 < np; t0 += 16 * kCols) {
    switch ((np - t0) / 16 >= kCols ? kCols : (np - t0) / 16) {
      case 4: qk_block<R, 4>(q, ldq, k + t0, np, d2, s + t0, lds); break;
      case 3: qk_block<R, 3>(q, ldq, k + t0, np, d2, s + t0, lds); break;
      case 2: qk_block<R, 2>(q, ldq, k + t0, np, d2, s + t0, lds); break;
      default: qk_block<R, 1>(q, ldq, k + t0, np, d2, s + t0, lds); break;
    }
  }
}

// R rows x J vectors of 16 channels; `mask` covers the channels < d of the last vector.
template <int R, int J>
DATTN_BF16_TARGET void pv_block(const uint32_t* p, int64_t ldp, const uint32_t* v, int64_t dp,
                                int64_t n2, float* o, int64_t ldo, __mmask16 last) {
  __m512 acc[R][J];
  for (int r = 0; r < R; ++r)
    for (int j = 0; j < J; ++j) acc[r][j] = _mm512_setzero_ps();
  for (int64_t t2 = 0; t2 < n2; ++t2) {
    __m512i vv[J];
    for (int j = 0; j < J; ++j) vv[j] = _mm512_loadu_si512(v + t2 * dp + 16 * j);
    for (int r = 0; r < R; ++r) {
      const __m512i pb = _mm512_set1_epi32(static_cast<int>(p[r * ldp + t2]));
      for (int j = 0; j < J; ++j) acc[r][j] = _mm512_dpbf16_ps(acc[r][j], (__m512bh)pb, (__m512bh)vv[j]);
    }
  }
  for (int r = 0; r < R; ++r) {
    for (int j = 0; j < J; ++j) {
      const __mmask16 m = j == J - 1 ? last : __mmask16{0xffff};
      float* dst = o + r * ldo + 16 * j;
      _mm512_mask_storeu_ps(dst, m, _mm512_add_ps(_mm512_maskz_loadu_ps(m, dst), acc[r][j]));
    }
  }
}

template <int R>
DATTN_BF16_TARGET void pv_rows(const uint32_t* p, int64_t ldp, const uint32_t* v, int64_t d,
                               int64_t n2, float* o, int64_t ldo) {
  const int64_t dp = bf16_v_cols(d);
  for (int64_t c0 = 0; c0 < dp; c0 += 16 * kCols) {
    const int64_t vecs = (dp - c0) / 16 >= kCols ? kCols : (dp - c0) / 16;
    const int64_t tail = std::min<int64_t>(d - (c0 + 16 * (vecs - 1)), 16);  // in the last vector
    const __mmask16 last = static_cast<__mmask16>((1u << tail) - 1u);
    switch (vecs) {
      case 4: pv_block<R, 4>(p, ldp, v + c0, dp, n2, o + c0, ldo, last); break;
      case 3: pv_block<R, 3>(p, ldp, v + c0, dp, n2, o + c0, ldo, last); break;
      case 2: pv_block<R, 2>(p, ldp, v + c0, dp, n2, o + c0, ldo, last); break;
      default: pv_block<R, 1>(p, ldp, v + c0, dp, n2, o + c0, ldo, last); break;
    }
  }
}

}  // namespace

// 16 keys x 16 channel pairs at a time, transposed in registers (unpack 32 / 64-bit, then
// two rounds of 128-bit lane shuffles): a scalar word-by-word transpose cost 7% of fa.
DATTN_BF16_TARGET void pack_k_pairs(const uint16_t* k, int64_t ldk, int64_t keys, int64_t d,
                                    uint32_t* out) {
  const int64_t np = bf16_k_cols(keys), d2 = d / 2;
  for (int64_t t0 = 0; t0 < np; t0 += 16) {
    for (int64_t c0 = 0; c0 < d2; c0 += 16) {
      const int64_t cols = std::min<int64_t>(16, d2 - c0);
      const __mmask16 m = static_cast<__mmask16>((1u << cols) - 1u);
      __m512i r[16], t[16], u[16];
      for (int i = 0; i < 16; ++i) {
        r[i] = t0 + i < keys ? _mm512_maskz_loadu_epi32(m, k + (t0 + i) * ldk + 2 * c0)
                             : _mm512_setzero_si512();
      }
      for (int i = 0; i < 16; i += 2) {
        t[i] = _mm512_unpacklo_epi32(r[i], r[i + 1]);
        t[i + 1] = _mm512_unpackhi_epi32(r[i], r[i + 1]);
      }
      for (int i = 0; i < 16; i += 4) {
        u[i] = _mm512_unpacklo_epi64(t[i], t[i + 2]);
        u[i + 1] = _mm512_unpackhi_epi64(t[i], t[i + 2]);
        u[i + 2] = _mm512_unpacklo_epi64(t[i + 1], t[i + 3]);
        u[i + 3] = _mm512_unpackhi_epi64(t[i + 1], t[i + 3]);
      }
      // u[4g + j], 128-bit lane L: channel pair 4L + j of keys 4g .. 4g + 3.
      for (int j = 0; j < 4; ++j) {
        const __m512i v0 = _mm512_shuffle_i32x4(u[j], u[4 + j], 0x88);
        const __m512i v1 = _mm512_shuffle_i32x4(u[j], u[4 + j], 0xdd);
        const __m512i w0 = _mm512_shuffle_i32x4(u[8 + j], u[12 + j], 0x88);
        const __m512i w1 = _mm512_shuffle_i32x4(u[8 + j], u[12 + j], 0xdd);
        const __m512i col[4] = {_mm512_shuffle_i32x4(v0, w0, 0x88), _mm512_shuffle_i32x4(v1, w1, 0x88),
                                _mm512_shuffle_i32x4(v0, w0, 0xdd), _mm512_shuffle_i32x4(v1, w1, 0xdd)};
        for (int l = 0; l < 4; ++l) {
          if (4 * l + j < cols) _mm512_storeu_si512(out + (c0 + 4 * l + j) * np + t0, col[l]);
        }
      }
    }
  }
}

void pack_v_pairs(const uint16_t* v, int64_t ldv, int64_t keys, int64_t d, uint32_t* out) {
  const int64_t dp = bf16_v_cols(d);
  for (int64_t t2 = 0; t2 < bf16_pairs(keys); ++t2) {
    const uint16_t* lo = v + 2 * t2 * ldv;
    const uint16_t* hi = 2 * t2 + 1 < keys ? lo + ldv : nullptr;
    uint32_t* row = out + t2 * dp;
    for (int64_t c = 0; c < d; ++c) row[c] = uint32_t{lo[c]} | (hi ? uint32_t{hi[c]} << 16 : 0u);
    for (int64_t c = d; c < dp; ++c) row[c] = 0;
  }
}

DATTN_BF16_TARGET void pack_p_pairs(const float* p, int64_t ldp, int64_t rows, int64_t keys,
                                    uint32_t* out, int64_t ldo) {
  for (int64_t i = 0; i < rows; ++i) {
    for (int64_t t = 0; t < keys; t += 32) {
      // Masked loads read 0 past the last key, so an odd key count pairs with 0.
      const int64_t left = keys - t;
      const __mmask16 m0 = left >= 16 ? __mmask16{0xffff} : static_cast<__mmask16>((1u << left) - 1u);
      const __mmask16 m1 = left >= 32 ? __mmask16{0xffff}
                           : left > 16 ? static_cast<__mmask16>((1u << (left - 16)) - 1u)
                                       : __mmask16{0};
      const __m512 a = _mm512_maskz_loadu_ps(m0, p + i * ldp + t);
      const __m512 b = _mm512_maskz_loadu_ps(m1, p + i * ldp + t + 16);
      const __m512i packed = (__m512i)_mm512_cvtne2ps_pbh(b, a);
      const int64_t words = (left >= 32 ? 32 : left + 1) / 2;
      _mm512_mask_storeu_epi32(out + i * ldo + t / 2, static_cast<__mmask16>((1u << words) - 1u),
                               packed);
    }
  }
}

void qk_bf16(const uint16_t* q, int64_t ldq, int64_t rows, const uint32_t* k_pairs,
             int64_t keys, int64_t d, float* s, int64_t lds) {
  const int64_t np = bf16_k_cols(keys), d2 = d / 2;
  int64_t i = 0;
  for (; i + kRows <= rows; i += kRows) qk_rows<kRows>(q + i * ldq, ldq, k_pairs, np, d2, s + i * lds, lds);
  switch (rows - i) {
    case 5: qk_rows<5>(q + i * ldq, ldq, k_pairs, np, d2, s + i * lds, lds); break;
    case 4: qk_rows<4>(q + i * ldq, ldq, k_pairs, np, d2, s + i * lds, lds); break;
    case 3: qk_rows<3>(q + i * ldq, ldq, k_pairs, np, d2, s + i * lds, lds); break;
    case 2: qk_rows<2>(q + i * ldq, ldq, k_pairs, np, d2, s + i * lds, lds); break;
    case 1: qk_rows<1>(q + i * ldq, ldq, k_pairs, np, d2, s + i * lds, lds); break;
    default: break;
  }
}

void pv_bf16(const uint32_t* p_pairs, int64_t ldp, int64_t rows, const uint32_t* v_pairs,
             int64_t keys, int64_t d, float* o, int64_t ldo) {
  const int64_t n2 = bf16_pairs(keys);
  int64_t i = 0;
  for (; i + kRows <= rows; i += kRows) pv_rows<kRows>(p_pairs + i * ldp, ldp, v_pairs, d, n2, o + i * ldo, ldo);
  switch (rows - i) {
    case 5: pv_rows<5>(p_pairs + i * ldp, ldp, v_pairs, d, n2, o + i * ldo, ldo); break;
    case 4: pv_rows<4>(p_pairs + i * ldp, ldp, v_pairs, d, n2, o + i * ldo, ldo); break;
    case 3: pv_rows<3>(p_pairs + i * ldp, ldp, v_pairs, d, n2, o + i * ldo, ldo); break;
    case 2: pv_rows<2>(p_pairs + i * ldp, ldp, v_pairs, d, n2, o + i * ldo, ldo); break;
    case 1: pv_rows<1>(p_pairs + i * ldp, ldp, v_pairs, d, n2, o + i * ldo, ldo); break;
    default: break;
  }
}
#else
// Callers check bf16_dot_available() first; these are never reached.
void pack_k_pairs(const uint16_t*, int64_t, int64_t, int64_t, uint32_t*) {}
void pack_v_pairs(const uint16_t*, int64_t, int64_t, int64_t, uint32_t*) {}
void pack_p_pairs(const float*, int64_t, int64_t, int64_t, uint32_t*, int64_t) {}
void qk_bf16(const uint16_t*, int64_t, int64_t, const uint32_t*, int64_t, int64_t, float*, int64_t) {}
void pv_bf16(const uint32_t*, int64_t, int64_t, const uint32_t*, int64_t, int64_t, float*, int64_t) {}
#endif

}  // namespace dattn::cpu
