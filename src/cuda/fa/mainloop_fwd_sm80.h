// The fa main loop on sm_80+: cp.async tile loads, Q·Kᵀ and P·V with mma.sync m16n8k16
// (fp32 accumulation), operands fed by ldmatrix. A warp owns kMTiles 16-row tiles of queries
// and reads each K/V fragment once for all of them; K and V tiles are shared by the warps.
#pragma once

#include <cmath>
#include <cstdint>

#include "cuda/common/sm80_ptx.h"
#include "cuda/fa/fa_params.h"

namespace dattn::cuda::flash {

template <class Traits>
struct MainloopFwdSm80 {
  using T = typename Traits::Element;
  static constexpr int D = Traits::kHeadDim;
  static constexpr int kStride = Traits::kSmemStride;
  static constexpr int kNTilesS = Traits::kNTilesS;
  static constexpr int kNTilesO = Traits::kNTilesO;
  static constexpr int kMT = Traits::kMTiles;

  // Copies `kRows` rows of D elements (row stride `stride_s` in global memory) into shared
  // memory; rows at or past `valid_rows` are zero-filled.
  template <int kRows>
  static __device__ __forceinline__ void load_tile(uint32_t smem, const T* gmem, int64_t stride_s,
                                                   int valid_rows) {
    constexpr int kPerThread = kRows * Traits::kChunksPerRow / Traits::kThreads;
#pragma unroll
    for (int i = 0; i < kPerThread; ++i) {
      const int c = threadIdx.x + i * Traits::kThreads;
      const int row = c / Traits::kChunksPerRow;
      const int col = (c % Traits::kChunksPerRow) * 8;
      const bool valid = row < valid_rows;
      const T* src = valid ? gmem + row * stride_s + col : gmem;
      sm80::cp_async_16(smem + (row * kStride + col) * int(sizeof(T)), src, valid ? 16 : 0);
    }
  }

  // s = Q_warp · K_tileᵀ for the warp's rows; q_smem points at the warp's first row.
  static __device__ __forceinline__ void qk(float (&s)[kMT][kNTilesS][4], uint32_t q_smem, uint32_t k_smem) {
    const int lane = threadIdx.x % 32;
#pragma unroll
    for (int mt = 0; mt < kMT; ++mt) {
#pragma unroll
      for (int nt = 0; nt < kNTilesS; ++nt) s[mt][nt][0] = s[mt][nt][1] = s[mt][nt][2] = s[mt][nt][3] = 0.0f;
    }
    // ldmatrix.x4 lane addresses: A takes rows 0-15 at k 0 / 8; B takes two n8 tiles of keys
    // at k 0 / 8 (see sm80_ptx.h for the fragment layouts).
    const uint32_t a_addr = q_smem + ((lane % 16) * kStride + (lane / 16) * 8) * int(sizeof(T));
    const uint32_t b_addr =
        k_smem + ((lane % 8 + (lane / 16) * 8) * kStride + ((lane / 8) % 2) * 8) * int(sizeof(T));
#pragma unroll
    for (int kk = 0; kk < D / 16; ++kk) {
      uint32_t a[kMT][4];
#pragma unroll
      for (int mt = 0; mt < kMT; ++mt) {
        sm80::ldmatrix_x4(a[mt], a_addr + (mt * 16 * kStride + kk * 16) * int(sizeof(T)));
      }
#pragma unroll
      for (int np = 0; np < kNTilesS / 2; ++np) {
        uint32_t b[4];
        sm80::ldmatrix_x4(b, b_addr + (np * 16 * kStride + kk * 16) * int(sizeof(T)));
#pragma unroll
        for (int mt = 0; mt < kMT; ++mt) {
          sm80::mma_16816<T>(s[mt][2 * np], a[mt], b[0], b[1]);
          sm80::mma_16816<T>(s[mt][2 * np + 1], a[mt], b[2], b[3]);
        }
      }
    }
  }

  // Scales scores into log2 units and masks keys past seq_kv and, when causal, past the
  // diagonal. row0 is the warp's first query row, n0 the tile's first key.
  static __device__ __forceinline__ void scale_and_mask(float (&s)[kMT][kNTilesS][4], const FaParams& p,
                                                        int row0, int n0, bool need_mask) {
    const int lane = threadIdx.x % 32;
#pragma unroll
    for (int mt = 0; mt < kMT; ++mt) {
#pragma unroll
      for (int nt = 0; nt < kNTilesS; ++nt) {
#pragma unroll
        for (int e = 0; e < 4; ++e) s[mt][nt][e] *= p.scale_log2;
      }
    }
    if (!need_mask) return;
    const int diag = p.seq_kv - p.seq_q;
#pragma unroll
    for (int mt = 0; mt < kMT; ++mt) {
#pragma unroll
      for (int r = 0; r < 2; ++r) {
        const int row = row0 + 16 * mt + lane / 4 + 8 * r;
        const int last_key = p.causal ? min(p.seq_kv - 1, row + diag) : p.seq_kv - 1;
#pragma unroll
        for (int nt = 0; nt < kNTilesS; ++nt) {
#pragma unroll
          for (int c = 0; c < 2; ++c) {
            const int key = n0 + nt * 8 + (lane % 4) * 2 + c;
            if (key > last_key) s[mt][nt][2 * r + c] = -INFINITY;
          }
        }
      }
    }
  }

  // o += P · V_tile, P taken from the score registers: an m16n8 accumulator pair is exactly
  // the A fragment of an m16n8k16 step, so P never touches shared memory.
  static __device__ __forceinline__ void pv(float (&o)[kMT][kNTilesO][4], const float (&s)[kMT][kNTilesS][4],
                                            uint32_t v_smem) {
    const int lane = threadIdx.x % 32;
    const uint32_t b_addr =
        v_smem + ((lane % 8 + ((lane / 8) % 2) * 8) * kStride + (lane / 16) * 8) * int(sizeof(T));
#pragma unroll
    for (int kt = 0; kt < Traits::kBlockN / 16; ++kt) {
      uint32_t a[kMT][4];
#pragma unroll
      for (int mt = 0; mt < kMT; ++mt) {
        a[mt][0] = sm80::pack2<T>(s[mt][2 * kt][0], s[mt][2 * kt][1]);
        a[mt][1] = sm80::pack2<T>(s[mt][2 * kt][2], s[mt][2 * kt][3]);
        a[mt][2] = sm80::pack2<T>(s[mt][2 * kt + 1][0], s[mt][2 * kt + 1][1]);
        a[mt][3] = sm80::pack2<T>(s[mt][2 * kt + 1][2], s[mt][2 * kt + 1][3]);
      }
#pragma unroll
      for (int dp = 0; dp < kNTilesO / 2; ++dp) {
        uint32_t b[4];
        sm80::ldmatrix_x4_trans(b, b_addr + (kt * 16 * kStride + dp * 16) * int(sizeof(T)));
#pragma unroll
        for (int mt = 0; mt < kMT; ++mt) {
          sm80::mma_16816<T>(o[mt][2 * dp], a[mt], b[0], b[1]);
          sm80::mma_16816<T>(o[mt][2 * dp + 1], a[mt], b[2], b[3]);
        }
      }
    }
  }
};

}  // namespace dattn::cuda::flash
