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

// A consumer warpgroup's 64 output rows staged in shared memory for TMA stores (fa_sm90's
// epilogue and sage_sm90's): 16-bit values as the o map's kBoxes boxes of [64 rows][64
// columns], kBoxStride bytes apart from a 1024-byte-aligned base, 128-byte swizzled (chunk c of
// row r at chunk c ^ (r % 8): a warp's 8 rows x 4 lanes hit 32 different banks); then one TMA
// store per box by the warpgroup's first thread, whose work the store does not hold up. Why:
// 32 scattered 4-byte global stores per thread cost a consumer ~1500 cycles per work item, on
// its critical path (a clock64 trace, bench/NOTES.md session 9).
template <int kBoxes, uint32_t kBoxStride>
struct OStagingSm90 {
  uint32_t base;
  int t = threadIdx.x % 4;  // this thread's place in its quad: columns 2t, 2t + 1 of each 8
  int first_row = threadIdx.x % 128 / 32 * 16 + threadIdx.x % 32 / 4;  // within the 64; and 8 below

  // Where this thread puts columns 8j + 2t and 8j + 2t + 1 of row `row`.
  __device__ __forceinline__ uint32_t at(int row, int j) const {
    return base + (j / 8) * kBoxStride + row * 128 + ((j % 8) ^ (row % 8)) * 16 + 4 * t;
  }
  // Once every thread of the warpgroup has written its values: they are made visible to TMA,
  // and the first thread stores the boxes at rows m0.. of (head, batch) as one bulk group.
  // Before the staging is written again (or the CTA exits) that thread waits until the group
  // has read it: here (kWaitRead), or later with tma_store_wait_read.
  template <bool kWaitRead = false>
  __device__ __forceinline__ void store(const CUtensorMap* map, const sm90::WarpgroupBarrier& bar, int m0, int head,
                                        int batch) const {
    sm90::fence_proxy_async_smem();
    bar.sync();
    if (threadIdx.x % 128 == 0) {
#pragma unroll
      for (int box = 0; box < kBoxes; ++box) sm90::tma_store_4d(map, base + box * kBoxStride, 64 * box, m0, head, batch);
      sm90::tma_store_commit();
      if constexpr (kWaitRead) sm90::tma_store_wait_read();
    }
  }
};

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

  // The same through OStagingSm90 at `staging` (Traits::o_staging). The staging is reused item
  // after item: the first thread waits until the previous store has read it. `m0` is the
  // warpgroup's first row in the sequence.
  static __device__ __forceinline__ void store_tma(const float (&o)[kNBlocksO][4], const float (&inv_sum)[2],
                                                   const float (&row_lse)[2], uint32_t staging, const CUtensorMap* map,
                                                   const sm90::WarpgroupBarrier& bar, int m0, int head, int batch,
                                                   float* lse, int row, int rows_left) {
    using Staging = OStagingSm90<Traits::kHeadDim / 64, Traits::kOBoxStride>;
    if (threadIdx.x % 128 == 0) sm90::tma_store_wait_read();
    bar.sync();
    const Staging st{staging};
#pragma unroll
    for (int r = 0; r < 2; ++r) {
      const int lr = st.first_row + 8 * r;
#pragma unroll
      for (int i = 0; i < kNBlocksO; ++i) {
        sm90::st_shared_u32(st.at(lr, i), sm80::pack2<T>(o[i][2 * r] * inv_sum[r], o[i][2 * r + 1] * inv_sum[r]));
      }
      if (lse != nullptr && st.t == 0 && row + 8 * r < rows_left) lse[row + 8 * r] = row_lse[r];
    }
    st.store(map, bar, m0, head, batch);
  }

  // Before the CTA exits: its last TMA stores have finished reading shared memory and writing.
  static __device__ __forceinline__ void drain() {
    if constexpr (Traits::kStoreOByTma) {
      if (threadIdx.x % 128 == 0) sm90::tma_store_wait();
    }
  }
};

}  // namespace dattn::cuda::flash_sm90
