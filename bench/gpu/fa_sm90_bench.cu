// dattn_fa_sm90_bench: times fa_sm90 (TMA + wgmma) beside the mma.sync fa on issue 5's
// workloads, and checks their outputs agree. Not a test. Method (METHOD.md): inputs drawn
// uniform in [-2, 2) on the device (never zeros), 3 warm-up runs, then the median of 15 runs
// each timed with CUDA events on one stream; TFLOPS = 4·B·H·S²·D / time (non-causal).
// Usage: dattn_fa_sm90_bench [B H S D]...   (no arguments: the issue-5 table)
#include <cuda_bf16.h>
#include <cuda_runtime.h>

#include <algorithm>
#include <cmath>
#include <cstdio>
#include <cstdlib>
#include <string>
#include <vector>

#include "cuda/common/check.h"
#include "cuda/fa/fa.h"
#include "cuda/fa_sm90/fa_sm90.h"
#include "dattn/types.h"
#include "event_timing.h"

namespace {

struct Shape {
  int64_t b, h, s, d;
};

__global__ void fill(__nv_bfloat16* x, size_t n, uint64_t seed) {
  for (size_t i = blockIdx.x * size_t(blockDim.x) + threadIdx.x; i < n; i += size_t(gridDim.x) * blockDim.x) {
    uint64_t z = (i + seed) * 0x9E3779B97F4A7C15ull;  // splitmix64 finalizer: cheap, never all zeros
    z = (z ^ (z >> 31)) * 0xBF58476D1CE4E5B9ull;
    z ^= z >> 29;
    x[i] = __float2bfloat16(float(z >> 40) / float(1 << 24) * 4.0f - 2.0f);
  }
}

std::vector<float> to_host(const __nv_bfloat16* d, size_t n) {
  std::vector<__nv_bfloat16> h(n);
  DATTN_CUDA_CHECK(cudaMemcpy(h.data(), d, n * 2, cudaMemcpyDeviceToHost));
  std::vector<float> f(n);
  for (size_t i = 0; i < n; ++i) f[i] = __bfloat162float(h[i]);
  return f;
}

void bench(const Shape& sh, cudaStream_t stream) {
  const size_t n = size_t(sh.b * sh.h * sh.s * sh.d);
  __nv_bfloat16 *q, *k, *v, *o_fa, *o_90;
  for (__nv_bfloat16** p : {&q, &k, &v, &o_fa, &o_90}) DATTN_CUDA_CHECK(cudaMalloc(p, n * 2));
  fill<<<1024, 256, 0, stream>>>(q, n, 1);
  fill<<<1024, 256, 0, stream>>>(k, n, 2);
  fill<<<1024, 256, 0, stream>>>(v, n, 3);
  DATTN_CUDA_CHECK_LAUNCH();
  dattn_problem p{};
  p.dtype = static_cast<int32_t>(dattn::DType::bf16);
  p.batch = sh.b, p.heads_q = sh.h, p.heads_kv = sh.h, p.seq_q = sh.s, p.seq_kv = sh.s, p.head_dim = sh.d;
  const dattn_view hnd{nullptr, sh.h * sh.s * sh.d, sh.s * sh.d, sh.d};
  p.q = hnd, p.k = hnd, p.v = hnd, p.out = hnd;
  p.q.data = q, p.k.data = k, p.v.data = v;
  p.sm_scale = 1.0f / std::sqrt(float(sh.d));
  p.stream = stream;
  DATTN_CUDA_CHECK(cudaGetDevice(&p.device_index));

  dattn_problem p_fa = p, p_90 = p;
  p_fa.out.data = o_fa;
  p_90.out.data = o_90;
  std::string why;
  const bool has90 = dattn::cuda::fa_sm90_supports(p_90, &why);
  const float ms_fa = median_ms(stream, [&] { dattn::cuda::fa(p_fa); });
  const float ms_90 = has90 ? median_ms(stream, [&] { dattn::cuda::fa_sm90(p_90); }) : NAN;
  DATTN_CUDA_CHECK(cudaStreamSynchronize(stream));
  // Both kernels see the same inputs; their outputs differ only by rounding (rel L1 ~1e-3).
  double diff = NAN;
  if (has90) {
    const std::vector<float> a = to_host(o_fa, n), b = to_host(o_90, n);
    double num = 0, den = 0;
    for (size_t i = 0; i < n; ++i) num += std::fabs(double(a[i]) - b[i]), den += std::fabs(double(a[i]));
    diff = num / den;
  }
  const double flop = 4.0 * sh.b * sh.h * double(sh.s) * sh.s * sh.d;
  std::printf("| (%lld, %lld, %lld, %lld) | %.3f | %.0f | %.3f | %.0f | %.2fx | %.2e |%s\n", (long long)sh.b,
              (long long)sh.h, (long long)sh.s, (long long)sh.d, ms_fa, flop / ms_fa * 1e-9, ms_90,
              flop / ms_90 * 1e-9, ms_fa / ms_90, diff, has90 ? "" : (" " + why).c_str());
  for (__nv_bfloat16* ptr : {q, k, v, o_fa, o_90}) cudaFree(ptr);
}

}  // namespace

int main(int argc, char** argv) {
  std::vector<Shape> shapes;
  for (int i = 1; i + 3 < argc; i += 4) {
    shapes.push_back({std::atoll(argv[i]), std::atoll(argv[i + 1]), std::atoll(argv[i + 2]), std::atoll(argv[i + 3])});
  }
  if (shapes.empty()) {
    shapes = {{1, 24, 4608, 128}, {1, 40, 32760, 128}, {1, 48, 17776, 64}, {2, 38, 4429, 64},  {4, 32, 1024, 128},
              {4, 32, 4096, 128}, {4, 32, 8192, 128},  {4, 32, 16384, 128}, {4, 32, 32768, 128}};
  }
  cudaDeviceProp prop{};
  DATTN_CUDA_CHECK(cudaGetDeviceProperties(&prop, 0));
  std::printf("device: %s (%d SMs), bf16, non-causal, HND, median of 15 after 3 warm-ups\n", prop.name,
              prop.multiProcessorCount);
  std::printf("| (B, H, S, D) | fa ms | fa TFLOPS | fa_sm90 ms | fa_sm90 TFLOPS | speed-up | rel L1 sm90 vs fa |\n");
  std::printf("|---|---|---|---|---|---|---|\n");
  cudaStream_t stream;
  DATTN_CUDA_CHECK(cudaStreamCreateWithFlags(&stream, cudaStreamNonBlocking));
  try {
    for (const Shape& s : shapes) bench(s, stream);
  } catch (const std::exception& e) {
    std::fprintf(stderr, "error: %s\n", e.what());
    return 1;
  }
  cudaStreamDestroy(stream);
  return 0;
}
