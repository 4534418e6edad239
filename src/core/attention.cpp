// The entry point: validate, select (cached), resolve sage_attn's P·V precision, run.
// A selected backend that fails at run time is an error, never a silent fallback.
#include <cstdint>
#include <exception>
#include <string>
#include <utility>

#include "core/gpu_module.h"
#include "core/validate.h"
#include "cpu/kernels.h"
#include "dattn/dattn.h"
#include "select/selector.h"

namespace dattn {

namespace {

Platform platform_of(DeviceType d) {
  switch (d) {
    case DeviceType::cpu: return Platform::cpu;
    case DeviceType::cuda: return Platform::cuda;
    case DeviceType::musa: return Platform::musa;
  }
  throw Error(ErrorCode::invalid_argument,
              "q.device: expected cpu, cuda or musa, got value " +
                  std::to_string(static_cast<int>(d)));
}

void run_cpu(Backend b, const dattn_problem& p) {
  switch (b) {
    case Backend::sdpa: return cpu::sdpa(p);
    case Backend::fa: return cpu::fa(p);
    case Backend::sage_attn: return cpu::sage_attn(p);
  }
}

// The CUDA fa kernel moves rows in 16-byte pieces (cp.async, vector stores): every row of q, k,
// v and out must start 16-byte aligned. Empty when they do; otherwise which operand does not.
std::string misaligned_rows(const dattn_problem& p) {
  const int64_t per16 = 16 / static_cast<int64_t>(dtype_size(static_cast<DType>(p.dtype)));
  const std::pair<const char*, const dattn_view*> views[] = {
      {"q", &p.q}, {"k", &p.k}, {"v", &p.v}, {"out", &p.out}};
  for (const auto& [name, v] : views) {
    const bool ok = reinterpret_cast<uintptr_t>(v->data) % 16 == 0 && v->stride_b % per16 == 0 &&
                    v->stride_h % per16 == 0 && v->stride_s % per16 == 0;
    if (!ok) return name;
  }
  return {};
}

void run_cuda(Backend b, const dattn_problem& p) {
  const GpuModuleLoad& m = cuda_module();
  // Reached only when a simulated probe claims cuda while the real module is absent.
  if (!m.module) throw Error(ErrorCode::no_backend, "cannot run on cuda: " + m.error);
  char msg[1024] = {};
  if (m.module->run(static_cast<int32_t>(b), &p, msg, sizeof msg) != 0)
    throw Error(ErrorCode::device_error,
                std::string("cuda ") + to_string(b) + " failed: " + (msg[0] ? msg : "no message"));
}

}  // namespace

Selection attention(const Tensor& q, const Tensor& k, const Tensor& v, const Tensor& out,
                    const Tensor* lse, const Options& options) {
  dattn_problem p = make_problem(q, k, v, out, lse, options);
  const Platform platform = platform_of(q.device);
  const Policy policy = selector::policy_or_env(options.policy);
  SelectQuery query;
  query.platform = platform;
  query.requested = options.backend;
  query.head_size = p.head_dim;
  query.dtype = q.dtype;
  query.policy = policy;
  query.device_index = q.device_index;
  Selection s = select(query);
  if (platform == Platform::cuda && s.backend == Backend::fa) {
    const std::string bad = misaligned_rows(p);
    if (!bad.empty()) {
      const std::string why = "fa on cuda needs 16-byte aligned rows, but " + bad +
                              " has a data pointer or a batch/head/seq stride that is not a "
                              "multiple of 16 bytes";
      selector::per_call_fallback("attention backend fallback on cuda:" +
                                      std::to_string(q.device_index) + ": requested " +
                                      s.requested + " -> chosen sdpa: " + why +
                                      " (remedy: pass contiguous tensors, or views whose strides "
                                      "are multiples of 8 elements)",
                                  policy);
      s.reasons.push_back(why + "; falling back to sdpa");
      s.backend = Backend::sdpa;
      s.fallback = true;
    }
  }
  if (s.backend == Backend::sage_attn) {
    s.sage_pv = selector::sage_pv(platform, q.device_index, options.sage_pv, policy, s.reasons);
    p.sage_pv = static_cast<int32_t>(*s.sage_pv);
  }

  try {
    switch (platform) {
      case Platform::cpu: run_cpu(s.backend, p); break;
      case Platform::cuda: run_cuda(s.backend, p); break;
      case Platform::musa:
        throw Error(ErrorCode::no_backend,
                    "cannot run on musa: this build of dattn has no MUSA kernels");
    }
  } catch (const Error&) {
    throw;
  } catch (const std::exception& e) {
    throw Error(ErrorCode::internal,
                std::string(to_string(platform)) + " " + to_string(s.backend) + " failed: " + e.what());
  }
  return s;
}

const char* version() { return DATTN_VERSION; }

}  // namespace dattn
