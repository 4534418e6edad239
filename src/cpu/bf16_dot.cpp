#include "cpu/bf16_dot.h"

#include <algorithm>
#include <cstring>

#include "cpu/tiles.h"

#if defined(__x86_64__) && defined(__GNUC__)
#include <immintrin.h>
#define DATTN_WORD_TARGET __attribute__((target("avx512f,avx512bw,avx512vl,avx512bf16")))
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

#include "cpu/word_tiles_inl.h"

struct Bf16Pairs {
  DATTN_WORD_TARGET static __m512 madd(__m512 acc, __m512i a, __m512i b) {
    return _mm512_dpbf16_ps(acc, (__m512bh)a, (__m512bh)b);
  }
};

const char* bytes(const void* p) { return static_cast<const char*>(p); }

}  // namespace

void pack_k_pairs(const uint16_t* k, int64_t ldk, int64_t keys, int64_t d, uint32_t* out) {
  transpose_words(bytes(k), 2 * ldk, keys, d / 2, out);
}

DATTN_WORD_TARGET void pack_v_pairs(const uint16_t* v, int64_t ldv, int64_t keys, int64_t d,
                                    uint32_t* out) {
  const int64_t dp = bf16_v_cols(d);
  for (int64_t t2 = 0; t2 < bf16_pairs(keys); ++t2) {
    const uint16_t* lo = v + 2 * t2 * ldv;
    const uint16_t* hi = 2 * t2 + 1 < keys ? lo + ldv : nullptr;
    uint32_t* row = out + t2 * dp;
    for (int64_t c = 0; c < d; ++c) row[c] = uint32_t{lo[c]} | (hi ? uint32_t{hi[c]} << 16 : 0u);
    for (int64_t c = d; c < dp; ++c) row[c] = 0;
  }
}

DATTN_WORD_TARGET void pack_p_pairs(const float* p, int64_t ldp, int64_t rows, int64_t keys,
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
  const int64_t np = bf16_k_cols(keys);
  word_gemm<Bf16Pairs, false>(bytes(q), 2 * ldq, rows, k_pairs, np, np, np, d / 2, s, lds);
}

void pv_bf16(const uint32_t* p_pairs, int64_t ldp, int64_t rows, const uint32_t* v_pairs,
             int64_t keys, int64_t d, float* o, int64_t ldo) {
  const int64_t dp = bf16_v_cols(d);
  word_gemm<Bf16Pairs, true>(bytes(p_pairs), 4 * ldp, rows, v_pairs, dp, dp, d, bf16_pairs(keys),
                             o, ldo);
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
