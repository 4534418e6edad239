#include "cpu/f32_dot.h"

#include <algorithm>
#include <cstring>

#include "cpu/tiles.h"

#if defined(__x86_64__) && defined(__GNUC__)
#include <immintrin.h>
#define DATTN_WORD_TARGET __attribute__((target("avx512f")))
#define DATTN_HAVE_F32_DOT 1
// GCC 12's AVX-512 unpack / shuffle intrinsics start from _mm512_undefined_epi32(), which
// its own -Wmaybe-uninitialized reports once they are inlined here: a false positive.
#if !defined(__clang__)
#pragma GCC diagnostic ignored "-Wmaybe-uninitialized"
#endif
#else
#define DATTN_HAVE_F32_DOT 0
#endif

namespace dattn::cpu {

bool f32_dot_available() {
#if DATTN_HAVE_F32_DOT
  return __builtin_cpu_supports("avx512f");
#else
  return false;
#endif
}

#if DATTN_HAVE_F32_DOT
namespace {

#include "cpu/word_tiles_inl.h"

struct F32 {
  DATTN_WORD_TARGET static __m512 madd(__m512 acc, __m512i a, __m512i b) {
    return _mm512_fmadd_ps(_mm512_castsi512_ps(a), _mm512_castsi512_ps(b), acc);
  }
};

const char* bytes(const void* p) { return static_cast<const char*>(p); }
const uint32_t* words(const float* p) { return reinterpret_cast<const uint32_t*>(p); }

}  // namespace

void pack_k_f32(const float* k, int64_t ldk, int64_t keys, int64_t d, float* out) {
  transpose_words(bytes(k), 4 * ldk, keys, d, reinterpret_cast<uint32_t*>(out));
}

void pack_v_f32(const float* v, int64_t ldv, int64_t keys, int64_t d, float* out) {
  const int64_t dp = f32_v_cols(d);
  for (int64_t t = 0; t < keys; ++t) {
    std::memcpy(out + t * dp, v + t * ldv, static_cast<size_t>(d) * sizeof(float));
    std::fill(out + t * dp + d, out + (t + 1) * dp, 0.0f);
  }
}

void qk_f32(const float* q, int64_t ldq, int64_t rows, const float* k_packed, int64_t keys,
            int64_t d, float* s, int64_t lds) {
  const int64_t np = f32_k_cols(keys);
  word_gemm<F32, false>(bytes(q), 4 * ldq, rows, words(k_packed), np, np, np, d, s, lds);
}

void pv_f32(const float* p, int64_t ldp, int64_t rows, const float* v_packed, int64_t keys,
            int64_t d, float* o, int64_t ldo) {
  const int64_t dp = f32_v_cols(d);
  word_gemm<F32, true>(bytes(p), 4 * ldp, rows, words(v_packed), dp, dp, d, keys, o, ldo);
}
#else
// Callers check f32_dot_available() first; these are never reached.
void pack_k_f32(const float*, int64_t, int64_t, int64_t, float*) {}
void pack_v_f32(const float*, int64_t, int64_t, int64_t, float*) {}
void qk_f32(const float*, int64_t, int64_t, const float*, int64_t, int64_t, float*, int64_t) {}
void pv_f32(const float*, int64_t, int64_t, const float*, int64_t, int64_t, float*, int64_t) {}
#endif

}  // namespace dattn::cpu
