// Throughput of the CPU kernels, one JSON line per (backend, shape, dtype).
//
// Method (the same as torch_sdpa.py, so that run.sh can put both in one table): random
// N(0, 1) inputs in HND, 2 untimed warm-up calls, then `--runs` (default 9, at least 7)
// timed calls with a steady clock; the median is reported. GFLOPS = 4 * B * H * S * S * D
// / median seconds (non-causal). Threads: OpenMP's (OMP_NUM_THREADS), printed with each line.
// sage_attn is timed end to end, quantization included, as a user calls it.
//
// A plain timer rather than Google Benchmark: the PyTorch side must use the identical
// method, and the GPU machine where this runs is not known to ship libbenchmark.
#include <omp.h>

#include <algorithm>
#include <array>
#include <cinttypes>
#include <chrono>
#include <cmath>
#include <cstdio>
#include <cstdlib>
#include <cstring>
#include <random>
#include <string>
#include <vector>

#include "cpu/convert.h"
#include "cpu/kernels.h"

namespace {

struct Config {
  dattn::Backend backend;
  dattn::SagePV pv;
  int64_t b, h, s, d;
  dattn::DType dtype;
};

std::vector<uint16_t> random_half(int64_t n, dattn::DType dtype, std::mt19937_64& rng) {
  std::normal_distribution<float> normal;
  std::vector<uint16_t> x(static_cast<size_t>(n));
  for (auto& e : x) e = dtype == dattn::DType::f16 ? dattn::cpu::float_to_half(normal(rng)) : dattn::cpu::float_to_bf16(normal(rng));
  return x;
}

void run(const Config& c, int runs) {
  const int64_t n = c.b * c.h * c.s * c.d;
  std::mt19937_64 rng(42);
  std::normal_distribution<float> normal;
  // Storage as 32-bit words for every dtype, so that f32 and 16-bit views share the code.
  std::vector<float> q32, k32, v32, o32(static_cast<size_t>(n));
  std::vector<uint16_t> q16, k16, v16, o16(static_cast<size_t>(n));
  void *q, *k, *v, *o;
  if (c.dtype == dattn::DType::f32) {
    for (auto* t : {&q32, &k32, &v32}) {
      t->resize(static_cast<size_t>(n));
      for (float& e : *t) e = normal(rng);
    }
    q = q32.data(), k = k32.data(), v = v32.data(), o = o32.data();
  } else {
    q16 = random_half(n, c.dtype, rng), k16 = random_half(n, c.dtype, rng), v16 = random_half(n, c.dtype, rng);
    q = q16.data(), k = k16.data(), v = v16.data(), o = o16.data();
  }
  dattn_problem p{};
  p.dtype = static_cast<int32_t>(c.dtype);
  p.batch = c.b, p.heads_q = p.heads_kv = c.h, p.seq_q = p.seq_kv = c.s, p.head_dim = c.d;
  const int64_t sb = c.h * c.s * c.d, sh = c.s * c.d;
  p.q = {q, sb, sh, c.d}, p.k = {k, sb, sh, c.d}, p.v = {v, sb, sh, c.d}, p.out = {o, sb, sh, c.d};
  p.sm_scale = 1.0f / std::sqrt(static_cast<float>(c.d));
  p.sage_pv = static_cast<int32_t>(c.pv);

  const std::string name = std::string(dattn::to_string(c.backend)) +
                           (c.backend == dattn::Backend::sage_attn ? std::string("(") + dattn::to_string(c.pv) + " pv)" : "");
  const std::string reason = dattn::cpu::unsupported_reason(c.backend, c.d, c.dtype);
  std::printf("{\"impl\": \"dattn %s\", \"shape\": [%lld, %lld, %lld, %lld], \"dtype\": \"%s\", \"threads\": %d, ",
              name.c_str(), static_cast<long long>(c.b), static_cast<long long>(c.h),
              static_cast<long long>(c.s), static_cast<long long>(c.d), dattn::to_string(c.dtype),
              omp_get_max_threads());
  if (!reason.empty()) {
    std::printf("\"skipped\": \"%s\"}\n", reason.c_str());
    return;
  }
  auto call = [&] {
    switch (c.backend) {
      case dattn::Backend::sdpa: dattn::cpu::sdpa(p); break;
      case dattn::Backend::fa: dattn::cpu::fa(p); break;
      case dattn::Backend::sage_attn: dattn::cpu::sage_attn(p); break;
    }
  };
  for (int i = 0; i < 2; ++i) call();
  std::vector<double> seconds;
  for (int i = 0; i < runs; ++i) {
    const auto t0 = std::chrono::steady_clock::now();
    call();
    seconds.push_back(std::chrono::duration<double>(std::chrono::steady_clock::now() - t0).count());
  }
  std::sort(seconds.begin(), seconds.end());
  const double median = seconds[seconds.size() / 2];
  const double flops = 4.0 * static_cast<double>(c.b * c.h) * static_cast<double>(c.s) * static_cast<double>(c.s) * static_cast<double>(c.d);
  std::printf("\"median_s\": %.6f, \"gflops\": %.1f, \"runs\": %d}\n", median, flops / median * 1e-9, runs);
  std::fflush(stdout);
}

int usage() {
  std::fprintf(stderr,
               "usage: dattn_bench_cpu [--runs N] [--backend fa|sage_attn|sdpa]... [--shape B,H,S,D]...\n"
               "                       [--dtype f32|f16|bf16]...\n"
               "defaults: --runs 9, backends fa and sage_attn (f16 and fp8 P·V), shapes\n"
               "1,24,1024,128 and 1,8,4096,64, dtypes f32 and bf16. Threads: OMP_NUM_THREADS.\n");
  return 2;
}

}  // namespace

int main(int argc, char** argv) {
  int runs = 9;
  std::vector<dattn::Backend> backends;
  std::vector<std::array<int64_t, 4>> shapes;
  std::vector<dattn::DType> dtypes;
  try {
    for (int i = 1; i < argc; ++i) {
      const std::string arg = argv[i];
      if (i + 1 >= argc) return usage();
      const std::string val = argv[++i];
      if (arg == "--runs") {
        runs = std::max(7, std::atoi(val.c_str()));
      } else if (arg == "--backend") {
        const auto backend = dattn::parse_backend(val);
        if (!backend) return usage();
        backends.push_back(*backend);
      } else if (arg == "--dtype") {
        dtypes.push_back(dattn::parse_dtype(val));
      } else if (arg == "--shape") {
        std::array<int64_t, 4> s{};
        if (std::sscanf(val.c_str(), "%" SCNd64 ",%" SCNd64 ",%" SCNd64 ",%" SCNd64, &s[0], &s[1], &s[2], &s[3]) != 4) return usage();
        shapes.push_back(s);
      } else {
        return usage();
      }
    }
  } catch (const std::exception& e) {
    std::fprintf(stderr, "dattn_bench_cpu: %s\n", e.what());
    return 2;
  }
  if (backends.empty()) backends = {dattn::Backend::fa, dattn::Backend::sage_attn};
  if (shapes.empty()) shapes = {{1, 24, 1024, 128}, {1, 8, 4096, 64}};
  if (dtypes.empty()) dtypes = {dattn::DType::f32, dattn::DType::bf16};
  for (const auto& s : shapes) {
    for (dattn::DType t : dtypes) {
      for (dattn::Backend b : backends) {
        if (b == dattn::Backend::sage_attn) {
          for (dattn::SagePV pv : {dattn::SagePV::f16, dattn::SagePV::fp8}) run({b, pv, s[0], s[1], s[2], s[3], t}, runs);
        } else {
          run({b, dattn::SagePV::f16, s[0], s[1], s[2], s[3], t}, runs);
        }
      }
    }
  }
  return 0;
}
