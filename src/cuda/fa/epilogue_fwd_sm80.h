// The fa epilogue: normalize, cast, and store O (and LSE). O goes through the warp's own Q
// rows in shared memory so that global stores are 16-byte and row-contiguous.
#pragma once

#include <cmath>
#include <cstdint>

#include "cuda/common/sm80_ptx.h"
#include "cuda/fa/fa_params.h"

namespace dattn::cuda::flash {

template <class Traits>
struct EpilogueFwdSm80 {
  using T = typename Traits::Element;
  static constexpr int D = Traits::kHeadDim;
  static constexpr int kStride = Traits::kSmemStride;
  static constexpr int kNTilesO = Traits::kNTilesO;
  static constexpr int kMT = Traits::kMTiles;
  static constexpr int kRows = Traits::kWarpRows;

  // warp_smem: the warp's rows of Q, no longer read by anyone else. out/lse point at the
  // warp's first row; valid_rows of its kRows exist. inv_sum/lse are indexed as in
  // OnlineSoftmax (row r: tile r / 2, half r % 2).
  static __device__ __forceinline__ void store(float (&o)[kMT][kNTilesO][4], const float (&inv_sum)[2 * kMT],
                                               const float (&lse)[2 * kMT], T* warp_smem, T* out,
                                               int64_t out_stride_s, float* lse_out, int valid_rows) {
    const int lane = threadIdx.x % 32;
    const int g = lane / 4;
    const int t = lane % 4;
    __syncwarp();  // every lane is done reading Q
#pragma unroll
    for (int mt = 0; mt < kMT; ++mt) {
#pragma unroll
      for (int dt = 0; dt < kNTilesO; ++dt) {
#pragma unroll
        for (int h = 0; h < 2; ++h) {
          const float inv = inv_sum[2 * mt + h];
          const uint32_t packed = sm80::pack2<T>(o[mt][dt][2 * h] * inv, o[mt][dt][2 * h + 1] * inv);
          *reinterpret_cast<uint32_t*>(warp_smem + (16 * mt + g + 8 * h) * kStride + dt * 8 + 2 * t) = packed;
        }
      }
    }
    __syncwarp();
    constexpr int kChunks = kRows * Traits::kChunksPerRow;
#pragma unroll
    for (int c = lane; c < kChunks; c += 32) {
      const int row = c / Traits::kChunksPerRow;
      const int col = (c % Traits::kChunksPerRow) * 8;
      if (row < valid_rows) {
        *reinterpret_cast<uint4*>(out + row * out_stride_s + col) =
            *reinterpret_cast<const uint4*>(warp_smem + row * kStride + col);
      }
    }
    if (lse_out != nullptr && t == 0) {
#pragma unroll
      for (int r = 0; r < 2 * kMT; ++r) {
        const int row = 16 * (r / 2) + g + 8 * (r % 2);
        if (row < valid_rows) lse_out[row] = lse[r];
      }
    }
  }

  // A block whose rows all see no key (causal with seq_q > seq_kv): O = 0, LSE = -inf.
  static __device__ void store_empty(T* out, int64_t out_stride_s, float* lse_out, int valid_rows) {
    const uint4 zero = {0u, 0u, 0u, 0u};
    for (int c = threadIdx.x; c < valid_rows * Traits::kChunksPerRow; c += Traits::kThreads) {
      const int row = c / Traits::kChunksPerRow;
      const int col = (c % Traits::kChunksPerRow) * 8;
      *reinterpret_cast<uint4*>(out + row * out_stride_s + col) = zero;
    }
    if (lse_out != nullptr) {
      for (int row = threadIdx.x; row < valid_rows; row += Traits::kThreads) lse_out[row] = -INFINITY;
    }
  }
};

}  // namespace dattn::cuda::flash
