// Quantization of sage_attn, as separate functions with a written layout, so that the
// CPU kernel, its tests and the GPU tests (comparing the CUDA quantization kernels) share
// one definition. The rules are those of core/sage_contract.h; this header fixes the
// logical layout of every quantized tensor. All are contiguous, row-major, fp32 scales:
//
//   k_mean  [B, Hkv, D]                 mean of K over all Sk tokens, per channel
//   q_int8  [B, Hq, Sq, D]              round_half_even(q * (127 / amax)), amax over a
//   q_scale [B, Hq, ceil(Sq/64)]        block of 64 tokens x D; q_scale = amax / 127 *
//                                       sm_scale * log2(e), so scores come out in log2 units
//   k_int8  [B, Hkv, Sk, D]             the same rule on (k - k_mean), in fp32
//   k_scale [B, Hkv, ceil(Sk/64)]       amax / 127
//   v_fp8   [B, Hkv, Sk, D]             e4m3 codes (uint8), satfinite(v * v_inv), RNE (v_inv:
//                                       core/sage_contract.h)
//   v_scale [B, Hkv, D]                 amax of |v| over the Sk tokens of the channel / 448
//   v_f16   [B, Hkv, Sk, D]             fp16 bits of v, unscaled (the f16 P·V variant)
//
// The last block of Q or K may be shorter than 64 tokens; its amax is over the tokens
// present. A block (or a V channel) whose amax is 0 has scale 0 and all-zero codes. Codes
// never reach -128. k_mean is accumulated in double and rounded once to fp32, so a GPU
// kernel summing in fp32 may differ in the last bits of k_mean and, through it, flip a
// k_int8 code by one on a rounding tie: compare codes with a tolerance of 1.
#pragma once

#include <cstdint>
#include <vector>

#include "core/problem.h"

namespace dattn::cpu {

// e4m3 (the "fn" variant of the OCP FP8 spec: bias 7, no infinities, max 448, NaN = S.1111.111)
// Encoding rounds to nearest even and saturates to +-448 (satfinite), inf included; NaN
// encodes as 0x7f.
inline uint8_t e4m3_encode(float x);
inline float e4m3_decode(uint8_t code);

// The value e4m3_decode(e4m3_encode(x)) for any non-NaN x, in straight-line arithmetic that
// vectorizes: what sage_attn rounds P with. NaN stays NaN.
inline float e4m3_round(float x);
// The value half_to_float(float_to_half(x)) for |x| <= 65504 (the f16 P·V rounding of P).
inline float f16_round(float x);

// Number of 64-token scale blocks along a sequence.
inline int64_t sage_blocks(int64_t seq) { return (seq + 63) / 64; }

// Each function reads the problem's q / k / v (f16 or bf16; shapes, strides, sm_scale) and
// writes the arrays above, which the caller sizes from the problem.
void sage_k_mean(const dattn_problem& p, float* k_mean);
void sage_quantize_q(const dattn_problem& p, int8_t* q_int8, float* q_scale);
void sage_quantize_k(const dattn_problem& p, const float* k_mean, int8_t* k_int8,
                     float* k_scale);
void sage_quantize_v_fp8(const dattn_problem& p, uint8_t* v_fp8, float* v_scale);
void sage_convert_v_f16(const dattn_problem& p, uint16_t* v_f16);

// True for fp8 P·V. Anything else, including an unresolved `automatic`, means f16, the
// CPU's default (DESIGN.md: fp8 buys no speed on the CPU).
inline bool sage_pv_is_fp8(const dattn_problem& p) { return p.sage_pv == 1; }

// Everything sage_attn feeds its attention loop, for p.sage_pv: v_fp8 and v_scale for fp8,
// v_f16 for f16 (the other stays empty).
struct SageQuantized {
  std::vector<float> k_mean;
  std::vector<int8_t> q_int8;
  std::vector<float> q_scale;
  std::vector<int8_t> k_int8;
  std::vector<float> k_scale;
  std::vector<uint8_t> v_fp8;
  std::vector<float> v_scale;
  std::vector<uint16_t> v_f16;
};
SageQuantized sage_quantize(const dattn_problem& p);

}  // namespace dattn::cpu

#include "cpu/quant_inl.h"
