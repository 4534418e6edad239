// The INT8 score tiles of sage_attn: S[i][t] = sum_c q[i][c] * k[t][c] in int32, exact, so
// every path gives the same bits. Tiles are at most kSageQRows x kSageKvRows, and the
// output row stride is kSageKvRows.
#pragma once

#include <cstdint>

namespace dattn::cpu {

enum class QkPath { portable, vnni };

// True when the CPU has AVX-512 VNNI (with the BW and F subsets the kernel also uses).
bool vnni_available();
// The fastest path this CPU can run.
QkPath best_qk_path();

// Portable: q [rows, d] and k [keys, d] int8, row-major.
void qk_scores_portable(const int8_t* q, int64_t rows, const int8_t* k, int64_t keys, int64_t d,
                        int32_t* out);

// VNNI: vpdpbusd multiplies unsigned by signed bytes, so Q goes in offset by +128 (as
// uint8, q ^ 0x80) and k_bias[t] = 128 * sum_c k[t][c] comes off afterwards.
// K is packed per block of kSageKvRows keys as 32-bit words (4 channels each):
//   packed[(g * d/4 + c4) * 16 + t] = channels 4*c4 .. 4*c4+3 of key 16*g + t,
// so one 64-byte load gives the same 4 channels of 16 keys. Missing keys are zero.
// Sizes: packed holds kSageKvRows * d / 4 words, k_bias kSageKvRows.
void pack_k_block(const int8_t* k, int64_t keys, int64_t d, uint32_t* packed, int32_t* k_bias);
// q_u8 holds round_up(rows, 4) rows of d bytes (pad rows: any value; their scores are
// written too, so out must have round_up(rows, 4) rows). d % 4 == 0.
void qk_scores_vnni(const uint8_t* q_u8, int64_t rows, const uint32_t* packed,
                    const int32_t* k_bias, int64_t d, int32_t* out);

}  // namespace dattn::cpu
