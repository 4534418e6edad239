// fp32 block products of fa on AVX-512F register tiles (word_tiles_inl.h), replacing
// OpenBLAS sgemm for f32 inputs: the tiles are packed once per KV tile in the layouts the
// kernel reads, where sgemm repacked both operands on every call (~10% of fa f32), and the
// score scale goes into the softmax. Layouts, in 32-bit words (floats):
//   K^T [d][np]:  element (c, t) = channel c of key t; np = round_up(keys, 16), missing keys 0.
//   V   [keys][dp]: row t = key t, dp = round_up(d, 16), missing channels 0.
// Every function needs f32_dot_available().
#pragma once

#include <cstdint>

namespace dattn::cpu {

bool f32_dot_available();

constexpr int64_t f32_k_cols(int64_t keys) { return (keys + 15) / 16 * 16; }
constexpr int64_t f32_v_cols(int64_t d) { return (d + 15) / 16 * 16; }

// k, v: `keys` rows of d floats with row stride ldk / ldv (elements).
void pack_k_f32(const float* k, int64_t ldk, int64_t keys, int64_t d, float* out);
void pack_v_f32(const float* v, int64_t ldv, int64_t keys, int64_t d, float* out);

// s[i][t] = sum_c q[i][c] * k[t][c] for t < f32_k_cols(keys); q row stride ldq, s row
// stride lds >= f32_k_cols(keys).
void qk_f32(const float* q, int64_t ldq, int64_t rows, const float* k_packed, int64_t keys,
            int64_t d, float* s, int64_t lds);
// o[i][c] += sum_t p[i][t] * v[t][c] for c < d, summed in a fresh accumulator and added
// once; p row stride ldp, o row stride ldo.
void pv_f32(const float* p, int64_t ldp, int64_t rows, const float* v_packed, int64_t keys,
            int64_t d, float* o, int64_t ldo);

}  // namespace dattn::cpu
