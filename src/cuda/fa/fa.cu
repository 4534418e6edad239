#include "cuda/fa/fa.h"

#include <cuda_runtime.h>

#include <climits>
#include <stdexcept>

#include "cuda/common/check.h"
#include "cuda/common/device_guard.h"
#include "cuda/common/dispatch.h"
#include "cuda/fa/fa_params.h"
#include "cuda/fa/kernel_traits_sm80.h"
#include "cuda/fa_sm90/fa_sm90.h"

namespace dattn::cuda {
namespace flash {

template <int kHeadDim, class T>
void run_fa_fwd(const FaParams& p, cudaStream_t stream);  // instantiations/*.cu
const void* fa_probe_kernel();                             // instantiations/*hdim128_bf16*.cu

}  // namespace flash

namespace {

#define DATTN_FA_HEAD_DIMS (64, 96, 128, 256)

int smem_bytes(int64_t head_dim) {
  return DATTN_DISPATCH_VALUES(head_dim, "head_dim", D, DATTN_FA_HEAD_DIMS,
                               { return flash::KernelTraitsSm80<D, __nv_bfloat16>::kSmemBytes; });
}

// cp.async and the epilogue move rows in 16-byte pieces: every row must start 16-byte aligned.
void check_aligned(const dattn_view& v, const char* name) {
  const bool ok = reinterpret_cast<uintptr_t>(v.data) % 16 == 0 && v.stride_b % 8 == 0 &&
                  v.stride_h % 8 == 0 && v.stride_s % 8 == 0;
  if (!ok) {
    throw std::invalid_argument(std::string("fa needs ") + name +
                                " rows 16-byte aligned (data pointer aligned, batch/head/seq strides "
                                "multiples of 8 elements); use sdpa for this view");
  }
}


}  // namespace

std::string fa_unsupported_reason(int device, int64_t head_dim, int32_t dtype) {
  if (dtype != static_cast<int32_t>(DType::f16) && dtype != static_cast<int32_t>(DType::bf16)) {
    return "fa supports f16 and bf16 only";
  }
  int smem_needed = 0;
  try {
    smem_needed = smem_bytes(head_dim);
  } catch (const std::invalid_argument& e) {
    return std::string("fa: ") + e.what();
  }
  int major = 0, minor = 0, smem_optin = 0;
  DATTN_CUDA_CHECK(cudaDeviceGetAttribute(&major, cudaDevAttrComputeCapabilityMajor, device));
  DATTN_CUDA_CHECK(cudaDeviceGetAttribute(&minor, cudaDevAttrComputeCapabilityMinor, device));
  if (major < 8) {
    return "fa needs compute capability >= 8.0, device " + std::to_string(device) + " has " +
           std::to_string(major) + "." + std::to_string(minor);
  }
  DATTN_CUDA_CHECK(cudaDeviceGetAttribute(&smem_optin, cudaDevAttrMaxSharedMemoryPerBlockOptin, device));
  if (smem_optin < smem_needed) {
    return "fa at head_dim " + std::to_string(head_dim) + " needs " + std::to_string(smem_needed) +
           " bytes of shared memory per block, device has " + std::to_string(smem_optin);
  }
  // The module may lack code for this architecture (e.g. built for sm_90a only, run on an
  // sm_80): asking for a kernel's attributes is how the runtime tells.
  DeviceGuard guard(device);
  cudaFuncAttributes attr{};
  const cudaError_t err = cudaFuncGetAttributes(&attr, flash::fa_probe_kernel());
  if (err != cudaSuccess) {
    cudaGetLastError();  // consume it, so the next launch check does not report it
    return "fa has no kernel image for device " + std::to_string(device) + " (compute capability " +
           std::to_string(major) + "." + std::to_string(minor) + "; module built for " +
           DATTN_CUDA_ARCH_LIST + "): " + cudaGetErrorString(err);
  }
  return {};
}

namespace flash {

FaParams make_params(const dattn_problem& p) {
  check_aligned(p.q, "q");
  check_aligned(p.k, "k");
  check_aligned(p.v, "v");
  check_aligned(p.out, "out");
  if (p.seq_q > INT_MAX / 2 || p.seq_kv > INT_MAX / 2 || p.batch > INT_MAX || p.heads_q > INT_MAX) {
    throw std::invalid_argument("fa: seq_q and seq_kv must be below 2^30");
  }
  FaParams fp{};
  fp.q = p.q.data;
  fp.k = p.k.data;
  fp.v = p.v.data;
  fp.out = p.out.data;
  fp.lse = p.lse;
  fp.q_stride_b = p.q.stride_b, fp.q_stride_h = p.q.stride_h, fp.q_stride_s = p.q.stride_s;
  fp.k_stride_b = p.k.stride_b, fp.k_stride_h = p.k.stride_h, fp.k_stride_s = p.k.stride_s;
  fp.v_stride_b = p.v.stride_b, fp.v_stride_h = p.v.stride_h, fp.v_stride_s = p.v.stride_s;
  fp.out_stride_b = p.out.stride_b, fp.out_stride_h = p.out.stride_h, fp.out_stride_s = p.out.stride_s;
  fp.lse_stride_b = p.lse_stride_b, fp.lse_stride_h = p.lse_stride_h;
  fp.batch = static_cast<int32_t>(p.batch);
  fp.heads_q = static_cast<int32_t>(p.heads_q);
  fp.heads_kv = static_cast<int32_t>(p.heads_kv);
  fp.group = static_cast<int32_t>(p.heads_q / p.heads_kv);
  fp.seq_q = static_cast<int32_t>(p.seq_q);
  fp.seq_kv = static_cast<int32_t>(p.seq_kv);
  fp.scale_log2 = p.sm_scale * 1.4426950408889634f;
  fp.causal = p.causal != 0;
  return fp;
}

}  // namespace flash

void fa(const dattn_problem& p) {
  // Hopper: the TMA + wgmma kernel where it applies (sm_90a image, D 64/128, aligned rows);
  // the mma.sync kernel everywhere else.
  if (fa_sm90_try(p, nullptr)) return;
  fa_sm80(p);
}

void fa_sm80(const dattn_problem& p) {
  const flash::FaParams fp = flash::make_params(p);
  if (p.batch * p.heads_q * p.seq_q == 0) return;
  auto stream = static_cast<cudaStream_t>(p.stream);
  DATTN_DISPATCH_VALUES(p.head_dim, "head_dim", D, DATTN_FA_HEAD_DIMS, {
    DATTN_DISPATCH_HALF_DTYPE(p.dtype, T, { flash::run_fa_fwd<D, T>(fp, stream); });
  });
}

}  // namespace dattn::cuda
