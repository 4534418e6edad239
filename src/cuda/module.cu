// The CUDA module's one exported entry: the dattn_gpu_module table of module_abi.h.
// Every function catches every exception and turns it into the ABI's message string,
// because an exception must not cross the dlopen boundary into libdattn.
#include <cuda_runtime.h>

#include <cstdio>
#include <exception>
#include <string>

#include "core/module_abi.h"
#include "cuda/common/check.h"
#include "cuda/common/device_guard.h"
#include "cuda/fa/fa.h"
#include "cuda/sdpa/sdpa.h"
#include "dattn/types.h"
#if DATTN_CUDA_HAVE_SAGE
#include "cuda/sage/sage_attn.h"
#endif

namespace dattn::cuda {
namespace {

int32_t fail(char* msg, size_t msg_len, const std::string& text) {
  if (msg != nullptr && msg_len > 0) std::snprintf(msg, msg_len, "%s", text.c_str());
  return 1;
}

// Runs f, mapping any exception to a non-zero return with its message.
template <class F>
int32_t guarded(char* msg, size_t msg_len, F&& f) {
  try {
    return f();
  } catch (const std::exception& e) {
    return fail(msg, msg_len, e.what());
  } catch (...) {
    return fail(msg, msg_len, "unknown exception in the CUDA module");
  }
}

const char* build_info() {
  static const std::string info = "CUDA " + std::to_string(CUDART_VERSION / 1000) + "." +
                                  std::to_string(CUDART_VERSION % 1000 / 10) + ", " +
                                  DATTN_CUDA_ARCH_LIST;
  return info.c_str();
}

int32_t device_count(int32_t* count, char* msg, size_t msg_len) {
  return guarded(msg, msg_len, [&] {
    *count = 0;
    int n = 0;
    // No device or no driver is an answer with a reason, not a crash: the core shows it.
    const cudaError_t err = cudaGetDeviceCount(&n);
    if (err != cudaSuccess) {
      cudaGetLastError();
      return fail(msg, msg_len, std::string("no usable CUDA device: ") + cudaGetErrorString(err));
    }
    *count = n;
    return 0;
  });
}

int32_t device_info(int32_t device, dattn_device_info* info, char* msg, size_t msg_len) {
  return guarded(msg, msg_len, [&] {
    cudaDeviceProp prop{};
    DATTN_CUDA_CHECK(cudaGetDeviceProperties(&prop, device));
    info->cc_major = prop.major;
    info->cc_minor = prop.minor;
    info->sm_count = prop.multiProcessorCount;
    std::snprintf(info->name, sizeof(info->name), "%s", prop.name);
    return 0;
  });
}

std::string unsupported_reason(int32_t backend, int32_t device, int64_t head_dim, int32_t dtype) {
  switch (static_cast<Backend>(backend)) {
    case Backend::sdpa:
      return sdpa_unsupported_reason(head_dim, dtype);
    case Backend::fa:
      return fa_unsupported_reason(device, head_dim, dtype);
    case Backend::sage_attn: {
#if DATTN_CUDA_HAVE_SAGE
      std::string reason;
      return sage_supports(device, head_dim, dtype, &reason) ? std::string() : reason;
#else
      return "sage_attn kernels are not part of this build of the CUDA module";
#endif
    }
  }
  return "unknown backend id " + std::to_string(backend);
}

int32_t supports(int32_t backend, int32_t device, int64_t head_dim, int32_t dtype, char* msg,
                 size_t msg_len) {
  return guarded(msg, msg_len, [&] {
    const std::string why = unsupported_reason(backend, device, head_dim, dtype);
    return why.empty() ? 0 : fail(msg, msg_len, why);
  });
}

int32_t sage_fp8(int32_t device, char* msg, size_t msg_len) {
  return guarded(msg, msg_len, [&] {
#if DATTN_CUDA_HAVE_SAGE
    std::string reason;
    return sage_fp8_supported(device, &reason) ? 0 : fail(msg, msg_len, reason);
#else
    return fail(msg, msg_len, "sage_attn kernels are not part of this build of the CUDA module");
#endif
  });
}

int32_t run(int32_t backend, const dattn_problem* p, char* msg, size_t msg_len) {
  return guarded(msg, msg_len, [&] {
    if (p == nullptr) return fail(msg, msg_len, "run: problem is null");
    if (p->heads_kv <= 0 || p->heads_q % p->heads_kv != 0) {
      return fail(msg, msg_len, "run: heads_q must be a positive multiple of heads_kv");
    }
    DeviceGuard guard(p->device_index);
    switch (static_cast<Backend>(backend)) {
      case Backend::sdpa:
        sdpa(*p);
        return 0;
      case Backend::fa:
        fa(*p);
        return 0;
      case Backend::sage_attn:
#if DATTN_CUDA_HAVE_SAGE
        sage_attn(*p);
        return 0;
#else
        return fail(msg, msg_len, "sage_attn kernels are not part of this build of the CUDA module");
#endif
    }
    return fail(msg, msg_len, "run: unknown backend id " + std::to_string(backend));
  });
}

const dattn_gpu_module kModule = {
    DATTN_MODULE_ABI_VERSION, build_info, device_count, device_info, supports, sage_fp8, run,
};

}  // namespace
}  // namespace dattn::cuda

extern "C" __attribute__((visibility("default"))) const dattn_gpu_module* dattn_cuda_module(void) {
  return &dattn::cuda::kModule;
}
