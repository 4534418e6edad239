// Per-warp main loop of the mma.sync sage_attn kernel: for one KV tile in shared memory,
// S = INT8 Q·K^T (exact int32) scaled to log2 units, base-2 online softmax, then O += P·V in
// fp8 (two-level: a fresh fp32 accumulator per tile) or f16. A warp owns 16 query rows;
// thread (g, t) = (lane / 4, lane % 4) holds rows g and g+8 and, of every n8 tile, the
// columns 2t and 2t+1 (index e of a C fragment: row g + 8 * (e / 2), column 2t + e % 2).
#pragma once

#include <cuda_fp16.h>

#include <cmath>
#include <cstdint>

#include "core/sage_contract.h"
#include "cuda/common/sm80_ptx.h"
#include "cuda/sage/mma_int8_fp8.h"
#include "cuda/sage/traits.h"

namespace dattn::cuda::sage_mma {

// log2(448): P = exp2(s - m + this) fills e4m3's range [0, 448].
inline constexpr float kLog2Fp8Max = 8.807354922057604f;

// Copies a tile of kRows rows of kRowBytes from global (row pitch g_pitch bytes) into shared
// memory (row pitch kPitch), 16 bytes per cp.async, spread over the block.
template <int kRows, int kRowBytes, int kPitch, int kThreads>
__device__ __forceinline__ void load_tile(uint32_t smem, const uint8_t* g, int64_t g_pitch) {
  constexpr int kPerRow = kRowBytes / 16;
#pragma unroll
  for (int i = threadIdx.x; i < kRows * kPerRow; i += kThreads) {
    const int r = i / kPerRow, c = i % kPerRow;
    sm80::cp_async_16(smem + r * kPitch + c * 16, g + r * g_pitch + c * 16, 16);
  }
}

template <int kDp, bool kFp8>
struct WarpState {
  using Tr = Traits<kDp, kFp8>;
  uint32_t q[kDp / 32][4];  // Q fragments, loaded once
  float o[Tr::kDTiles][4];  // running output (fp8: scaled by 448 / v_scale)
  float m[2];               // running row max, log2 units, per row g / g+8
  float l[2];               // this thread's share of the running row sum

  __device__ void init() {
#pragma unroll
    for (int j = 0; j < Tr::kDTiles; ++j)
#pragma unroll
      for (int e = 0; e < 4; ++e) o[j][e] = 0.f;
    m[0] = m[1] = -INFINITY;
    l[0] = l[1] = 0.f;
  }

  // Q rows [16 * warp, +16) of the block's tile.
  __device__ void load_q(uint32_t q_smem, int warp, int lane) {
    const int mi = lane >> 3, r = lane & 7;
    const uint32_t base = q_smem + (warp * 16 + (mi & 1) * 8 + r) * Tr::kQPitch + (mi >> 1) * 16;
#pragma unroll
    for (int kk = 0; kk < kDp / 32; ++kk) sm80::ldmatrix_x4(q[kk], base + kk * 32);
  }

  // S = Q·K^T for the tile, as int32 C fragments of kNTiles n8 tiles.
  __device__ void scores(uint32_t k_smem, int lane, int (&acc)[Tr::kNTiles][4]) const {
#pragma unroll
    for (int j = 0; j < Tr::kNTiles; ++j)
#pragma unroll
      for (int e = 0; e < 4; ++e) acc[j][e] = 0;
    const int mi = lane >> 3, r = lane & 7;
    // ldmatrix x4 over keys [16 jp, +16): regs = b0, b1 of tile 2jp, then of tile 2jp+1.
    const uint32_t base = k_smem + ((mi >> 1) * 8 + r) * Tr::kKPitch + (mi & 1) * 16;
#pragma unroll
    for (int kk = 0; kk < kDp / 32; ++kk) {
#pragma unroll
      for (int jp = 0; jp < Tr::kNTiles / 2; ++jp) {
        uint32_t b[4];
        sm80::ldmatrix_x4(b, base + jp * 16 * Tr::kKPitch + kk * 32);
        mma_s8_16832(acc[2 * jp], q[kk], b[0], b[1]);
        mma_s8_16832(acc[2 * jp + 1], q[kk], b[2], b[3]);
      }
    }
  }

  // Scales the scores to log2 units (int32 * (q_scale * k_scale), the CPU reference's order),
  // masks keys the rows must not see, updates m and l and rescales o; leaves P (fp32) in s.
  // key0: first key of the tile; row0: this thread's row g; causal_shift = Sk - Sq.
  template <bool kCausal>
  __device__ void softmax(const int (&acc)[Tr::kNTiles][4], float scale, bool need_mask,
                          int64_t key0, int64_t row0, int64_t seq_kv, int64_t causal_shift,
                          float (&s)[Tr::kNTiles][4]) {
    const int t = threadIdx.x % 4;
#pragma unroll
    for (int j = 0; j < Tr::kNTiles; ++j)
#pragma unroll
      for (int e = 0; e < 4; ++e) s[j][e] = static_cast<float>(acc[j][e]) * scale;
    if (need_mask) {
#pragma unroll
      for (int j = 0; j < Tr::kNTiles; ++j)
#pragma unroll
        for (int e = 0; e < 4; ++e) {
          const int64_t key = key0 + 8 * j + 2 * t + (e & 1);
          const int64_t row = row0 + 8 * (e >> 1);
          if (key >= seq_kv || (kCausal && key > row + causal_shift)) s[j][e] = -INFINITY;
        }
    }
#pragma unroll
    for (int r = 0; r < 2; ++r) {
      float mx = m[r];
#pragma unroll
      for (int j = 0; j < Tr::kNTiles; ++j) mx = fmaxf(mx, fmaxf(s[j][2 * r], s[j][2 * r + 1]));
      mx = fmaxf(mx, __shfl_xor_sync(0xffffffffu, mx, 1));
      mx = fmaxf(mx, __shfl_xor_sync(0xffffffffu, mx, 2));
      // A row that has seen no key yet keeps m = -inf; subtracting 0 then keeps P = 0
      // instead of the NaN of -inf - -inf.
      const float m_use = mx == -INFINITY ? 0.f : mx;
      const float alpha = exp2f(m[r] - m_use);
      m[r] = mx;
      float sum = 0.f;
#pragma unroll
      for (int j = 0; j < Tr::kNTiles; ++j)
#pragma unroll
        for (int e = 2 * r; e < 2 * r + 2; ++e) {
          const float p = kFp8 ? exp2f(s[j][e] - m_use + kLog2Fp8Max) : exp2f(s[j][e] - m_use);
          s[j][e] = p;
          sum += p;
        }
      l[r] = l[r] * alpha + sum;
#pragma unroll
      for (int j = 0; j < Tr::kDTiles; ++j) {
        o[j][2 * r] *= alpha;
        o[j][2 * r + 1] *= alpha;
      }
    }
  }

  // o += P·V for the tile.
  __device__ void accumulate(uint32_t v_smem, int lane, const float (&p)[Tr::kNTiles][4]) {
    const int mi = lane >> 3, r = lane & 7;
    if constexpr (kFp8) {
      // P as A fragments of the two k32 steps; key order is the permuted one of V^T
      // (quant::kv_position): bytes 4t..4t+3 = keys 2t, 2t+1 of tile 2i and of tile 2i+1.
      uint32_t a[2][4];
#pragma unroll
      for (int ks = 0; ks < 2; ++ks) {
        const int j = 4 * ks;
        a[ks][0] = pack_e4m3x4(p[j][0], p[j][1], p[j + 1][0], p[j + 1][1]);
        a[ks][1] = pack_e4m3x4(p[j][2], p[j][3], p[j + 1][2], p[j + 1][3]);
        a[ks][2] = pack_e4m3x4(p[j + 2][0], p[j + 2][1], p[j + 3][0], p[j + 3][1]);
        a[ks][3] = pack_e4m3x4(p[j + 2][2], p[j + 2][3], p[j + 3][2], p[j + 3][3]);
      }
      // V^T rows are channels: ldmatrix x4 over channels [16 dp, +16) and key bytes [32 ks, +32).
      const uint32_t base = v_smem + ((mi >> 1) * 8 + r) * Tr::kVPitch + (mi & 1) * 16;
#pragma unroll
      for (int dp = 0; dp < Tr::kDTiles / 2; ++dp) {
        // Fresh accumulators per tile: the FP8 tensor-core accumulation keeps ~22 bits, so
        // only 64 products go into one before it joins the fp32 running output.
        float c0[4] = {0.f, 0.f, 0.f, 0.f}, c1[4] = {0.f, 0.f, 0.f, 0.f};
#pragma unroll
        for (int ks = 0; ks < 2; ++ks) {
          uint32_t b[4];
          sm80::ldmatrix_x4(b, base + dp * 16 * Tr::kVPitch + ks * 32);
          mma_e4m3_16832(c0, a[ks], b[0], b[1]);
          mma_e4m3_16832(c1, a[ks], b[2], b[3]);
        }
#pragma unroll
        for (int e = 0; e < 4; ++e) {
          o[2 * dp][e] += c0[e];
          o[2 * dp + 1][e] += c1[e];
        }
      }
    } else {
      // V rows are keys (f16): ldmatrix.trans over keys [16 ks, +16) and channels [16 dp, +16)
      // gives b0, b1 of channel tile 2dp, then of 2dp+1.
      const uint32_t base = v_smem + ((mi & 1) * 8 + r) * Tr::kVPitch + (mi >> 1) * 16;
#pragma unroll
      for (int ks = 0; ks < Tr::kNTiles / 2; ++ks) {
        uint32_t a[4];
        a[0] = sm80::pack2<__half>(p[2 * ks][0], p[2 * ks][1]);
        a[1] = sm80::pack2<__half>(p[2 * ks][2], p[2 * ks][3]);
        a[2] = sm80::pack2<__half>(p[2 * ks + 1][0], p[2 * ks + 1][1]);
        a[3] = sm80::pack2<__half>(p[2 * ks + 1][2], p[2 * ks + 1][3]);
#pragma unroll
        for (int dp = 0; dp < Tr::kDTiles / 2; ++dp) {
          uint32_t b[4];
          sm80::ldmatrix_x4_trans(b, base + ks * 16 * Tr::kVPitch + dp * 32);
          sm80::mma_16816<__half>(o[2 * dp], a, b[0], b[1]);
          sm80::mma_16816<__half>(o[2 * dp + 1], a, b[2], b[3]);
        }
      }
    }
  }
};

}  // namespace dattn::cuda::sage_mma
