// Writes a consumer warpgroup's 64 output rows and their LSE straight from the accumulator:
// each quad of lanes owns 16 contiguous bytes of a row per 8-column block. Rows past seq_q
// (the zero-filled tail of the last Q tile) are not written.
#pragma once

#include <cstdint>

#include "cuda/common/sm80_ptx.h"
#include "cuda/fa_sm90/params_sm90.h"

namespace dattn::cuda::flash_sm90 {

template <class Traits>
struct EpilogueSm90 {
  using T = typename Traits::Element;
  static constexpr int kNBlocksO = Traits::kHeadDim / 8;

  // `row` is the thread's first row (g; the second is g + 8) relative to the start of `out`.
  static __device__ __forceinline__ void store(const float (&o)[kNBlocksO][4], const float (&inv_sum)[2],
                                               const float (&row_lse)[2], T* out, int64_t stride_s,
                                               float* lse, int row, int rows_left) {
    const int t = threadIdx.x % 4;
#pragma unroll
    for (int r = 0; r < 2; ++r) {
      const int rr = row + 8 * r;
      if (rr >= rows_left) continue;
      T* dst = out + rr * stride_s + 2 * t;
#pragma unroll
      for (int i = 0; i < kNBlocksO; ++i) {
        *reinterpret_cast<uint32_t*>(dst + 8 * i) =
            sm80::pack2<T>(o[i][2 * r] * inv_sum[r], o[i][2 * r + 1] * inv_sum[r]);
      }
      if (lse != nullptr && t == 0) lse[rr] = row_lse[r];
    }
  }
};

}  // namespace dattn::cuda::flash_sm90
