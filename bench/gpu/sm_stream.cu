// How much DRAM bandwidth k SMs can draw while the others would be busy elsewhere: the
// question behind running sage_attn's quantization on a few SMs beside the attention kernel
// (bench/NOTES.md, session 12: the gain depends on the rate b one SM can stream at). A pass
// shaped like the quantization: read bf16, write one byte per element. k CTAs, one per SM
// (each asks for more than half an SM's shared memory), each streams its share of the
// buffer, three ways:
//   ldg: 1024 threads, 16 16-byte loads per thread and step, then one 8-byte store each
//        (ptxas keeps ~7 loads per thread in flight: 112 KB per SM, more than today's passes);
//   tma: 128 threads; cp.async.bulk loads of 32 KB into a ring of 4 shared-memory stages
//        completing on mbarriers, the codes written back by cp.async.bulk stores (no
//        registers hold data in flight).
//   read: the ldg pass without the stores (as the statistics pass: reads only).
// Prints GB/s (bytes read + written) per k, in total and per SM; then whether k SMs streaming
// and the other SMs busy (a programmatic dependent launch) overlap.
//   dattn_sm_stream [MB read, default 1024]
#include <cuda_runtime.h>

#include <cstdint>
#include <cstdio>
#include <cstdlib>
#include <vector>

#include "event_timing.h"
#include "cuda/common/check.h"
#include "cuda/common/pdl.h"
#include "cuda/fa_sm90/ptx_sm90.h"

namespace {

constexpr int kThreads = 128;
constexpr int kChunk = 32 * 1024;  // bytes of bf16 input per chunk
constexpr int kStages = 4;         // tma: chunks in flight per SM
// Shared memory per CTA: more than half an SM's, so no two CTAs share one.
constexpr int kSmem = kStages * kChunk + kStages * kChunk / 2 + 1024;

// 8 bf16 -> 8 bytes (the high byte of each): one byte out per element, as the quantization.
__device__ __forceinline__ uint2 to_codes(uint4 u) {
  return make_uint2(__byte_perm(u.x, u.y, 0x7531), __byte_perm(u.z, u.w, 0x7531));
}

// kLdgThreads threads per SM, kPerThread 16-byte loads per thread and step. The buffer is a
// whole number of steps (main checks), so no load is conditional: a guarded load is issued
// just before its use, and the loads went out one at a time.
constexpr int kLdgThreads = 1024, kPerThread = 16, kLdgStep = kLdgThreads * kPerThread;  // vectors
__global__ void __launch_bounds__(kLdgThreads) stream_ldg(const uint4* __restrict__ in, uint2* __restrict__ out,
                                                          int64_t chunks) {
  dattn::cuda::pdl_allow_dependents();  // the overlap test's busy kernel may start now
  const int64_t vectors = chunks * (kChunk / 16);
  for (int64_t c = int64_t{blockIdx.x} * kLdgStep; c < vectors; c += int64_t{gridDim.x} * kLdgStep) {
    uint4 u[kPerThread];
#pragma unroll
    for (int i = 0; i < kPerThread; ++i) u[i] = __ldg(in + c + i * kLdgThreads + threadIdx.x);
#pragma unroll
    for (int i = 0; i < kPerThread; ++i) out[c + i * kLdgThreads + threadIdx.x] = to_codes(u[i]);
  }
}

// Reads only, as the statistics pass: the same loads, folded into one value per thread.
__global__ void __launch_bounds__(kLdgThreads) stream_read(const uint4* __restrict__ in, uint2* __restrict__ out,
                                                           int64_t chunks) {
  const int64_t vectors = chunks * (kChunk / 16);
  uint32_t fold = 0;
  for (int64_t c = int64_t{blockIdx.x} * kLdgStep; c < vectors; c += int64_t{gridDim.x} * kLdgStep) {
    uint4 u[kPerThread];
#pragma unroll
    for (int i = 0; i < kPerThread; ++i) u[i] = __ldg(in + c + i * kLdgThreads + threadIdx.x);
#pragma unroll
    for (int i = 0; i < kPerThread; ++i) fold ^= u[i].x ^ u[i].y ^ u[i].z ^ u[i].w;
  }
  out[int64_t{blockIdx.x} * kLdgThreads + threadIdx.x] = make_uint2(fold, 0);
}

// Stands in for the attention kernel in the overlap test: one CTA per SM (kBusySmem), each
// spinning for `cycles` without touching memory (clock64 is a volatile read: the loop stays).
constexpr int kBusySmem = 120 * 1024;
__global__ void busy(long long cycles) {
  const long long t0 = clock64();
  while (clock64() - t0 < cycles) {
  }
}

__device__ __forceinline__ void bulk_load(uint32_t dst, const void* src, uint32_t bytes, uint32_t bar) {
  asm volatile("cp.async.bulk.shared::cluster.global.mbarrier::complete_tx::bytes [%0], [%1], %2, [%3];\n" ::"r"(dst),
               "l"(src), "r"(bytes), "r"(bar)
               : "memory");
}

__device__ __forceinline__ void bulk_store(void* dst, uint32_t src, uint32_t bytes) {
  asm volatile("cp.async.bulk.global.shared::cta.bulk_group [%0], [%1], %2;\n" ::"l"(dst), "r"(src), "r"(bytes) : "memory");
}

__global__ void __launch_bounds__(kThreads) stream_tma(const uint4* __restrict__ in, uint2* __restrict__ out,
                                                      int64_t chunks) {
#if defined(__CUDA_ARCH__) && __CUDA_ARCH__ >= 900
  extern __shared__ __align__(128) unsigned char smem[];
  __shared__ __align__(8) uint64_t full[kStages];
  const uint32_t base = dattn::cuda::sm90::smem_u32(smem);
  const auto stage_in = [&](int s) { return base + s * kChunk; };
  const auto stage_out = [&](int s) { return base + kStages * kChunk + s * (kChunk / 2); };
  const auto bar = [&](int s) { return dattn::cuda::sm90::smem_u32(&full[s]); };
  const int64_t mine = chunks > blockIdx.x ? (chunks - blockIdx.x + gridDim.x - 1) / gridDim.x : 0;
  const auto chunk_of = [&](int64_t j) { return blockIdx.x + j * gridDim.x; };
  if (threadIdx.x == 0) {
    for (int s = 0; s < kStages; ++s) dattn::cuda::sm90::mbar_init(bar(s), 1);
    dattn::cuda::sm90::mbar_init_fence();
    for (int64_t j = 0; j < kStages && j < mine; ++j) {
      dattn::cuda::sm90::mbar_arrive_expect_tx(bar(j), kChunk);
      bulk_load(stage_in(j), in + chunk_of(j) * (kChunk / 16), kChunk, bar(j));
    }
  }
  __syncthreads();
  for (int64_t j = 0; j < mine; ++j) {
    const int s = static_cast<int>(j % kStages);
    dattn::cuda::sm90::mbar_wait(bar(s), static_cast<uint32_t>(j / kStages) & 1);
    if (threadIdx.x == 0 && j >= kStages) {
      asm volatile("cp.async.bulk.wait_group.read %0;\n" ::"n"(kStages - 1) : "memory");  // stage_out(s) read
    }
    __syncthreads();
    const uint4* src = reinterpret_cast<const uint4*>(smem + s * kChunk);
    uint2* dst = reinterpret_cast<uint2*>(smem + kStages * kChunk + s * (kChunk / 2));
    for (int i = threadIdx.x; i < kChunk / 16; i += kThreads) dst[i] = to_codes(src[i]);
    dattn::cuda::sm90::fence_proxy_async_smem();  // the codes, before the bulk store reads them
    __syncthreads();                               // and every thread is done with stage_in(s)
    if (threadIdx.x == 0) {
      bulk_store(out + chunk_of(j) * (kChunk / 16), stage_out(s), kChunk / 2);
      asm volatile("cp.async.bulk.commit_group;\n" ::: "memory");
      if (j + kStages < mine) {
        dattn::cuda::sm90::mbar_arrive_expect_tx(bar(s), kChunk);
        bulk_load(stage_in(s), in + chunk_of(j + kStages) * (kChunk / 16), kChunk, bar(s));
      }
    }
  }
  if (threadIdx.x == 0) asm volatile("cp.async.bulk.wait_group 0;\n" ::: "memory");
#endif
}

}  // namespace

int main(int argc, char** argv) {
  const int64_t mb = argc > 1 ? std::atoll(argv[1]) : 1024;
  const int64_t chunks = mb * 1024 * 1024 / kChunk;
  if (mb <= 0 || chunks * (kChunk / 16) % kLdgStep != 0) {
    std::fprintf(stderr, "MB must be a positive multiple of %d\n", kLdgStep * 16 / (1024 * 1024));
    return 2;
  }
  uint4* in = nullptr;
  uint2* out = nullptr;
  DATTN_CUDA_CHECK(cudaMalloc(&in, chunks * kChunk));
  DATTN_CUDA_CHECK(cudaMalloc(&out, chunks * kChunk / 2));
  DATTN_CUDA_CHECK(cudaMemset(in, 0x3c, chunks * kChunk));
  int sms = 0;
  DATTN_CUDA_CHECK(cudaDeviceGetAttribute(&sms, cudaDevAttrMultiProcessorCount, 0));
  for (auto kernel : {stream_ldg, stream_tma, stream_read}) {
    DATTN_CUDA_CHECK(cudaFuncSetAttribute(kernel, cudaFuncAttributeMaxDynamicSharedMemorySize, kSmem));
  }
  std::printf("%-4s %5s %10s %12s %10s\n", "pass", "SMs", "ms", "GB/s", "GB/s/SM");
  const char* names[] = {"ldg", "tma", "read"};
  std::vector<int> ks = {1, 2, 4, 8, 12, 16, 24, 32, 48, 66, sms};
  for (int k : ks) {
    for (int mode = 0; mode < 3; ++mode) {
      auto kernel = mode == 0 ? stream_ldg : mode == 1 ? stream_tma : stream_read;
      const int threads = mode == 1 ? kThreads : kLdgThreads;
      const float ms = median_ms(nullptr, [&] { kernel<<<k, threads, kSmem>>>(in, out, chunks); });
      DATTN_CUDA_CHECK(cudaGetLastError());
      const double gbs = (mode == 2 ? 1.0 : 1.5) * chunks * kChunk / (ms * 1e-3) / 1e9;  // read + written
      std::printf("%-4s %5d %10.3f %12.1f %10.1f\n", names[mode], k, ms, gbs, gbs / k);
    }
  }

  // Overlap: k SMs stream while the other sms - k run `busy` as the stream's programmatic
  // dependent (the streaming kernel allows it at once), as quantization on a few SMs beside
  // attention would. Overlapped, the pair takes max(ldg, busy) rather than their sum.
  DATTN_CUDA_CHECK(cudaFuncSetAttribute(busy, cudaFuncAttributeMaxDynamicSharedMemorySize, kBusySmem));
  const long long cycles = 2'000'000;
  std::printf("\n%-5s %10s %10s %12s %12s\n", "SMs k", "ldg ms", "busy ms", "ldg>busy ms", "dependent ms");
  for (int k : {4, 8, 16, 32}) {
    const auto ldg = [&] { stream_ldg<<<k, kLdgThreads, kSmem>>>(in, out, chunks); };
    const auto spin = [&](bool dependent) {
      dattn::cuda::launch_kernel(busy, dim3(sms - k), 128, kBusySmem, nullptr, dependent, cycles);
    };
    const float a = median_ms(nullptr, ldg);
    const float b = median_ms(nullptr, [&] { spin(false); });
    const float serial = median_ms(nullptr, [&] { ldg(); spin(false); });
    const float overlap = median_ms(nullptr, [&] { ldg(); spin(true); });
    DATTN_CUDA_CHECK(cudaGetLastError());
    std::printf("%-5d %10.3f %10.3f %12.3f %12.3f\n", k, a, b, serial, overlap);
  }
  DATTN_CUDA_CHECK(cudaFree(in));
  DATTN_CUDA_CHECK(cudaFree(out));
  return 0;
}
