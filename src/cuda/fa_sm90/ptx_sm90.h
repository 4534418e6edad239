// Tiny named wrappers over the Hopper instructions the sm90 kernels (fa_sm90, sage_sm90) use:
// mbarriers, TMA (cp.async.bulk.tensor), wgmma's fence/commit/wait and shared-memory
// descriptors, named barriers, setmaxnreg, ex2. Bodies are empty outside sm_90a, where the
// kernels are never launched.
#pragma once

#include <cuda.h>

#include <cstdint>
#include <type_traits>

namespace dattn::cuda::sm90 {

#if defined(__CUDA_ARCH_FEAT_SM90_ALL)
#define DATTN_SM90_ASM(...) asm volatile(__VA_ARGS__)
#else
#define DATTN_SM90_ASM(...) \
  do {                      \
  } while (0)
#endif

__device__ __forceinline__ uint32_t smem_u32(const void* p) {
  return static_cast<uint32_t>(__cvta_generic_to_shared(p));
}

// threadIdx.x / 128, broadcast from lane 0 so that the compiler knows it is warp-uniform: what
// derives from it (a consumer's Q descriptor) then lives in uniform registers instead of being
// rebuilt in vector registers every tile (CUTLASS's canonical_warp_group_idx does the same).
__device__ __forceinline__ int warpgroup_index() {
  return __shfl_sync(0xffffffffu, static_cast<int>(threadIdx.x / 128), 0);
}

// A plain shared-memory store, and the fence after which the async proxy (wgmma, TMA) sees
// such stores.
__device__ __forceinline__ void st_shared_u32(uint32_t addr, uint32_t value) {
  DATTN_SM90_ASM("st.shared.u32 [%0], %1;\n" ::"r"(addr), "r"(value) : "memory");
}
__device__ __forceinline__ void fence_proxy_async_smem() {
  DATTN_SM90_ASM("fence.proxy.async.shared::cta;\n" ::: "memory");
}

// ---- mbarrier -------------------------------------------------------------------------

__device__ __forceinline__ void mbar_init(uint32_t bar, uint32_t arrivals) {
  DATTN_SM90_ASM("mbarrier.init.shared::cta.b64 [%0], %1;\n" ::"r"(bar), "r"(arrivals));
}

// Makes the initialized barriers visible to the copy engine (the async proxy) as well.
__device__ __forceinline__ void mbar_init_fence() {
  DATTN_SM90_ASM("fence.mbarrier_init.release.cluster;\n" ::: "memory");
}

// One arrival that also announces `bytes` that TMA copies will deliver to this phase.
__device__ __forceinline__ void mbar_arrive_expect_tx(uint32_t bar, uint32_t bytes) {
  DATTN_SM90_ASM("mbarrier.arrive.expect_tx.shared::cta.b64 _, [%0], %1;\n" ::"r"(bar), "r"(bytes)
                 : "memory");
}

__device__ __forceinline__ void mbar_arrive(uint32_t bar) {
  DATTN_SM90_ASM("mbarrier.arrive.shared::cta.b64 _, [%0];\n" ::"r"(bar) : "memory");
}

// Blocks until the barrier's phase with this parity has completed.
__device__ __forceinline__ void mbar_wait(uint32_t bar, uint32_t parity) {
  DATTN_SM90_ASM(
      "{\n"
      ".reg .pred done;\n"
      "WAIT_%=:\n"
      "mbarrier.try_wait.parity.shared::cta.b64 done, [%0], %1;\n"
      "@!done bra WAIT_%=;\n"
      "}\n" ::"r"(bar),
      "r"(parity)
      : "memory");
}

// ---- TMA ------------------------------------------------------------------------------

__device__ __forceinline__ void tma_prefetch_descriptor(const CUtensorMap* map) {
  DATTN_SM90_ASM("prefetch.tensormap [%0];\n" ::"l"(reinterpret_cast<uint64_t>(map)) : "memory");
}

// Copies the box at coordinates (c0 innermost .. c3) of a 4-D tensor map into shared memory;
// completion is counted in bytes on `bar`. Out-of-range elements arrive as zeros.
__device__ __forceinline__ void tma_load_4d(uint32_t dst, const CUtensorMap* map, uint32_t bar, int c0,
                                            int c1, int c2, int c3) {
  DATTN_SM90_ASM(
      "cp.async.bulk.tensor.4d.shared::cluster.global.mbarrier::complete_tx::bytes [%0], [%1, {%3, %4, "
      "%5, %6}], [%2];\n" ::"r"(dst),
      "l"(reinterpret_cast<uint64_t>(map)), "r"(bar), "r"(c0), "r"(c1), "r"(c2), "r"(c3)
      : "memory");
}

// Copies the box at shared-memory `src` to coordinates (c0 innermost .. c3) of a 4-D tensor
// map; elements outside the map's bounds are not written. Completion is tracked per thread by
// bulk groups: tma_store_commit, then tma_store_wait_read (the source may be overwritten) or
// tma_store_wait (the writes are done).
__device__ __forceinline__ void tma_store_4d(const CUtensorMap* map, uint32_t src, int c0, int c1, int c2, int c3) {
  DATTN_SM90_ASM("cp.async.bulk.tensor.4d.global.shared::cta.bulk_group [%0, {%2, %3, %4, %5}], [%1];\n" ::"l"(
                     reinterpret_cast<uint64_t>(map)),
                 "r"(src), "r"(c0), "r"(c1), "r"(c2), "r"(c3)
                 : "memory");
}
__device__ __forceinline__ void tma_store_commit() { DATTN_SM90_ASM("cp.async.bulk.commit_group;\n" ::: "memory"); }
__device__ __forceinline__ void tma_store_wait_read() {
  DATTN_SM90_ASM("cp.async.bulk.wait_group.read 0;\n" ::: "memory");
}
__device__ __forceinline__ void tma_store_wait() { DATTN_SM90_ASM("cp.async.bulk.wait_group 0;\n" ::: "memory"); }

// ---- wgmma ----------------------------------------------------------------------------

// Orders earlier register writes (accumulators, A fragments) before the next wgmma reads them.
__device__ __forceinline__ void wgmma_fence() { DATTN_SM90_ASM("wgmma.fence.sync.aligned;\n" ::: "memory"); }
__device__ __forceinline__ void wgmma_commit() {
  DATTN_SM90_ASM("wgmma.commit_group.sync.aligned;\n" ::: "memory");
}
template <int N>
__device__ __forceinline__ void wgmma_wait() {
  DATTN_SM90_ASM("wgmma.wait_group.sync.aligned %0;\n" ::"n"(N) : "memory");
}

// Keeps the compiler from moving reads or writes of a wgmma's register operands (fp32 or
// int32 accumulators, packed A fragments) across the wgmma while it is in flight.
template <class T, int R, int C>
__device__ __forceinline__ void fence_registers(T (&d)[R][C]) {
  static_assert(sizeof(T) == 4, "32-bit registers");
#pragma unroll
  for (int i = 0; i < R; ++i) {
#pragma unroll
    for (int j = 0; j < C; ++j) {
      if constexpr (std::is_floating_point_v<T>) {
        asm volatile("" : "+f"(d[i][j])::"memory");
      } else {
        asm volatile("" : "+r"(d[i][j])::"memory");
      }
    }
  }
}

// Shared-memory matrix descriptor for a tile that TMA wrote swizzled: rows of `Swizzle`
// bytes (128 or 64), 8-row atoms. `leading_bytes` matters only for N-major operands (the
// distance between 64-element column blocks); `stride_bytes` is between 8-row atoms.
template <int Swizzle>
__device__ __forceinline__ uint64_t smem_desc(uint32_t addr, uint32_t leading_bytes, uint32_t stride_bytes) {
  static_assert(Swizzle == 128 || Swizzle == 64, "128- or 64-byte swizzle");
  uint64_t d = 0;
  d |= static_cast<uint64_t>(addr >> 4);  // shared addresses are below 256 KB: 14 bits after the shift
  d |= static_cast<uint64_t>((leading_bytes & 0x3FFFF) >> 4) << 16;
  d |= static_cast<uint64_t>((stride_bytes & 0x3FFFF) >> 4) << 32;
  d |= (Swizzle == 128 ? 1ull : 2ull) << 62;  // layout type: 1 = 128-byte, 2 = 64-byte swizzle
  return d;
}
// The descriptor of the operand `bytes` (a multiple of 16) further on: one add, where a fresh
// smem_desc costs a shift and masks per wgmma. Shared addresses stay below 256 KB, so the
// 14-bit address field cannot carry into the next field.
__device__ __forceinline__ uint64_t desc_advance(uint64_t desc, uint32_t bytes) { return desc + (bytes >> 4); }
__device__ __forceinline__ uint64_t smem_desc_sw128(uint32_t addr, uint32_t leading_bytes,
                                                    uint32_t stride_bytes) {
  return smem_desc<128>(addr, leading_bytes, stride_bytes);
}

// ---- named barriers -------------------------------------------------------------------

// Two consumer warpgroups that issue their wgmma groups in turns (FA3's ping-pong): while one
// warpgroup's products run on the tensor cores, the other runs its softmax, instead of both
// issuing together and then both leaving the tensor cores idle. Turn t of warpgroup w waits
// on named barrier kFirst + w, which the other warpgroup arrives at when it has issued. Both
// warpgroups take the same number of turns; warpgroup 1 arrives once up front (warpgroup 0
// goes first) and skips its arrival after its last turn, so every arrival is consumed. Both
// warpgroups MUST take the same number of turns (a per-warpgroup tile count, e.g. for a
// causal mask, would deadlock), and barriers kFirst and kFirst + 1 are reserved for this.
// (sage_sm90 staggers its consumers instead: with a softmax much longer than its products,
// strict turns only make each warpgroup wait for the other's softmax.)
struct WarpgroupTurns {
  static constexpr int kFirst = 1;  // barrier 0 is __syncthreads
  int wg;                           // 0 or 1: which consumer warpgroup this thread is in

  __device__ __forceinline__ void start() const {
    if (wg == 1) DATTN_SM90_ASM("bar.arrive %0, 256;\n" ::"r"(kFirst) : "memory");
  }
  __device__ __forceinline__ void wait_turn() const {
    DATTN_SM90_ASM("bar.sync %0, 256;\n" ::"r"(kFirst + wg) : "memory");
  }
  __device__ __forceinline__ void pass_turn(bool last_turn) const {
    if (wg == 0 || !last_turn) {
      DATTN_SM90_ASM("bar.arrive %0, 256;\n" ::"r"(kFirst + 1 - wg) : "memory");
    }
  }
};

// Two consumer warpgroups that take no turns drift into step: both wait for their Q·Kᵀ at
// once, then both run their softmax while the tensor cores idle. Started half a period apart
// they stay apart: warpgroup 1 begins its first tile only once warpgroup 0 has finished its
// own (a per-tile trace at (1, 33, 4096, 128) showed the two issuing within ~300 of ~2700
// cycles; the stagger made sage fp8 at D = 128 4-8 % faster, but sage fp8 at D = 64 2-3 %
// and fa at D = 64 not at all, bench/NOTES.md v11: measure before enabling it). Named
// barrier kId, after WarpgroupTurns' two, is used once; both warpgroups call hold() and
// release() (each acts for one of them) exactly when the CTA has at least one tile.
template <bool kEnabled = true>
struct WarpgroupStagger {
  static constexpr int kId = 3;
  int wg;  // 0 or 1: which consumer warpgroup this thread is in

  __device__ __forceinline__ void hold() const {  // before the first tile
    if (kEnabled && wg == 1) DATTN_SM90_ASM("bar.sync %0, 256;\n" ::"r"(kId) : "memory");
  }
  __device__ __forceinline__ void release() const {  // after the first tile
    if (kEnabled && wg == 0) DATTN_SM90_ASM("bar.arrive %0, 256;\n" ::"r"(kId) : "memory");
  }
};

// The 128 threads of consumer warpgroup `wg` (0-based) meet at named barrier kFirst + wg, after
// WarpgroupTurns' and WarpgroupStagger's: the epilogue's shared-memory staging (epilogue_sm90.h).
struct WarpgroupBarrier {
  static constexpr int kFirst = 4;
  int wg;
  __device__ __forceinline__ void sync() const {
    DATTN_SM90_ASM("bar.sync %0, 128;\n" ::"r"(kFirst + wg) : "memory");
  }
};

// ---- math -----------------------------------------------------------------------------

// 2^x in one MUFU.EX2 (max relative error ~2^-22; results below 2^-126 flush to 0, which a
// softmax weight may). exp2f adds a range check and two multiplies around it: four more
// instructions per score, on kernels whose softmax is bound by instruction issue.
__device__ __forceinline__ float exp2_approx(float x) {
  float y;
#if defined(__CUDA_ARCH__)
  asm("ex2.approx.ftz.f32 %0, %1;" : "=f"(y) : "f"(x));
#else
  y = x;  // host pass: never called
#endif
  return y;
}

// ---- registers ------------------------------------------------------------------------

template <int N>
__device__ __forceinline__ void regs_release() {
  DATTN_SM90_ASM("setmaxnreg.dec.sync.aligned.u32 %0;\n" ::"n"(N));
}
template <int N>
__device__ __forceinline__ void regs_claim() {
  DATTN_SM90_ASM("setmaxnreg.inc.sync.aligned.u32 %0;\n" ::"n"(N));
}

}  // namespace dattn::cuda::sm90
