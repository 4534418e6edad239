#include "measure.h"

#include <algorithm>
#include <array>
#include <chrono>
#include <cmath>
#include <cstdio>
#include <cstring>
#include <limits>
#include <memory>
#include <new>
#include <numeric>
#include <random>
#include <string>
#include <vector>

#include "check/reference.h"
#include "core/validate.h"
#include "cpu/convert.h"
#include "cuda_driver.h"
#include "dattn/dattn.h"

namespace dattn::cli {

namespace {

using Dims = std::array<int64_t, 4>;

Dims dims(Layout layout, int64_t b, int64_t h, int64_t s, int64_t d) {
  return layout == Layout::HND ? Dims{b, h, s, d} : Dims{b, s, h, d};
}

int64_t elements(const Dims& d) { return d[0] * d[1] * d[2] * d[3]; }

// Host memory for one operand, always present: the fp64 reference reads the inputs and the
// output from here. On a GPU the device copy is what attention runs on.
struct Operand {
  static constexpr int64_t kChunk = int64_t{1} << 16;
  Dims shape;
  DType dtype;
  std::vector<unsigned char> host;
  std::unique_ptr<cuda::DeviceBuffer> device;

  Operand(const Dims& s, DType t) : shape(s), dtype(t), host(elements(s) * dtype_size(t)) {}

  // Gaussian values rounded to the dtype: never zeros, so that an unread input shows. Each
  // chunk of kChunk elements draws from its own generator, seeded with (seed, stream, chunk),
  // so the values depend on the seed alone, not on the thread count, and the chunks fill in
  // parallel: one serial generator spent minutes of a `dattn bench` run on its 32k-token
  // workloads (1.6 G input elements each).
  void fill_random(uint64_t seed, uint32_t stream) {
    const int64_t n = elements(shape);
    const int64_t chunks = (n + kChunk - 1) / kChunk;
#pragma omp parallel for schedule(static)
    for (int64_t c = 0; c < chunks; ++c) {
      std::seed_seq seeds{static_cast<uint32_t>(seed), static_cast<uint32_t>(seed >> 32), stream,
                          static_cast<uint32_t>(c), static_cast<uint32_t>(c >> 32)};
      std::mt19937_64 rng(seeds);
      std::normal_distribution<float> normal;
      for (int64_t i = c * kChunk; i < std::min(n, (c + 1) * kChunk); ++i) store(i, normal(rng));
    }
  }

  // NaN everywhere, so that an output element the kernel never writes fails the check.
  void fill_nan() {
    const int64_t n = elements(shape);
#pragma omp parallel for schedule(static)
    for (int64_t i = 0; i < n; ++i) store(i, std::numeric_limits<float>::quiet_NaN());
  }

  void store(int64_t i, float x) {
    switch (dtype) {
      case DType::f32: reinterpret_cast<float*>(host.data())[i] = x; return;
      case DType::f16: reinterpret_cast<uint16_t*>(host.data())[i] = cpu::float_to_half(x); return;
      case DType::bf16: reinterpret_cast<uint16_t*>(host.data())[i] = cpu::float_to_bf16(x); return;
    }
  }

  void to_device(int device_index) {
    device = std::make_unique<cuda::DeviceBuffer>(device_index, host.size());
    device->upload(host.data());
  }

  Tensor host_view() { return contiguous_tensor(host.data(), dtype, shape); }
  Tensor run_view(Platform platform, int device_index) {
    if (!device) return host_view();
    return contiguous_tensor(device->data(), dtype, shape,
                             platform == Platform::cuda ? DeviceType::cuda : DeviceType::musa,
                             device_index);
  }
};

double median(std::vector<double> v) {
  std::sort(v.begin(), v.end());
  const size_t n = v.size();
  return n % 2 ? v[n / 2] : (v[n / 2 - 1] + v[n / 2]) / 2;
}

// A sampling stride coprime with seq_q, so that the sampled rows do not all fall on the same
// few token positions (an offset bug tends to depend on the position).
int64_t sample_stride(const Shape& s, int64_t wanted_rows) {
  const int64_t total = s.batch * s.heads_q * s.seq_q;
  if (wanted_rows <= 0 || wanted_rows >= total) return 1;
  int64_t stride = (total + wanted_rows - 1) / wanted_rows;
  while (std::gcd(stride, s.seq_q) != 1) ++stride;
  return stride;
}

}  // namespace

Measurement measure(const MeasureSpec& spec) {
  if (spec.platform == Platform::musa) {
    throw Error(ErrorCode::unsupported,
                "--platform musa: dattn has no MUSA kernels to run; `dattn select --platform musa` "
                "shows the decision it would make");
  }
  if (spec.runs < 1 || spec.warmup < 0) {
    throw Error(ErrorCode::invalid_argument, "--runs must be >= 1 and --warmup >= 0");
  }
  const Shape& s = spec.shape;
  // Decide first: a refused fallback or an absent platform fails before any memory is taken.
  SelectQuery query;
  query.platform = spec.platform;
  query.requested = spec.options.backend;
  query.head_size = s.head_dim;
  query.dtype = spec.dtype;
  query.policy = spec.options.policy;
  select(query);

  const Layout layout = spec.options.layout;
  // parse_shape bounded each tensor's elements; a shape past this machine's memory is still the
  // caller's to fix, so it is said as such rather than as an internal error.
  const auto operand = [&](const Dims& d) {
    try {
      return Operand(d, spec.dtype);
    } catch (const std::bad_alloc&) {
      const double bytes = static_cast<double>(2 * (elements(dims(layout, s.batch, s.heads_q, s.seq_q, s.head_dim)) +
                                                    elements(dims(layout, s.batch, s.heads_kv, s.seq_kv, s.head_dim)))) *
                           static_cast<double>(dtype_size(spec.dtype));
      char gib[32];
      std::snprintf(gib, sizeof gib, "%.1f", bytes / (1 << 30));
      throw Error(ErrorCode::invalid_argument, "--shape " + to_string(s) + ": q, k, v and out need " + gib +
                                                   " GiB of host memory, more than this machine can allocate");
    }
  };
  Operand q = operand(dims(layout, s.batch, s.heads_q, s.seq_q, s.head_dim));
  Operand k = operand(dims(layout, s.batch, s.heads_kv, s.seq_kv, s.head_dim));
  Operand v = operand(dims(layout, s.batch, s.heads_kv, s.seq_kv, s.head_dim));
  Operand out = operand(q.shape);
  q.fill_random(spec.seed, 0);
  k.fill_random(spec.seed, 1);
  v.fill_random(spec.seed, 2);
  out.fill_nan();

  const bool gpu = spec.platform == Platform::cuda;
  constexpr int kDevice = 0;
  std::unique_ptr<cuda::EventTimer> events;
  if (gpu) {
    for (Operand* o : {&q, &k, &v, &out}) o->to_device(kDevice);
    events = std::make_unique<cuda::EventTimer>(kDevice);
  }

  Measurement m;
  auto timed_call = [&] {
    const auto t0 = std::chrono::steady_clock::now();
    if (events) events->start();
    m.selection = attention(q.run_view(spec.platform, kDevice), k.run_view(spec.platform, kDevice),
                            v.run_view(spec.platform, kDevice), out.run_view(spec.platform, kDevice),
                            nullptr, spec.options);
    if (events) return events->stop_seconds();
    return std::chrono::duration<double>(std::chrono::steady_clock::now() - t0).count();
  };
  for (int i = 0; i < spec.warmup; ++i) timed_call();
  std::vector<double> times;
  for (int i = 0; i < spec.runs; ++i) times.push_back(timed_call());
  m.seconds = median(times);
  m.tflops = attention_flops(s, spec.options.causal) / m.seconds * 1e-12;

  if (out.device) out.device->download(out.host.data());
  const dattn_problem p = make_problem(q.host_view(), k.host_view(), v.host_view(), out.host_view(),
                                       nullptr, spec.options);
  const check::Reference ref =
      check::reference(p, check::sampled_rows(p, sample_stride(s, spec.check_rows)));
  m.rows_checked = static_cast<int64_t>(ref.rows.size());
  m.metrics = check::compare(check::gather_output(p, ref.rows), ref.out);
  // The precision sage_attn ran with, not the one requested: automatic resolves per device.
  m.bound = accuracy_bound(m.selection.backend, spec.dtype, m.selection.sage_pv.value_or(spec.options.sage_pv),
                           spec.platform);
  m.passed = m.metrics.nonfinite == 0 && m.metrics.cosine >= m.bound.min_cosine &&
             m.metrics.rel_l1 <= m.bound.max_rel_l1;
  return m;
}

}  // namespace dattn::cli
