// Host side of sage_attn: capability checks, workspace layout, and the quantize + attention
// launches on the caller's stream.
#include <cuda_runtime.h>

#include <stdexcept>
#include <string>

#include "cuda/common/check.h"
#include "cuda/common/device_guard.h"
#include "cuda/common/device_query.h"
#include "cuda/common/workspace.h"
#include "cuda/quant/layout.h"
#include "cuda/quant/quant.h"
#include "cuda/sage/launch.h"
#include "cuda/sage/sage_attn.h"
#include "cuda/sage_sm90/sage_sm90.h"
#include "dattn/types.h"

namespace dattn::cuda {
namespace {

// The SASS version of the fp8 or f16 kernel the runtime would run on `device` (0: none).
int binary_version_on(int device, bool fp8) {
  DeviceGuard guard(device);
  return fp8 ? sage_mma::binary_version_fp8() : sage_mma::binary_version_f16();
}

// Empty when head_dim and dtype are in the kernel's set.
std::string shape_reason(int64_t head_dim, int32_t dtype) {
  if (dtype != static_cast<int32_t>(DType::f16) && dtype != static_cast<int32_t>(DType::bf16)) {
    return "sage_attn needs dtype f16 or bf16, got " +
           std::string(dtype == static_cast<int32_t>(DType::f32) ? "f32" : std::to_string(dtype));
  }
  if (head_dim < 8 || head_dim > 128 || head_dim % 8 != 0) {
    return "sage_attn on cuda needs head_dim a multiple of 8 in [8, 128] (padded to 64 or 128), "
           "got " +
           std::to_string(head_dim);
  }
  return {};
}

}  // namespace

std::string sage_fp8_rule(int compute_capability, int fp8_binary_version) {
  if (compute_capability < 89) {
    return "sage_attn fp8 P·V needs FP8 tensor cores (compute capability >= 8.9), device has " +
           cc_text(compute_capability) + "; use sage_pv=f16";
  }
  if (fp8_binary_version < 89) {
    return "this build of the CUDA module carries no fp8 sage_attn kernel for compute capability " +
           cc_text(compute_capability) + " (rebuild with CMAKE_CUDA_ARCHITECTURES including it)";
  }
  return {};
}

namespace {

// Empty when fp8 P·V can run on `device`; otherwise why not.
std::string fp8_reason(int device) {
  const int cc = compute_capability(device);
  if (cc < 89) return sage_fp8_rule(cc, 0);  // the rule needs no image then
  return sage_fp8_rule(cc, binary_version_on(device, true));
}

}  // namespace

bool sage_fp8_supported(int device, std::string* reason) {
  // Asked on every fp8 call: the answer cannot change within a process, so keep it.
  static DeviceAnswers<int> answers;
  std::string why = answers.get(device, [&] { return fp8_reason(device); });
  if (why.empty()) return true;
  if (reason) *reason = std::move(why);
  return false;
}

bool sage_supports(int device, int64_t head_dim, int32_t dtype, std::string* reason) {
  if (std::string r = shape_reason(head_dim, dtype); !r.empty()) {
    if (reason) *reason = std::move(r);
    return false;
  }
  const int cc = compute_capability(device);
  if (cc < 80) {
    if (reason) {
      *reason =
          "sage_attn needs compute capability >= 8.0 (INT8 mma.sync), device has " + cc_text(cc);
    }
    return false;
  }
  if (binary_version_on(device, false) == 0) {
    if (reason) {
      *reason =
          "this build of the CUDA module carries no sage_attn kernel for compute capability " +
          cc_text(cc) + " (rebuild with CMAKE_CUDA_ARCHITECTURES including it)";
    }
    return false;
  }
  return true;
}

void sage_attn(const dattn_problem& p, SageKernel kernel) {
  if (std::string r = shape_reason(p.head_dim, p.dtype); !r.empty()) throw std::invalid_argument(r);
  if (p.sage_pv != static_cast<int32_t>(SagePV::fp8) &&
      p.sage_pv != static_cast<int32_t>(SagePV::f16)) {
    throw std::invalid_argument("sage_attn: sage_pv must be resolved to fp8 (1) or f16 (2), got " +
                                std::to_string(p.sage_pv));
  }
  if (p.heads_kv <= 0 || p.heads_q % p.heads_kv != 0) {
    throw std::invalid_argument("sage_attn: heads_q (" + std::to_string(p.heads_q) +
                                ") must be a positive multiple of heads_kv (" +
                                std::to_string(p.heads_kv) + ")");
  }
  // The quantization launch spans Q, K and V heads in grid.y; both kernels put batch in grid.z.
  if (p.heads_q + 2 * p.heads_kv > 65535 || p.batch > 65535) {
    throw std::invalid_argument("sage_attn: heads_q + 2 * heads_kv (" + std::to_string(p.heads_q + 2 * p.heads_kv) +
                                ") and batch (" + std::to_string(p.batch) +
                                ") must each be at most 65535 (CUDA grid limits)");
  }
  const bool fp8 = p.sage_pv == static_cast<int32_t>(SagePV::fp8);
  if (std::string r; fp8 && !sage_fp8_supported(p.device_index, &r)) throw std::invalid_argument(r);
  if (p.batch == 0 || p.heads_q == 0 || p.seq_q == 0) return;

  cudaStream_t stream = static_cast<cudaStream_t>(p.stream);
  const quant::PackedShape shape = quant::packed_shape(p, fp8);
  // Held until the last launch below is enqueued (see WorkspaceLease).
  const WorkspaceLease ws = workspace(p.device_index, stream, quant::packed_bytes(shape));
  const quant::Packed buf = quant::carve(shape, ws.ptr);
  quant::quantize(p, shape, buf);

  sage_mma::Params k{};
  k.q = buf.q;
  k.q_scale = buf.q_scale;
  k.k = buf.k;
  k.k_scale = buf.k_scale;
  k.v = buf.v;
  k.v_scale = buf.v_scale;
  k.q_kmean = buf.q_kmean;
  k.out = p.out.data;
  k.out_sb = p.out.stride_b;
  k.out_sh = p.out.stride_h;
  k.out_ss = p.out.stride_s;
  k.out_vec2 = reinterpret_cast<uintptr_t>(p.out.data) % 4 == 0 && p.out.stride_b % 2 == 0 &&
               p.out.stride_h % 2 == 0 && p.out.stride_s % 2 == 0;
  k.lse = p.lse;
  k.lse_sb = p.lse_stride_b;
  k.lse_sh = p.lse_stride_h;
  k.heads_q = p.heads_q;
  k.heads_kv = p.heads_kv;
  k.seq_q = p.seq_q;
  k.seq_kv = p.seq_kv;
  k.sq_pad = shape.sq_pad;
  k.sk_pad = shape.sk_pad;
  k.head_dim = static_cast<int>(p.head_dim);
  if (kernel == SageKernel::automatic && sage_sm90_fits(shape) && sage_sm90_supported(p.device_index, nullptr)) {
    sage_attn_sm90(k, shape, p.dtype, p.causal != 0, stream);
  } else if (fp8) {
    sage_mma::launch_fp8(k, p.batch, p.dtype, shape.dp, p.causal != 0, stream);
  } else {
    sage_mma::launch_f16(k, p.batch, p.dtype, shape.dp, p.causal != 0, stream);
  }
}

}  // namespace dattn::cuda
