// The quantization contract of sage_attn, shared by the CPU reference and the GPU kernels
// so that both produce the same INT8/FP8 values and scales (tests compare them).
//
// Logical tensors (whatever the physical layout a kernel uses internally):
//   k_mean [B, Hkv, D]            fp32  mean of K over all seq_kv tokens, per channel
//   q_int8 [B, Hq, Sq, D]         int8  round_half_even(q * min(127 / amax, FLT_MAX)), amax over
//                                       the block (the cap: a block of subnormals stays finite)
//   q_scale[B, Hq, ceil(Sq/kQBlock)]     fp32  amax / 127 * sm_scale * log2(e)
//   k_int8 [B, Hkv, Sk, D]        int8  of (k - k_mean), same rule as q
//   k_scale[B, Hkv, ceil(Sk/kKBlock)]    fp32  amax / 127
//   v_fp8  [B, Hkv, Sk, D]        e4m3  satfinite(v * v_inv), round to nearest even, where
//                                       v_inv = 1 / v_scale (fp32, once per channel; 0 for a
//                                       zero scale, FLT_MAX where 1 / v_scale overflows)
//   v_scale[B, Hkv, D]            fp32  amax over tokens / 448
// A block whose amax is 0 has scale 0 and all-zero codes. Scores are
//   s = int32_dot(q_int8, k_int8) * q_scale * k_scale   (already in log2 units)
// P (fp8 P·V) = e4m3(exp2(s - m + log2(448))) in [0, 448]; the row sum adds the fp32 P.
// P (f16 P·V) = fp16(exp2(s - m)), V in fp16 unscaled.
// LSE (natural log) gets + sm_scale * dot(q, k_mean) back, since smoothing K drops it.
#pragma once

namespace dattn::sage {

inline constexpr int kQBlock = 64;   // tokens per Q scale: one warpgroup's wgmma M tile on Hopper
inline constexpr int kKBlock = 64;   // tokens per K scale: divides every KV tile the kernels use
inline constexpr float kInt8Max = 127.0f;   // symmetric INT8, -128 never produced
inline constexpr float kFp8Max = 448.0f;    // largest finite e4m3
inline constexpr float kLog2e = 1.4426950408889634f;

}  // namespace dattn::sage
