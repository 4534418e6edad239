// Device code of the quantization passes. Each block works on whole 16-byte vectors of 8
// channels: kDp / 8 consecutive threads cover one token row, so a warp reads contiguous
// memory whenever the input row is contiguous.
#pragma once

#include <cuda_fp8.h>

#include <cfloat>
#include <cstdint>

#include "core/sage_contract.h"
#include "cuda/common/dispatch.h"
#include "cuda/common/pdl.h"
#include "cuda/quant/layout.h"

namespace dattn::cuda::quant {

struct SrcView {
  const void* data;
  int64_t stride_b, stride_h, stride_s;
  bool vec16;  // base and strides allow 16-byte loads
};

// The 16-byte vectors of rows t[0..kPasses) at channel c8 (zeros for rows past `seq` or
// columns past the head dim), every load issued before any is used. A load whose value is
// used inside the branch that guards it waits for it there, which made the blocks below pay
// one memory round trip per row rather than one per block (~2 TB/s instead of ~4 on an H200).
template <class T, int kPasses>
__device__ __forceinline__ void load_rows(const SrcView& v, int64_t b, int64_t h, const int64_t (&t)[kPasses],
                                          int64_t seq, int c8, bool col_ok, uint4 (&u)[kPasses]) {
  static_assert(sizeof(T) == 2, "8 elements are one 16-byte vector");
  const T* base = static_cast<const T*>(v.data) + b * v.stride_b + h * v.stride_h + c8;
#pragma unroll
  for (int ps = 0; ps < kPasses; ++ps) u[ps] = make_uint4(0, 0, 0, 0);
  if (v.vec16) {
#pragma unroll
    for (int ps = 0; ps < kPasses; ++ps) {
      if (col_ok && t[ps] < seq) u[ps] = __ldg(reinterpret_cast<const uint4*>(base + t[ps] * v.stride_s));
    }
  } else {
#pragma unroll
    for (int ps = 0; ps < kPasses; ++ps) {
      T* e = reinterpret_cast<T*>(&u[ps]);
      if (col_ok && t[ps] < seq) {
#pragma unroll
        for (int i = 0; i < 8; ++i) e[i] = base[t[ps] * v.stride_s + i];
      }
    }
  }
}

template <class T>
__device__ __forceinline__ void to_float8(const uint4& u, float (&x)[8]) {
  const T* e = reinterpret_cast<const T*>(&u);
#pragma unroll
  for (int i = 0; i < 8; ++i) x[i] = ElementTraits<T>::to_float(e[i]);
}

__device__ __forceinline__ float block_max(float v, float* scratch) {
#pragma unroll
  for (int o = 16; o > 0; o >>= 1) v = fmaxf(v, __shfl_xor_sync(0xffffffffu, v, o));
  const int warp = threadIdx.x / 32;
  if (threadIdx.x % 32 == 0) scratch[warp] = v;
  __syncthreads();
  float r = scratch[0];
#pragma unroll
  for (int w = 1; w < PackConfig::kThreads / 32; ++w) r = fmaxf(r, scratch[w]);
  return r;
}

// ---- pass 1: per-chunk K sums and V amax, grid (stats_chunks, Hkv, B) ----------------------
// K sums are kept in double, as the CPU reference does, so that k_mean (rounded once to fp32)
// agrees with it to the last bit almost always and the smoothed K codes agree too.

struct StatsParams {
  SrcView k, v;
  int64_t heads, seq, head_dim, chunks;
  double* partial_sum;  // [B, heads, chunks, Dp]
  float* partial_vmax;  // same, or nullptr when V stays f16
};

// kVmax: V goes to fp8 (its amax is wanted); a template parameter so that no branch keeps the
// V loads behind the K sums.
template <class T, int kDp, bool kVmax>
__global__ void __launch_bounds__(PackConfig::kThreads) kv_stats_kernel(StatsParams p) {
  pdl_allow_dependents();  // the finalize may launch now; it waits for these results
  constexpr int kVpr = kDp / 8, kRows = PackConfig::kThreads / kVpr;
  // Rows per batch: a thread issues the K and V loads of kBatch rows before it adds any (the
  // pass is bound by memory latency; adding each row where it was loaded kept one or two loads
  // in flight: quantization 2-7 % slower, bench/NOTES.md session 10). 4 rows, or 64-row
  // chunks, measured no faster. Rows past the chunk load as zeros, which change no sum or max.
  constexpr int kBatch = 8;
  const int c8 = (threadIdx.x % kVpr) * 8, r0 = threadIdx.x / kVpr;
  const int64_t b = blockIdx.z, h = blockIdx.y;
  const int64_t t0 = int64_t{blockIdx.x} * PackConfig::kStatsChunk;
  const int64_t t1 = min(t0 + PackConfig::kStatsChunk, p.seq);
  const bool col_ok = c8 < p.head_dim;
  double sum[8] = {};
  float vmax[8] = {};
  for (int64_t t = t0 + r0; t < t1; t += kBatch * kRows) {
    int64_t rows[kBatch];
#pragma unroll
    for (int i = 0; i < kBatch; ++i) rows[i] = t + i * kRows;
    uint4 k_raw[kBatch], v_raw[kBatch];
    load_rows<T>(p.k, b, h, rows, t1, c8, col_ok, k_raw);
    if constexpr (kVmax) load_rows<T>(p.v, b, h, rows, t1, c8, col_ok, v_raw);
#pragma unroll
    for (int i = 0; i < kBatch; ++i) {  // rows in order: the same additions as a row-by-row loop
      float x[8];
      to_float8<T>(k_raw[i], x);
#pragma unroll
      for (int e = 0; e < 8; ++e) sum[e] += x[e];
      if constexpr (kVmax) {
        to_float8<T>(v_raw[i], x);
#pragma unroll
        for (int e = 0; e < 8; ++e) vmax[e] = fmaxf(vmax[e], fabsf(x[e]));
      }
    }
  }
  __shared__ double red_sum[kRows][kDp];
  __shared__ float red_max[kRows][kDp];
#pragma unroll
  for (int i = 0; i < 8; ++i) {
    red_sum[r0][c8 + i] = sum[i];
    red_max[r0][c8 + i] = vmax[i];
  }
  __syncthreads();
  for (int c = threadIdx.x; c < kDp; c += PackConfig::kThreads) {
    double s = 0.0;
    float m = 0.f;
    for (int r = 0; r < kRows; ++r) {
      s += red_sum[r][c];
      m = fmaxf(m, red_max[r][c]);
    }
    const int64_t o = ((b * p.heads + h) * p.chunks + blockIdx.x) * kDp + c;
    p.partial_sum[o] = s;
    if constexpr (kVmax) p.partial_vmax[o] = m;
  }
}

// ---- pass 2: k_mean = fp32(sum / Sk) and v_scale = amax / 448, grid (Hkv, B) ---------------

struct FinalizeParams {
  int64_t heads, seq, chunks;
  const double* partial_sum;
  const float* partial_vmax;  // nullptr when V stays f16
  float* k_mean;              // [B, heads, Dp]
  float* v_scale;             // [B, heads, Dp] or nullptr
};

// kFinalizeThreads / kDp threads per channel share the chunks (thread `part` takes chunks
// part, part + kSplit, ...), then join their partials in a fixed order (deterministic): one
// thread per channel walking every chunk waited one memory round trip per chunk (ncu on an
// H200: 10 us at Flux's 36 chunks per head, 31 us at CogVideoX's 139). kVmax: V goes to fp8.
constexpr int kFinalizeThreads = 1024;
template <int kDp, bool kVmax>
__global__ void __launch_bounds__(kFinalizeThreads) kv_finalize_kernel(FinalizeParams p) {
  pdl_allow_dependents();  // the quantizer may launch now: its Q blocks need nothing from here
  pdl_wait();              // the statistics' partials
  constexpr int kSplit = kFinalizeThreads / kDp;
  const int64_t bh = int64_t{blockIdx.y} * p.heads + blockIdx.x;
  const int c = threadIdx.x % kDp, part = threadIdx.x / kDp;
  double s = 0.0;
  float m = 0.f;
  for (int64_t i = part; i < p.chunks; i += kSplit) {
    s += p.partial_sum[(bh * p.chunks + i) * kDp + c];
    if constexpr (kVmax) m = fmaxf(m, p.partial_vmax[(bh * p.chunks + i) * kDp + c]);
  }
  __shared__ double red_sum[kSplit][kDp];
  __shared__ float red_max[kSplit][kDp];
  red_sum[part][c] = s;
  red_max[part][c] = m;
  __syncthreads();
  if (part != 0) return;
  for (int j = 1; j < kSplit; ++j) {
    s += red_sum[j][c];
    m = fmaxf(m, red_max[j][c]);
  }
  p.k_mean[bh * kDp + c] = static_cast<float>(s / static_cast<double>(p.seq));
  if constexpr (kVmax) p.v_scale[bh * kDp + c] = m / sage::kFp8Max;
}

// ---- pass 3: INT8 Q or K per 64-token block, grid (blocks, heads, B) ------------------------

struct Int8Params {
  SrcView src;
  int64_t heads, seq, head_dim;
  int64_t group;        // heads / heads_kv: the K-mean head of head h is h / group
  const float* k_mean;  // [B, Hkv, Dp]: subtracted (K) or dotted into q_kmean (Q)
  bool smooth;          // subtract k_mean (K)
  float scale_mul;      // sm_scale * log2e (one fp32 product, as the CPU folds it) for Q, 1 for K
  int8_t* dst;
  int64_t dst_sb, dst_sh, dst_ss, dst_rows, dst_cols;
  float* scale;
  int64_t scale_sb, scale_sh, scale_blocks;
  float* q_kmean;  // [B, heads, stride q_kmean_sh] or nullptr
  int64_t q_kmean_sb, q_kmean_sh;
  float sm_scale;
};

// Four int8 codes round(x[i] · inv) (ties to even, as __float2int_rn), first in the lowest
// byte. The product is rounded to fp32 first, as the CPU reference does (no FMA), then adding
// 1.5 · 2^23 leaves the rounded integer in the low mantissa bits: an add and a byte permute
// per code instead of a quarter-rate conversion, two clamps and shifts. No clamp is needed:
// inv = min(127 / amax, FLT_MAX) and |x| <= amax keep |x · inv| <= 127 · (1 + 2^-24), which
// rounds to 127 (finite x; NaN or inf inputs give meaningless codes either way).
__device__ __forceinline__ uint32_t quantize_int8x4(const float* x, float inv) {
  constexpr float kRoundShift = 12582912.0f;  // 1.5 · 2^23
  uint32_t u[4];
#pragma unroll
  for (int i = 0; i < 4; ++i) u[i] = __float_as_uint(__fadd_rn(__fmul_rn(x[i], inv), kRoundShift));
  return __byte_perm(__byte_perm(u[0], u[1], 0x0040), __byte_perm(u[2], u[3], 0x0040), 0x5410);
}

// One block of 64 tokens `blk` of head h, batch b (the whole thread block works on it).
template <class T, int kDp>
__device__ __forceinline__ void quantize_int8_block(const Int8Params& p, int64_t blk, int64_t h, int64_t b) {
  constexpr int kVpr = kDp / 8, kRows = PackConfig::kThreads / kVpr;
  constexpr int kPasses = sage::kQBlock / kRows;
  static_assert(sage::kQBlock == sage::kKBlock, "one function serves Q and K blocks");
  __shared__ float scratch[PackConfig::kThreads / 32];
  const int c8 = (threadIdx.x % kVpr) * 8, r0 = threadIdx.x / kVpr;
  const int64_t tok0 = blk * sage::kQBlock;
  const bool col_ok = c8 < p.head_dim;

  int64_t rows[kPasses];
#pragma unroll
  for (int ps = 0; ps < kPasses; ++ps) rows[ps] = tok0 + ps * kRows + r0;
  uint4 raw[kPasses];
  load_rows<T>(p.src, b, h, rows, p.seq, c8, col_ok, raw);
  float mean[8] = {};
  if (p.k_mean != nullptr) pdl_wait();  // the finalize's k_mean
  if (p.k_mean != nullptr && col_ok) {  // kDp-wide rows of 32-byte-aligned buffers
    const float4* m = reinterpret_cast<const float4*>(p.k_mean + (b * (p.heads / p.group) + h / p.group) * kDp + c8);
    const float4 m0 = __ldg(m), m1 = __ldg(m + 1);
    mean[0] = m0.x, mean[1] = m0.y, mean[2] = m0.z, mean[3] = m0.w;
    mean[4] = m1.x, mean[5] = m1.y, mean[6] = m1.z, mean[7] = m1.w;
  }

  float x[kPasses][8];
  float amax = 0.f;
#pragma unroll
  for (int ps = 0; ps < kPasses; ++ps) {
    const int64_t t = rows[ps];
    const bool in = col_ok && t < p.seq;
    to_float8<T>(raw[ps], x[ps]);
    if (p.q_kmean != nullptr) {
      // Per-row dot with the K mean: kVpr consecutive lanes hold one row.
      float d = 0.f;
#pragma unroll
      for (int i = 0; i < 8; ++i) d += x[ps][i] * mean[i];
#pragma unroll
      for (int o = kVpr / 2; o > 0; o >>= 1) d += __shfl_xor_sync(0xffffffffu, d, o, kVpr);
      if (c8 == 0 && t < p.seq) p.q_kmean[b * p.q_kmean_sb + h * p.q_kmean_sh + t] = p.sm_scale * d;
    }
    if (p.smooth && in) {
#pragma unroll
      for (int i = 0; i < 8; ++i) x[ps][i] -= mean[i];
    }
#pragma unroll
    for (int i = 0; i < 8; ++i) amax = fmaxf(amax, fabsf(x[ps][i]));
  }
  amax = block_max(amax, scratch);

  // The contract's formula, operation for operation, so CPU and GPU codes agree.
  const float inv = amax > 0.f ? fminf(sage::kInt8Max / amax, FLT_MAX) : 0.f;
  if (threadIdx.x == 0 && blk < p.scale_blocks) {
    p.scale[b * p.scale_sb + h * p.scale_sh + blk] = amax / sage::kInt8Max * p.scale_mul;
  }
  if (c8 >= p.dst_cols) return;
#pragma unroll
  for (int ps = 0; ps < kPasses; ++ps) {
    const int64_t t = tok0 + ps * kRows + r0;
    if (t >= p.dst_rows) continue;
    *reinterpret_cast<uint2*>(p.dst + b * p.dst_sb + h * p.dst_sh + t * p.dst_ss + c8) =
        make_uint2(quantize_int8x4(x[ps], inv), quantize_int8x4(x[ps] + 4, inv));
  }
}

// ---- pass 4: V to e4m3 (scaled per channel) or f16, grid (blocks, Hkv, B) ------------------

enum class VMode : int {
  fp8_packed = 0,   // e4m3 [B, H, Dp, sk_pad], keys permuted (layout.h)
  fp8_logical = 1,  // e4m3 [B, H, S, D]
  f16_packed = 2,   // f16 [B, H, sk_pad, Dp]
};

struct VParams {
  SrcView src;
  int64_t heads, seq, head_dim;
  const float* v_scale;  // [B, H, Dp]; fp8 modes only
  void* dst;
  int64_t dst_sb, dst_sh, dst_ss, dst_rows, dst_cols;  // row-major modes
  int64_t sk_pad;                                      // fp8_packed
};

// One block of 64 tokens `blk` of V head h, batch b.
template <class T, int kDp, VMode kMode>
__device__ __forceinline__ void quantize_v_block(const VParams& p, int64_t blk, int64_t h, int64_t b) {
  constexpr int kVpr = kDp / 8, kRows = PackConfig::kThreads / kVpr;
  constexpr int kBlock = sage::kKBlock, kPasses = kBlock / kRows;
  // fp8_packed transposes through shared memory. Thread row slot r0 owns the kPasses
  // consecutive positions r0 · kPasses + ps of the permuted tile (keys kv_key of them), so it
  // writes each of its 8 channels as kPasses / 4 words. The pitch (17 words) puts the
  // 8-channel groups of a warp on 4 different bank offsets: 4-way conflicts at most, where one
  // byte per store with a 16-byte-multiple pitch put all 16 groups on one bank.
  constexpr bool kTransposed = kMode == VMode::fp8_packed;
  constexpr int kTPitch = kBlock + 4;
  static_assert(kPasses % 4 == 0, "a thread's codes per channel fill whole 4-byte words");
  __shared__ __align__(16) uint8_t tile[kTransposed ? kDp : 1][kTPitch];
  const int c8 = (threadIdx.x % kVpr) * 8, r0 = threadIdx.x / kVpr;
  const int64_t tok0 = blk * kBlock;
  const bool col_ok = c8 < p.head_dim;

  int64_t rows[kPasses];
#pragma unroll
  for (int ps = 0; ps < kPasses; ++ps) rows[ps] = tok0 + (kTransposed ? kv_key(r0 * kPasses + ps) : ps * kRows + r0);
  uint4 raw[kPasses];
  load_rows<T>(p.src, b, h, rows, p.seq, c8, col_ok, raw);
  // v_inv of the contract (core/sage_contract.h) per channel: one division per channel, not
  // per element. Unused for f16. v_scale rows are kDp wide and 32-byte aligned.
  float inv_scale[8] = {};
  if constexpr (kMode != VMode::f16_packed) {
    pdl_wait();  // the finalize's v_scale
    if (col_ok) {
      const float4* vs = reinterpret_cast<const float4*>(p.v_scale + (b * p.heads + h) * kDp + c8);
      const float4 s0 = __ldg(vs), s1 = __ldg(vs + 1);
      const float s[8] = {s0.x, s0.y, s0.z, s0.w, s1.x, s1.y, s1.z, s1.w};
#pragma unroll
      for (int i = 0; i < 8; ++i) inv_scale[i] = s[i] == 0.f ? 0.f : fminf(1.0f / s[i], FLT_MAX);
    }
  }
  uint8_t codes[kTransposed ? 8 : 1][kPasses];  // [channel][position] for the transposed tile
#pragma unroll
  for (int ps = 0; ps < kPasses; ++ps) {
    const int64_t t = rows[ps];
    float x[8];
    to_float8<T>(raw[ps], x);
    if constexpr (kMode == VMode::f16_packed) {
      if (t < p.dst_rows) {
        uint4 u;
        __half* e = reinterpret_cast<__half*>(&u);
#pragma unroll
        for (int i = 0; i < 8; ++i) e[i] = __float2half_rn(x[i]);
        *reinterpret_cast<uint4*>(static_cast<__half*>(p.dst) + b * p.dst_sb + h * p.dst_sh +
                                  t * p.dst_ss + c8) = u;
      }
    } else {
      uint8_t code[8];
#pragma unroll
      for (int i = 0; i < 8; ++i) {
        code[i] = __nv_cvt_float_to_fp8(__fmul_rn(x[i], inv_scale[i]), __NV_SATFINITE, __NV_E4M3);
      }
      if constexpr (kTransposed) {
#pragma unroll
        for (int i = 0; i < 8; ++i) codes[i][ps] = code[i];
      } else {
        if (t < p.dst_rows && c8 < p.dst_cols) {
          uint2 u;
          uint8_t* e = reinterpret_cast<uint8_t*>(&u);
#pragma unroll
          for (int i = 0; i < 8; ++i) e[i] = code[i];
          *reinterpret_cast<uint2*>(static_cast<uint8_t*>(p.dst) + b * p.dst_sb + h * p.dst_sh +
                                    t * p.dst_ss + c8) = u;
        }
      }
    }
  }
  if constexpr (kTransposed) {
#pragma unroll
    for (int i = 0; i < 8; ++i) {
      uint32_t w[kPasses / 4];
#pragma unroll
      for (int k = 0; k < kPasses / 4; ++k) {
        w[k] = codes[i][4 * k] | codes[i][4 * k + 1] << 8 | codes[i][4 * k + 2] << 16 |
               uint32_t{codes[i][4 * k + 3]} << 24;
      }
      uint32_t* at = reinterpret_cast<uint32_t*>(&tile[c8 + i][r0 * kPasses]);  // rows are 4-byte aligned
#pragma unroll
      for (int k = 0; k < kPasses / 4; ++k) at[k] = w[k];
    }
    __syncthreads();
    constexpr int kChunks = kDp * kBlock / 16;
    uint8_t* base = static_cast<uint8_t*>(p.dst) + ((b * p.heads + h) * kDp) * p.sk_pad + tok0;
#pragma unroll
    for (int i = threadIdx.x; i < kChunks; i += PackConfig::kThreads) {
      const int c = i / (kBlock / 16), part = i % (kBlock / 16);
      const uint32_t* row = reinterpret_cast<const uint32_t*>(&tile[c][part * 16]);  // 4-byte aligned
      *reinterpret_cast<uint4*>(base + c * p.sk_pad + part * 16) = make_uint4(row[0], row[1], row[2], row[3]);
    }
  }
}

// ---- passes 3 and 4 in one launch: grid (max(q_blocks, kv_blocks), Hq + 2 Hkv, B) ---------
// blockIdx.y picks the tensor (Q heads, then K heads, then V heads), so the three passes share
// one launch and fill the GPU together instead of each leaving a tail.
template <class T, int kDp, VMode kMode>
__global__ void __launch_bounds__(PackConfig::kThreads)
    quantize_qkv_kernel(Int8Params q, Int8Params k, VParams v, int64_t q_blocks, int64_t kv_blocks) {
  pdl_allow_dependents();  // the attention kernel may launch now; it waits for all of this
  const int64_t blk = blockIdx.x, b = blockIdx.z;
  const int64_t y = blockIdx.y;
  if (y < q.heads) {
    if (blk < q_blocks) quantize_int8_block<T, kDp>(q, blk, y, b);
  } else if (y < q.heads + k.heads) {
    if (blk < kv_blocks) quantize_int8_block<T, kDp>(k, blk, y - q.heads, b);
  } else if (blk < kv_blocks) {
    quantize_v_block<T, kDp, kMode>(v, blk, y - q.heads - k.heads, b);
  }
}

}  // namespace dattn::cuda::quant
