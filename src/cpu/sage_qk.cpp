#include "cpu/sage_qk.h"

#include <cstring>
#include <stdexcept>

#include "cpu/simd.h"
#include "cpu/tiles.h"

#if defined(__x86_64__)
#include <immintrin.h>
#endif

namespace dattn::cpu {
namespace {

constexpr int64_t kLd = tiles::kSageKvRows;
constexpr int64_t kGroups = tiles::kSageKvRows / 16;

}  // namespace

bool vnni_available() {
#if defined(__x86_64__) && (defined(__GNUC__) || defined(__clang__))
  return __builtin_cpu_supports("avx512f") && __builtin_cpu_supports("avx512bw") &&
         __builtin_cpu_supports("avx512vnni");
#else
  return false;
#endif
}

QkPath best_qk_path() { return vnni_available() ? QkPath::vnni : QkPath::portable; }

// Cloned so that CPUs without VNNI still get AVX2 / AVX-512 integer multiply-adds here.
DATTN_CPU_CLONES void qk_scores_portable(const int8_t* q, int64_t rows, const int8_t* k,
                                         int64_t keys, int64_t d, int32_t* out) {
  for (int64_t i = 0; i < rows; ++i) {
    for (int64_t t = 0; t < keys; ++t) {
      int32_t sum = 0;
      for (int64_t c = 0; c < d; ++c) sum += int32_t{q[i * d + c]} * int32_t{k[t * d + c]};
      out[i * kLd + t] = sum;
    }
  }
}

void pack_k_block(const int8_t* k, int64_t keys, int64_t d, uint32_t* packed, int32_t* k_bias) {
  const int64_t d4 = d / 4;
  for (int64_t t = 0; t < tiles::kSageKvRows; ++t) {
    int32_t sum = 0;
    for (int64_t c4 = 0; c4 < d4; ++c4) {
      uint32_t word = 0;
      if (t < keys) {
        std::memcpy(&word, k + t * d + 4 * c4, 4);
        for (int64_t c = 0; c < 4; ++c) sum += k[t * d + 4 * c4 + c];
      }
      packed[((t / 16) * d4 + c4) * 16 + t % 16] = word;
    }
    k_bias[t] = 128 * sum;
  }
}

#if defined(__x86_64__) && (defined(__GNUC__) || defined(__clang__))
// Four query rows against the four 16-key groups: 16 accumulators, 4 K loads and 4
// broadcasts per 16 vpdpbusd, so the loop stays compute bound.
__attribute__((target("avx512vnni,avx512bw,avx512f"))) static void qk_scores_vnni_impl(
    const uint8_t* q_u8, int64_t rows, const uint32_t* packed, const int32_t* k_bias, int64_t d,
    int32_t* out) {
  static_assert(kGroups == 4, "the register blocking below assumes 4 groups of 16 keys");
  const int64_t d4 = d / 4;
  for (int64_t r0 = 0; r0 < rows; r0 += 4) {
    __m512i acc[4][4];
#pragma GCC unroll 4
    for (int r = 0; r < 4; ++r) {
#pragma GCC unroll 4
      for (int g = 0; g < 4; ++g) acc[r][g] = _mm512_setzero_si512();
    }
    for (int64_t c4 = 0; c4 < d4; ++c4) {
      __m512i kv[4];
#pragma GCC unroll 4
      for (int g = 0; g < 4; ++g) kv[g] = _mm512_loadu_si512(packed + (g * d4 + c4) * 16);
#pragma GCC unroll 4
      for (int r = 0; r < 4; ++r) {
        int32_t word;
        std::memcpy(&word, q_u8 + (r0 + r) * d + 4 * c4, 4);
        const __m512i qb = _mm512_set1_epi32(word);
#pragma GCC unroll 4
        for (int g = 0; g < 4; ++g) acc[r][g] = _mm512_dpbusd_epi32(acc[r][g], qb, kv[g]);
      }
    }
#pragma GCC unroll 4
    for (int g = 0; g < 4; ++g) {
      const __m512i bias = _mm512_loadu_si512(k_bias + 16 * g);
#pragma GCC unroll 4
      for (int r = 0; r < 4; ++r) {
        _mm512_storeu_si512(out + (r0 + r) * kLd + 16 * g, _mm512_sub_epi32(acc[r][g], bias));
      }
    }
  }
}
#endif

void qk_scores_vnni(const uint8_t* q_u8, int64_t rows, const uint32_t* packed,
                    const int32_t* k_bias, int64_t d, int32_t* out) {
#if defined(__x86_64__) && (defined(__GNUC__) || defined(__clang__))
  if (vnni_available()) {
    qk_scores_vnni_impl(q_u8, rows, packed, k_bias, d, out);
    return;
  }
#endif
  throw std::logic_error("qk_scores_vnni called on a CPU without AVX-512 VNNI");
}

}  // namespace dattn::cpu
