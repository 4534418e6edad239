// Writes a consumer warpgroup's 64 output rows and their LSE: straight from the accumulator
// (each quad of lanes owns 16 contiguous bytes of a row per 8-column block), or staged in
// shared memory and stored by TMA. Rows past seq_q (the zero-filled tail of the last Q tile)
// are not written.
#pragma once

#include <cuda.h>

#include <cstdint>

#include "cuda/common/sm80_ptx.h"
#include "cuda/fa_sm90/params_sm90.h"
#include "cuda/fa_sm90/ptx_sm90.h"

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

  // The same through `staging` (Traits::o_staging, 1024-byte aligned): the rows as the o map's
  // boxes of [64 rows][64 columns], kOBoxStride apart, 128-byte swizzled (chunk c of row r at
  // chunk c ^ (r % 8): the warp's 8 rows x 4 lanes then hit 32 different banks),
  // then one TMA store per box by the warpgroup's first thread, which the store's other work
  // does not wait for: 32 scattered 4-byte global stores per thread cost a consumer ~1500
  // cycles per item, on its critical path (a clock64 trace, bench/NOTES.md session 9). The
  // staging buffer is reused item after item: the first thread waits until the previous store
  // has read it. `m0` is the warpgroup's first row in the sequence.
  static __device__ __forceinline__ void store_tma(const float (&o)[kNBlocksO][4], const float (&inv_sum)[2],
                                                   const float (&row_lse)[2], uint32_t staging, const CUtensorMap* map,
                                                   const sm90::WarpgroupBarrier& bar, int m0, int head, int batch,
                                                   float* lse, int row, int rows_left) {
    const bool leader = threadIdx.x % 128 == 0;
    if (leader) sm90::tma_store_wait_read();
    bar.sync();
    const int t = threadIdx.x % 4;
    const int local = threadIdx.x % 128 / 32 * 16 + threadIdx.x % 32 / 4;  // first row within the 64
#pragma unroll
    for (int r = 0; r < 2; ++r) {
      const int lr = local + 8 * r;
#pragma unroll
      for (int i = 0; i < kNBlocksO; ++i) {
        const uint32_t at = staging + (i / 8) * Traits::kOBoxStride + lr * 128 + ((i % 8) ^ (lr % 8)) * 16 + 4 * t;
        sm90::st_shared_u32(at, sm80::pack2<T>(o[i][2 * r] * inv_sum[r], o[i][2 * r + 1] * inv_sum[r]));
      }
      if (lse != nullptr && t == 0 && row + 8 * r < rows_left) lse[row + 8 * r] = row_lse[r];
    }
    sm90::fence_proxy_async_smem();  // the stores above, seen by TMA
    bar.sync();
    if (leader) {
#pragma unroll
      for (int box = 0; box < Traits::kHeadDim / 64; ++box) {
        sm90::tma_store_4d(map, staging + box * Traits::kOBoxStride, 64 * box, m0, head, batch);
      }
      sm90::tma_store_commit();
    }
  }

  // Before the CTA exits: its last TMA stores have finished reading shared memory and writing.
  static __device__ __forceinline__ void drain() {
    if constexpr (Traits::kStoreOByTma) {
      if (threadIdx.x % 128 == 0) sm90::tma_store_wait();
    }
  }
};

}  // namespace dattn::cuda::flash_sm90
