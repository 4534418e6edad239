// dattn_sage_timing: times sage_attn end to end (quantization included, as a user calls it)
// through each attention kernel (automatic: the Hopper one on an H100; the mma.sync one
// forced) and its quantization alone on DESIGN.md workloads. Not a test (tests are never timed).
// Method (METHOD.md): random bf16 inputs, 3 warm-up runs, then the median of 15 runs timed
// with CUDA events on one stream.
// Usage: dattn_sage_timing [--automatic] [B H S D [causal]]   (no shape: the DESIGN.md / issue-5 table;
// --automatic: the automatic kernel only, for quick same-machine A/B runs, bench/gpu/ab.sh)
#include <cuda_bf16.h>
#include <cuda_runtime.h>

#include <algorithm>
#include <cmath>
#include <cstdint>
#include <cstdio>
#include <cstdlib>
#include <cstring>
#include <vector>

#include "cuda/common/check.h"
#include "cuda/common/workspace.h"
#include "cuda/quant/quant.h"
#include "cuda/sage/sage_attn.h"
#include "dattn/types.h"
#include "event_timing.h"

namespace {

// N(0,1)-like values (sum of four uniforms, rescaled), from a fast hash: never all zeros.
std::vector<__nv_bfloat16> random_bf16(size_t n, uint64_t seed) {
  std::vector<__nv_bfloat16> x(n);
  uint64_t h = seed * 0x9E3779B97F4A7C15ull + 1;
  for (size_t i = 0; i < n; ++i) {
    float s = 0;
    for (int j = 0; j < 4; ++j) {
      h ^= h << 13, h ^= h >> 7, h ^= h << 17;
      s += static_cast<float>(h >> 40) * 0x1p-24f;
    }
    x[i] = __float2bfloat16((s - 2.0f) * 1.7320508f);
  }
  return x;
}

}  // namespace

int main(int argc, char** argv) {
  struct Shape {
    const char* name;
    int64_t b, h, s, d;
    bool causal;
  };
  std::vector<Shape> shapes = {{"flux (1,24,4608,128)", 1, 24, 4608, 128, false},
                          {"flux causal", 1, 24, 4608, 128, true},
                          {"sweep (4,32,8192,128)", 4, 32, 8192, 128, false},
                          {"sd3.5 (2,38,4429,64)", 2, 38, 4429, 64, false},
                          {"cogvideox (1,48,17776,64)", 1, 48, 17776, 64, false},
                          {"wan (1,40,32760,128)", 1, 40, 32760, 128, false},
                          {"sweep (4,32,1024,128)", 4, 32, 1024, 128, false},
                          {"sweep (4,32,4096,128)", 4, 32, 4096, 128, false},
                          {"sweep (4,32,16384,128)", 4, 32, 16384, 128, false}};
  const bool automatic_only = argc > 1 && std::strcmp(argv[1], "--automatic") == 0;
  char** args = argv + (automatic_only ? 1 : 0);
  const int n_args = argc - (automatic_only ? 1 : 0);
  const bool causal_arg = n_args == 6 && std::strcmp(args[5], "causal") == 0;
  if (n_args == 5 || causal_arg) {
    shapes = {{causal_arg ? "(B,H,S,D) causal, command line" : "(B,H,S,D) from the command line",
               std::atoll(args[1]), std::atoll(args[2]), std::atoll(args[3]), std::atoll(args[4]), causal_arg}};
  } else if (n_args != 1) {
    std::fprintf(stderr, "usage: %s [--automatic] [B H S D [causal]]\n", argv[0]);
    return 2;
  }
  cudaStream_t stream;
  DATTN_CUDA_CHECK(cudaStreamCreate(&stream));
  std::printf("%-28s %-4s %-9s %10s %10s %10s\n", "shape", "pv", "kernel", "total ms", "TFLOPS", "quant ms");
  for (const Shape& sh : shapes) {
    const size_t n = static_cast<size_t>(sh.b * sh.h * sh.s * sh.d);
    __nv_bfloat16 *q, *k, *v, *o;
    DATTN_CUDA_CHECK(cudaMalloc(&q, n * 2));
    DATTN_CUDA_CHECK(cudaMalloc(&k, n * 2));
    DATTN_CUDA_CHECK(cudaMalloc(&v, n * 2));
    DATTN_CUDA_CHECK(cudaMalloc(&o, n * 2));
    int seed = 1;
    for (__nv_bfloat16* dst : {q, k, v}) {
      const std::vector<__nv_bfloat16> host = random_bf16(n, seed++);
      DATTN_CUDA_CHECK(cudaMemcpy(dst, host.data(), n * 2, cudaMemcpyHostToDevice));
    }
    dattn_problem p{};
    p.dtype = static_cast<int32_t>(dattn::DType::bf16);
    p.batch = sh.b;
    p.heads_q = p.heads_kv = sh.h;
    p.seq_q = p.seq_kv = sh.s;
    p.head_dim = sh.d;
    const dattn_view view{nullptr, sh.h * sh.s * sh.d, sh.s * sh.d, sh.d};
    p.q = p.k = p.v = p.out = view;
    p.q.data = q;
    p.k.data = k;
    p.v.data = v;
    p.out.data = o;
    p.sm_scale = 1.0f / std::sqrt(static_cast<float>(sh.d));
    p.causal = sh.causal;
    p.stream = stream;
    const double flops = 4.0 * sh.b * sh.h * sh.s * sh.s * sh.d / (sh.causal ? 2 : 1);
    for (dattn::SagePV pv : {dattn::SagePV::fp8, dattn::SagePV::f16}) {
      p.sage_pv = static_cast<int32_t>(pv);
      using dattn::cuda::SageKernel;
      const float total = median_ms(stream, [&] { dattn::cuda::sage_attn(p, SageKernel::automatic); });
      const float total_mma =
          automatic_only ? NAN : median_ms(stream, [&] { dattn::cuda::sage_attn(p, SageKernel::mma_sync); });
      const dattn::cuda::quant::PackedShape shape =
          dattn::cuda::quant::packed_shape(p, pv == dattn::SagePV::fp8);
      const dattn::cuda::WorkspaceLease ws =
          dattn::cuda::workspace(0, stream, dattn::cuda::quant::packed_bytes(shape));
      const dattn::cuda::quant::Packed buf = dattn::cuda::quant::carve(shape, ws.ptr);
      const float quant = median_ms(stream, [&] { dattn::cuda::quant::quantize(p, shape, buf); });
      const char* pv_name = pv == dattn::SagePV::fp8 ? "fp8" : "f16";
      std::printf("%-28s %-4s %-9s %10.3f %10.1f %10.3f\n", sh.name, pv_name, "automatic", total,
                  flops / total / 1e9, quant);
      if (!automatic_only) {
        std::printf("%-28s %-4s %-9s %10.3f %10.1f %10s\n", sh.name, pv_name, "mma.sync", total_mma,
                    flops / total_mma / 1e9, "");
      }
    }
    DATTN_CUDA_CHECK(cudaFree(q));
    DATTN_CUDA_CHECK(cudaFree(k));
    DATTN_CUDA_CHECK(cudaFree(v));
    DATTN_CUDA_CHECK(cudaFree(o));
  }
  return 0;
}
