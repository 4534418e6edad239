// Block products on bf16 operands with fp32 accumulation, through AVX512-BF16's vdpbf16ps
// (two bf16 products per fp32 lane per instruction: twice the rate of an fp32 FMA). Used
// by fa for bf16 inputs and by sage_attn's fp8 P·V, whose e4m3 values are exact in bf16.
// Operands go through small packed layouts of 32-bit words, each holding two bf16 that
// vdpbf16ps multiplies pairwise (low half: the even index):
//   K pairs [d/2][np]:  word (c2, t) = channels 2*c2, 2*c2+1 of key t; np = round_up(keys, 16),
//                       missing keys zero.
//   V pairs [n2][dp]:   word (t2, c) = channel c of keys 2*t2, 2*t2+1; n2 = ceil(keys / 2),
//                       dp = round_up(d, 16), missing keys and channels zero.
//   P pairs [rows][n2]: word (i, t2) = p[i][2*t2], p[i][2*t2+1], rounded to nearest even.
// Every function needs bf16_dot_available(); d is a multiple of 8 (fa's and sage's rule).
#pragma once

#include <cstdint>

namespace dattn::cpu {

bool bf16_dot_available();

constexpr int64_t bf16_k_cols(int64_t keys) { return (keys + 15) / 16 * 16; }
constexpr int64_t bf16_v_cols(int64_t d) { return (d + 15) / 16 * 16; }
constexpr int64_t bf16_pairs(int64_t keys) { return (keys + 1) / 2; }

// k: `keys` rows of d bf16 with row stride ldk (elements).
void pack_k_pairs(const uint16_t* k, int64_t ldk, int64_t keys, int64_t d, uint32_t* out);
// v: `keys` rows of d bf16 with row stride ldv.
void pack_v_pairs(const uint16_t* v, int64_t ldv, int64_t keys, int64_t d, uint32_t* out);
// p: `rows` rows of `keys` fp32 with row stride ldp; out row stride ldo words (>= n2).
void pack_p_pairs(const float* p, int64_t ldp, int64_t rows, int64_t keys, uint32_t* out,
                  int64_t ldo);

// s[i][t] = sum_c q[i][c] * k[t][c] for t < bf16_k_cols(keys) (pad keys give 0); q is
// `rows` rows of d bf16 with row stride ldq, s has row stride lds >= bf16_k_cols(keys).
void qk_bf16(const uint16_t* q, int64_t ldq, int64_t rows, const uint32_t* k_pairs,
             int64_t keys, int64_t d, float* s, int64_t lds);
// o[i][c] += sum_t p[i][t] * v[t][c] for c < d, the sum formed in a fresh fp32
// accumulator and added once; p pairs with row stride ldp words, o row stride ldo.
void pv_bf16(const uint32_t* p_pairs, int64_t ldp, int64_t rows, const uint32_t* v_pairs,
             int64_t keys, int64_t d, float* o, int64_t ldo);

}  // namespace dattn::cpu
