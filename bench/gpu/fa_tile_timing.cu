// dattn_gpu_timing: times the fa kernel's tile shapes on DESIGN.md workloads, to choose the
// rows of tile_size.h. Not a test (tests are never timed). Method (METHOD.md): random
// inputs, 3 warm-up runs, then the median of 15 runs timed with CUDA events on one stream.
#include <cuda_runtime.h>

#include <algorithm>
#include <cmath>
#include <cstdio>
#include <random>
#include <string>
#include <vector>

#include "cuda/common/check.h"
#include "cuda/fa/fa.h"
#include "cuda/fa/flash_fwd_launch_template.h"
#include "cuda/sdpa/sdpa.h"

namespace {

using dattn::cuda::flash::FaParams;
using Launch = void (*)(const FaParams&, cudaStream_t);

struct Shape {
  const char* name;
  int64_t b, h, s, d;
  bool causal;
};

struct Variant {
  const char* name;
  int64_t d;
  Launch launch;
};

template <int D, int BM, int BN, int W, int MT, int MB>
void launch(const FaParams& p, cudaStream_t s) {
  dattn::cuda::flash::launch_fa_fwd<dattn::cuda::flash::KernelTraitsSm80<D, __nv_bfloat16, BM, BN, W, MT, MB>>(p, s);
}

__global__ void fill(__nv_bfloat16* x, size_t n, uint64_t seed) {
  for (size_t i = blockIdx.x * size_t(blockDim.x) + threadIdx.x; i < n; i += size_t(gridDim.x) * blockDim.x) {
    // A cheap hash to uniform [-2, 2): random enough for timing, never zeros.
    uint64_t z = (i + seed) * 0x9E3779B97F4A7C15ull;
    z = (z ^ (z >> 31)) * 0xBF58476D1CE4E5B9ull;
    x[i] = __float2bfloat16(float(z >> 40) / float(1 << 24) * 4.0f - 2.0f);
  }
}

double median_ms(const std::vector<float>& v) {
  std::vector<float> s = v;
  std::sort(s.begin(), s.end());
  return s[s.size() / 2];
}

}  // namespace

int main() {
  const Shape shapes[] = {
      {"flux (1,24,4608,128)", 1, 24, 4608, 128, false},
      {"flux causal", 1, 24, 4608, 128, true},
      {"sweep (4,32,8192,128)", 4, 32, 8192, 128, false},
      {"sd3.5 (2,38,4429,64)", 2, 38, 4429, 64, false},
      {"cogvideox (1,48,17776,64)", 1, 48, 17776, 64, false},
  };
  // BMxBN wW mtM mbB: block_m x block_n, warps, 16-row tiles per warp, min blocks per SM.
  const Variant variants[] = {
      {"D128 default", 128, dattn::cuda::flash::run_fa_fwd<128, __nv_bfloat16>},
      {"D128 128x64 w4 mt2 mb2", 128, launch<128, 128, 64, 4, 2, 2>},
      {"D128 128x64 w8 mt1 mb2", 128, launch<128, 128, 64, 8, 1, 2>},
      {"D64 default", 64, dattn::cuda::flash::run_fa_fwd<64, __nv_bfloat16>},
      {"D64 128x64 w8 mt1 mb2", 64, launch<64, 128, 64, 8, 1, 2>},
  };
  cudaDeviceProp prop{};
  DATTN_CUDA_CHECK(cudaGetDeviceProperties(&prop, 0));
  std::printf("device: %s (%d SMs)\n", prop.name, prop.multiProcessorCount);
  cudaStream_t stream = nullptr;
  DATTN_CUDA_CHECK(cudaStreamCreate(&stream));
  cudaEvent_t start, stop;
  DATTN_CUDA_CHECK(cudaEventCreate(&start));
  DATTN_CUDA_CHECK(cudaEventCreate(&stop));
  std::printf("%-28s %-22s %10s %10s\n", "shape", "variant", "ms", "TFLOPS");
  for (const Shape& sh : shapes) {
    const size_t n = size_t(sh.b * sh.h * sh.s * sh.d);
    __nv_bfloat16 *q, *k, *v, *o;
    DATTN_CUDA_CHECK(cudaMalloc(&q, n * 2));
    DATTN_CUDA_CHECK(cudaMalloc(&k, n * 2));
    DATTN_CUDA_CHECK(cudaMalloc(&v, n * 2));
    DATTN_CUDA_CHECK(cudaMalloc(&o, n * 2));
    fill<<<1024, 256, 0, stream>>>(q, n, 1);
    fill<<<1024, 256, 0, stream>>>(k, n, 2);
    fill<<<1024, 256, 0, stream>>>(v, n, 3);
    DATTN_CUDA_CHECK_LAUNCH();
    dattn_problem p{};
    p.dtype = 2;
    p.batch = sh.b, p.heads_q = sh.h, p.heads_kv = sh.h, p.seq_q = sh.s, p.seq_kv = sh.s, p.head_dim = sh.d;
    const int64_t sb = sh.h * sh.s * sh.d, shd = sh.s * sh.d;
    p.q = {q, sb, shd, sh.d};
    p.k = {k, sb, shd, sh.d};
    p.v = {v, sb, shd, sh.d};
    p.out = {o, sb, shd, sh.d};
    p.sm_scale = 1.0f / std::sqrt(float(sh.d));
    p.causal = sh.causal;
    p.stream = stream;
    const FaParams fp = dattn::cuda::flash::make_params(p);
    const double flops = 4.0 * sh.b * sh.h * double(sh.s) * sh.s * sh.d / (sh.causal ? 2 : 1);
    for (const Variant& var : variants) {
      if (var.d != sh.d) continue;
      for (int i = 0; i < 3; ++i) var.launch(fp, stream);
      std::vector<float> ms;
      for (int i = 0; i < 15; ++i) {
        DATTN_CUDA_CHECK(cudaEventRecord(start, stream));
        var.launch(fp, stream);
        DATTN_CUDA_CHECK(cudaEventRecord(stop, stream));
        DATTN_CUDA_CHECK(cudaEventSynchronize(stop));
        float t = 0;
        DATTN_CUDA_CHECK(cudaEventElapsedTime(&t, start, stop));
        ms.push_back(t);
      }
      const double m = median_ms(ms);
      std::printf("%-28s %-22s %10.3f %10.1f\n", sh.name, var.name, m, flops / (m * 1e-3) / 1e12);
    }
    cudaFree(q), cudaFree(k), cudaFree(v), cudaFree(o);
  }
  return 0;
}
