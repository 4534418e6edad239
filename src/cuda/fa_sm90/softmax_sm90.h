// Online softmax over the two query rows a thread holds in an m64nN wgmma accumulator (rows
// g and g+8 of its warp's 16; a row is spread over the 4 lanes of a quad). fa's scores stay
// raw: sm_scale * log2(e) is folded into the FMA before each exp2, so no pass multiplies S.
// sage's INT8 scores (max_int8, exp_int8) are converted once; unmasked tiles fold the scale
// into the FMA before each exp2.
#pragma once

#include <cmath>

#include "cuda/fa_sm90/ptx_sm90.h"

namespace dattn::cuda::flash_sm90 {

// Sets scores of keys a row must not see (at or past seq_kv, or above the bottom-right
// aligned causal diagonal: key > row + seq_kv - seq_q) to `hidden_value`. Accumulator layout
// of m64nN: `row` is the thread's first row in the sequence (its second is row + 8), n0 the
// tile's first key.
template <class V, int kNBlocksS>
__device__ __forceinline__ void mask_scores(V (&s)[kNBlocksS][4], V hidden_value, int seq_q, int seq_kv, bool causal,
                                            int row, int n0) {
  const int t = threadIdx.x % 4;
  const int diag = seq_kv - seq_q;
#pragma unroll
  for (int i = 0; i < kNBlocksS; ++i) {
#pragma unroll
    for (int e = 0; e < 4; ++e) {
      const int col = n0 + 8 * i + 2 * t + (e & 1);
      const int r = row + 8 * (e >> 1);
      const bool hidden = col >= seq_kv || (causal && col > r + diag);
      if (hidden) s[i][e] = hidden_value;
    }
  }
}

template <int kNBlocksS, int kNBlocksO>
struct OnlineSoftmaxSm90 {
  float row_max[2] = {-INFINITY, -INFINITY};  // raw (unscaled) running max
  float row_sum[2] = {0.0f, 0.0f};            // per-thread partial sums, reduced in finalize()

  // In max_int8, row maxima run as independent chains (kChains, or two of three-input
  // maxima), joined at the end: a single chain of 16 dependent fmax per row is latency the few
  // warps of a consumer cannot hide. (fa's update keeps one chain: four measured ~14 % slower
  // at D = 64 on an H100, bench/NOTES.md.)
  static constexpr int kChains = 4;  // the joins below are written for four
  // The max of row r of s (a masked tile's scaled scores), as independent chains joined at the
  // end. Each chain starts from its first pair, not from -inf: fmaxf(x, -inf) is not folded
  // away (NaN rules) and would cost an instruction per chain.
  static __device__ __forceinline__ float row_max_of(const float (&s)[kNBlocksS][4], int r) {
    static_assert(kNBlocksS % kChains == 0, "whole chains");
    float m[kChains];
#pragma unroll
    for (int c = 0; c < kChains; ++c) m[c] = fmaxf(s[c][2 * r], s[c][2 * r + 1]);
#pragma unroll
    for (int i = kChains; i < kNBlocksS; ++i) {
      m[i % kChains] = fmaxf(m[i % kChains], fmaxf(s[i][2 * r], s[i][2 * r + 1]));
    }
    return fmaxf(fmaxf(m[0], m[1]), fmaxf(m[2], m[3]));
  }

  // The max of row r's raw INT8 scores over blocks [kBegin, kEnd): two chains of Hopper's
  // three-input integer max (VIMNMX3, a DPX instruction), two new scores per instruction where
  // fmaxf over the converted floats takes one.
  template <int kBegin, int kEnd>
  static __device__ __forceinline__ int partial_max_int(const int (&s)[kNBlocksS][4], int r) {
    static_assert((kEnd - kBegin) % 2 == 0, "whole chains");
    int m[2];
#pragma unroll
    for (int c = 0; c < 2; ++c) m[c] = max(s[kBegin + c][2 * r], s[kBegin + c][2 * r + 1]);
#pragma unroll
    for (int i = kBegin + 2; i < kEnd; ++i) m[i % 2] = __vimax3_s32(m[i % 2], s[i][2 * r], s[i][2 * r + 1]);
    return max(m[0], m[1]);
  }

  // Turns raw scores s into unnormalized probabilities in place; alpha receives the factor
  // by which each row's output accumulator must be rescaled (applied by rescale(), later:
  // the accumulator may still be in use by a wgmma when the scores are ready).
  __device__ __forceinline__ void update(float (&s)[kNBlocksS][4], float (&alpha)[2], float scale_log2) {
#pragma unroll
    for (int r = 0; r < 2; ++r) {
      float mx = row_max[r];
#pragma unroll
      for (int i = 0; i < kNBlocksS; ++i) mx = fmaxf(mx, fmaxf(s[i][2 * r], s[i][2 * r + 1]));
      mx = fmaxf(mx, __shfl_xor_sync(0xffffffffu, mx, 1));
      mx = fmaxf(mx, __shfl_xor_sync(0xffffffffu, mx, 2));
      // A row without a visible key so far has max -inf; using 0 keeps exp2 at 0, not NaN.
      const float base = mx == -INFINITY ? 0.0f : mx * scale_log2;
      // Exactly 1 when the max did not move, so rescale() can skip the multiplies.
      alpha[r] = mx == row_max[r] ? 1.0f : sm90::exp2_approx(row_max[r] * scale_log2 - base);
      row_max[r] = mx;
      float sum = 0.0f;
#pragma unroll
      for (int i = 0; i < kNBlocksS; ++i) {
        s[i][2 * r] = sm90::exp2_approx(fmaf(s[i][2 * r], scale_log2, -base));
        s[i][2 * r + 1] = sm90::exp2_approx(fmaf(s[i][2 * r + 1], scale_log2, -base));
        sum += s[i][2 * r] + s[i][2 * r + 1];
      }
      row_sum[r] = row_sum[r] * alpha[r] + sum;
    }
  }

  // The same for sage's INT8 scores, in two phases. s = S · scale[h] in log2 units (the CPU
  // reference's product), where h = 0 for the first half of the tile's keys and 1 for the
  // second (two K scale blocks per tile). acc is the INT8 wgmma's accumulator: S itself, or
  // (kBiased) S accumulated onto kIntBias, whose bits read as a float are exactly
  // kIntBiasValue + S (|S| <= 127² · 128 < 2^22, and floats in [2^23, 2^24) are spaced 1
  // apart), so that unmasked tiles need no conversion instruction per score: the offset goes
  // into the exponentials' constant. The kernel chooses (Tr::kBiasedScores, measured).
  static constexpr int kIntBias = 0x4B400000;          // the bits of 1.5 · 2^23
  static constexpr float kIntBiasValue = 12582912.0f;  // 1.5 · 2^23
  template <bool kBiased>
  static __device__ __forceinline__ float exact_score(int a) {  // S, exactly
    return kBiased ? __int_as_float(a) - kIntBiasValue : static_cast<float>(a);
  }

  // max_int8 takes the new row maxima, base[r] (0 for a row without a visible key) and alpha,
  // and writes p for exp_int8. kMasked: p = S · scale; keys hidden by `mask` (a functor taking
  // mask_scores's array and fill value) get -inf and stay out of the max (a hidden -inf times
  // a zero scale would be NaN). Unmasked tiles (nearly all): p = S, or the accumulator's bits
  // as they are (kBiased); the max is taken over the integers per half (a uniform bias keeps
  // their order), made an exact float and scaled after (rounding is monotonic and s >= 0, so
  // max(x)·s == max(x·s), up to the sign of a zero).
  template <bool kMasked, bool kBiased, class Mask>
  __device__ __forceinline__ void max_int8(const int (&acc)[kNBlocksS][4], const float (&scale)[2], const Mask& mask,
                                           float (&p)[kNBlocksS][4], float (&base)[2], float (&alpha)[2]) {
    constexpr int kHalf = kNBlocksS / 2;
#pragma unroll
    for (int i = 0; i < kNBlocksS; ++i) {
#pragma unroll
      for (int e = 0; e < 4; ++e) {
        p[i][e] = kMasked ? exact_score<kBiased>(acc[i][e]) * scale[i / kHalf]
                          : (kBiased ? __int_as_float(acc[i][e]) : static_cast<float>(acc[i][e]));
      }
    }
    if constexpr (kMasked) mask(p, -INFINITY);
#pragma unroll
    for (int r = 0; r < 2; ++r) {
      float mx;
      if constexpr (kMasked) {
        mx = fmaxf(row_max[r], row_max_of(p, r));
      } else {
        mx = fmaxf(row_max[r], fmaxf(exact_score<kBiased>(partial_max_int<0, kHalf>(acc, r)) * scale[0],
                                     exact_score<kBiased>(partial_max_int<kHalf, kNBlocksS>(acc, r)) * scale[1]));
      }
      mx = fmaxf(mx, __shfl_xor_sync(0xffffffffu, mx, 1));
      mx = fmaxf(mx, __shfl_xor_sync(0xffffffffu, mx, 2));
      base[r] = mx == -INFINITY ? 0.0f : mx;
      alpha[r] = mx == row_max[r] ? 1.0f : sm90::exp2_approx(row_max[r] - base[r]);
      row_max[r] = mx;
    }
  }

  // exp_int8 turns p into probabilities times 2^bias (fp8 P·V: 448 fills e4m3's range), one
  // FMA and one MUFU each: p · s[h] + (bias − base − shift[h]), with s = 1 and shift = 0
  // after a masked max_int8; after an unmasked one, s = the scales and shift = 0, or
  // kIntBiasValue · s for biased scores (one subtraction per row and half, nothing per
  // score). No row sums: sage's P·V computes them on the tensor cores. Branch-free, so that
  // independent work placed just before it (the kernel's fold of the previous tile's P·V) can
  // fill the issue slots the exponential unit leaves idle (one MUFU per 8 cycles).
  __device__ __forceinline__ static void exp_int8(float (&p)[kNBlocksS][4], const float (&s)[2],
                                                  const float (&shift)[2], float bias, const float (&base)[2]) {
    constexpr int kHalf = kNBlocksS / 2;
#pragma unroll
    for (int r = 0; r < 2; ++r) {
      const float c[2] = {(bias - base[r]) - shift[0], (bias - base[r]) - shift[1]};
#pragma unroll
      for (int i = 0; i < kNBlocksS; ++i) {
        p[i][2 * r] = sm90::exp2_approx(fmaf(p[i][2 * r], s[i / kHalf], c[i / kHalf]));
        p[i][2 * r + 1] = sm90::exp2_approx(fmaf(p[i][2 * r + 1], s[i / kHalf], c[i / kHalf]));
      }
    }
  }

  // Once the running max settles, most tiles leave it in place for a whole warp: no work.
  template <int kBlocks = kNBlocksO>
  __device__ __forceinline__ static void rescale(float (&o)[kBlocks][4], const float (&alpha)[2]) {
    if (__all_sync(0xffffffffu, alpha[0] == 1.0f && alpha[1] == 1.0f)) return;
#pragma unroll
    for (int i = 0; i < kBlocks; ++i) {
      o[i][0] *= alpha[0];
      o[i][1] *= alpha[0];
      o[i][2] *= alpha[1];
      o[i][3] *= alpha[1];
    }
  }

  // Completes the row sums; gives 1/sum per row (0 for a row without keys) and the
  // natural-log LSE (-inf for a row without keys).
  __device__ __forceinline__ void finalize(float (&inv_sum)[2], float (&lse)[2], float scale_log2) {
#pragma unroll
    for (int r = 0; r < 2; ++r) {
      float l = row_sum[r];
      l += __shfl_xor_sync(0xffffffffu, l, 1);
      l += __shfl_xor_sync(0xffffffffu, l, 2);
      inv_sum[r] = l > 0.0f ? 1.0f / l : 0.0f;
      lse[r] = l > 0.0f ? (row_max[r] * scale_log2 + log2f(l)) * 0.69314718055994531f : -INFINITY;
    }
  }
};

}  // namespace dattn::cuda::flash_sm90
