// The two halves of the sm90 fa main loop. The producer (one thread of warpgroup 0) streams
// Q once and K/V tiles through `kStages` buffers with TMA; the consumer warpgroups compute
// S = Q·Kᵀ and O += P·V with wgmma, releasing each buffer as soon as its product is done.
// Buffer protocol: full barriers complete when TMA has delivered the bytes (one producer
// arrival + transaction count); empty barriers complete when every consumer warp has
// arrived (one arrival per warp, after its wgmma reading the buffer has retired).
#pragma once

#include <cstdint>

#include "cuda/fa_sm90/kernel_traits_sm90.h"
#include "cuda/fa_sm90/ptx_sm90.h"
#include "cuda/fa_sm90/wgmma_ops.h"

namespace dattn::cuda::flash_sm90 {

// Shared-memory addresses of the tiles and barriers of one CTA.
template <class Traits>
struct SmemSm90 {
  uint32_t base;  // 1024-byte aligned

  __device__ __forceinline__ uint32_t q() const { return base + Traits::kOffQ; }
  __device__ __forceinline__ uint32_t k(int stage) const { return base + Traits::kOffK + stage * Traits::kKTileBytes; }
  __device__ __forceinline__ uint32_t v(int stage) const { return base + Traits::kOffV + stage * Traits::kVStageBytes; }
  __device__ __forceinline__ uint32_t bar(int i) const { return base + Traits::kOffBarriers + 8 * i; }
  __device__ __forceinline__ uint32_t q_full() const { return bar(0); }
  __device__ __forceinline__ uint32_t k_full(int s) const { return bar(1 + 4 * s); }
  __device__ __forceinline__ uint32_t v_full(int s) const { return bar(2 + 4 * s); }
  __device__ __forceinline__ uint32_t k_empty(int s) const { return bar(3 + 4 * s); }
  __device__ __forceinline__ uint32_t v_empty(int s) const { return bar(4 + 4 * s); }

  __device__ __forceinline__ void init_barriers() const {
    constexpr uint32_t kConsumerWarps = 4 * Traits::kConsumers;
    sm90::mbar_init(q_full(), 1);
    for (int s = 0; s < Traits::kStages; ++s) {
      sm90::mbar_init(k_full(s), 1);
      sm90::mbar_init(v_full(s), 1);
      sm90::mbar_init(k_empty(s), kConsumerWarps);
      sm90::mbar_init(v_empty(s), kConsumerWarps);
    }
    sm90::mbar_init_fence();
  }
};

// Which tensor-map coordinates a CTA reads: its query tile, query head, KV head and batch.
struct TileCoord {
  int m0, head, head_kv, batch;
};

// The key tiles a CTA of query rows [m0, m0 + block_m) visits: all of seq_kv, or under the
// bottom-right aligned causal mask up to its last row's diagonal. From tile first_masked on,
// some key of a tile is hidden from some row (past seq_kv, or above the diagonal).
struct KeyTiles {
  int count, first_masked;

  static __device__ __forceinline__ KeyTiles of(int m0, int block_m, int block_n, int seq_q, int seq_kv,
                                               bool causal) {
    const int diag = seq_kv - seq_q;
    const int last_key = causal ? min(seq_kv - 1, m0 + block_m - 1 + diag) : seq_kv - 1;
    const int first_masked_key = causal ? min(seq_kv, m0 + diag + 1) : seq_kv;
    return {last_key < 0 ? 0 : last_key / block_n + 1, max(first_masked_key, 0) / block_n};
  }
};

// Signals the producer that this warp no longer reads a buffer (one arrival per warp).
__device__ __forceinline__ void release_buffer(uint32_t empty_bar) {
  __syncwarp();
  if (threadIdx.x % 32 == 0) sm90::mbar_arrive(empty_bar);
}

// The producer's loop over KV tiles 0..n_tiles-1, shared by fa_sm90 and sage_sm90: tile n goes
// to stage (first + n) % kStages once the consumers released that stage's buffer (K and V
// separately), with the tile's byte count expected on the full barrier; load_k /
// load_v(stage, first_key) issue the TMA copies, which complete on sm.k_full(stage) /
// sm.v_full(stage). first: the tiles the CTA streamed before (a persistent CTA's earlier work
// items), so that the stages and their phases carry on.
template <class Traits, class LoadK, class LoadV>
__device__ __forceinline__ void stream_kv_tiles(const SmemSm90<Traits>& sm, int n_tiles, const LoadK& load_k,
                                                const LoadV& load_v, int first = 0) {
  for (int n = 0; n < n_tiles; ++n) {
    const int s = (first + n) % Traits::kStages;
    const int use = (first + n) / Traits::kStages;  // how many times buffer s was filled before
    const int key0 = n * Traits::kBlockN;
    if (use > 0) sm90::mbar_wait(sm.k_empty(s), (use - 1) & 1);
    sm90::mbar_arrive_expect_tx(sm.k_full(s), Traits::kKTileBytes);
    load_k(s, key0);
    if (use > 0) sm90::mbar_wait(sm.v_empty(s), (use - 1) & 1);
    sm90::mbar_arrive_expect_tx(sm.v_full(s), Traits::kVTileBytes);
    load_v(s, key0);
  }
}

template <class Traits>
struct ProducerSm90 {
  // Loads a [rows, head_dim] tile starting at sequence position `row0` as head_dim / 64 boxes.
  static __device__ __forceinline__ void load_tile(uint32_t dst, uint32_t col_block_bytes, const CUtensorMap* map,
                                                   uint32_t bar, int row0, int head, int batch) {
#pragma unroll
    for (int c = 0; c < Traits::kColBlocks; ++c) {
      sm90::tma_load_4d(dst + c * col_block_bytes, map, bar, c * Traits::kBoxCols, row0, head, batch);
    }
  }
};

template <class Traits>
struct ConsumerSm90 {
  using T = typename Traits::Element;
  static constexpr int kNBlocksS = Traits::kBlockN / 8;
  static constexpr int kNBlocksO = Traits::kHeadDim / 8;

  // Issues S = Q·Kᵀ for this warpgroup's 64 rows as one wgmma group (K-major operands, 16
  // columns of head_dim per wgmma); s must not be touched until the group has retired.
  static __device__ __forceinline__ void issue_qk(float (&s)[kNBlocksS][4], uint32_t q_rows, uint32_t k_tile) {
    const uint64_t da0 = sm90::smem_desc_sw128(q_rows, 16, 1024);
    const uint64_t db0 = sm90::smem_desc_sw128(k_tile, 16, 1024);
    sm90::wgmma_fence();
#pragma unroll
    for (int j = 0; j < Traits::kHeadDim / 16; ++j) {
      const uint32_t col = (j % 4) * 32;  // bytes into the 128-byte swizzled row
      const uint64_t da = sm90::desc_advance(da0, (j / 4) * Traits::kQColBlockBytes + col);
      const uint64_t db = sm90::desc_advance(db0, (j / 4) * Traits::kKVColBlockBytes + col);
      if constexpr (Traits::kBlockN == 176) {
        sm90::wgmma_ss_m64n176<T>(s, da, db, j > 0);
      } else {
        sm90::wgmma_ss_m64n128<T>(s, da, db, j > 0);
      }
    }
    sm90::wgmma_commit();
  }

  // Issues O += P·V as one wgmma group; P holds this warpgroup's probabilities as packed A
  // fragments, V is read N-major: 16 keys (2048 bytes of the tile) per wgmma, head_dim's
  // 64-column blocks kKVColBlockBytes apart. o and p must not be touched until it retires.
  static __device__ __forceinline__ void issue_pv(float (&o)[kNBlocksO][4],
                                                  uint32_t (&p)[Traits::kBlockN / 16][4], uint32_t v_tile) {
    sm90::fence_registers(o);
    sm90::fence_registers(p);  // P's conversions all land before the wgmma fence
    const uint64_t db0 = sm90::smem_desc_sw128(v_tile, Traits::kKVColBlockBytes, 1024);
    sm90::wgmma_fence();
#pragma unroll
    for (int j = 0; j < Traits::kBlockN / 16; ++j) {
      const uint64_t db = sm90::desc_advance(db0, j * 16 * Traits::kRowBytes);
      if constexpr (Traits::kHeadDim == 128) {
        sm90::wgmma_rs_m64n128<T>(o, p[j], db);
      } else {
        sm90::wgmma_rs_m64n64<T>(o, p[j], db);
      }
    }
    sm90::wgmma_commit();
  }

};

}  // namespace dattn::cuda::flash_sm90
