#include "cuda/sdpa/sdpa.h"

#include <cmath>
#include <stdexcept>

#include "cuda/common/check.h"
#include "cuda/common/dispatch.h"

namespace dattn::cuda {
namespace {

constexpr int kWarpsPerBlock = 4;
constexpr int kMaxHeadDim = 256;
// Lane l owns dims l, l+32, ...: coalesced row reads, and a fixed-size register array.
constexpr int kDimsPerLane = kMaxHeadDim / 32;

// One warp per query row: scores one key at a time (warp-reduced dot product), online
// softmax in base 2 with the scale folded into one multiply.
template <class T>
__global__ void __launch_bounds__(kWarpsPerBlock * 32) sdpa_kernel(dattn_problem p, float scale_log2) {
  using Tr = ElementTraits<T>;
  const int lane = threadIdx.x % 32;
  const int64_t row = int64_t(blockIdx.x) * kWarpsPerBlock + threadIdx.x / 32;
  if (row >= p.batch * p.heads_q * p.seq_q) return;
  const int64_t i = row % p.seq_q;
  const int64_t h = (row / p.seq_q) % p.heads_q;
  const int64_t b = row / (p.seq_q * p.heads_q);
  const int64_t hk = h / (p.heads_q / p.heads_kv);
  const int D = static_cast<int>(p.head_dim);

  const T* q = static_cast<const T*>(p.q.data) + b * p.q.stride_b + h * p.q.stride_h + i * p.q.stride_s;
  const T* k = static_cast<const T*>(p.k.data) + b * p.k.stride_b + hk * p.k.stride_h;
  const T* v = static_cast<const T*>(p.v.data) + b * p.v.stride_b + hk * p.v.stride_h;
  T* out = static_cast<T*>(p.out.data) + b * p.out.stride_b + h * p.out.stride_h + i * p.out.stride_s;

  float qr[kDimsPerLane], acc[kDimsPerLane];
#pragma unroll
  for (int e = 0; e < kDimsPerLane; ++e) {
    const int d = lane + 32 * e;
    qr[e] = d < D ? Tr::to_float(q[d]) : 0.0f;
    acc[e] = 0.0f;
  }
  // Bottom-right aligned causal mask; a negative bound leaves the row without keys.
  const int64_t last = p.causal ? min(p.seq_kv - 1, i + p.seq_kv - p.seq_q) : p.seq_kv - 1;
  float m = -INFINITY, l = 0.0f;
  for (int64_t j = 0; j <= last; ++j) {
    const T* kj = k + j * p.k.stride_s;
    float s = 0.0f;
#pragma unroll
    for (int e = 0; e < kDimsPerLane; ++e) {
      const int d = lane + 32 * e;
      if (d < D) s += qr[e] * Tr::to_float(kj[d]);
    }
#pragma unroll
    for (int off = 16; off > 0; off /= 2) s += __shfl_xor_sync(0xffffffffu, s, off);
    s *= scale_log2;
    const float m_new = fmaxf(m, s);
    const float alpha = exp2f(m - m_new);  // m = -inf on the first key gives 0
    const float pj = exp2f(s - m_new);
    l = l * alpha + pj;
    const T* vj = v + j * p.v.stride_s;
#pragma unroll
    for (int e = 0; e < kDimsPerLane; ++e) {
      const int d = lane + 32 * e;
      if (d < D) acc[e] = acc[e] * alpha + pj * Tr::to_float(vj[d]);
    }
    m = m_new;
  }
  const float inv_l = l > 0.0f ? 1.0f / l : 0.0f;
#pragma unroll
  for (int e = 0; e < kDimsPerLane; ++e) {
    const int d = lane + 32 * e;
    if (d < D) out[d] = Tr::from_float(acc[e] * inv_l);
  }
  if (p.lse != nullptr && lane == 0) {
    p.lse[b * p.lse_stride_b + h * p.lse_stride_h + i] =
        l > 0.0f ? (m + log2f(l)) * 0.69314718055994531f : -INFINITY;
  }
}

}  // namespace

std::string sdpa_unsupported_reason(int64_t head_dim, int32_t dtype) {
  if (head_dim < 16 || head_dim > kMaxHeadDim || head_dim % 8 != 0) {
    return "sdpa supports head_dim 16..256, multiple of 8; got " + std::to_string(head_dim);
  }
  if (dtype < 0 || dtype > 2) return "sdpa supports f32, f16, bf16; got dtype " + std::to_string(dtype);
  return {};
}

void sdpa(const dattn_problem& p) {
  if (const std::string why = sdpa_unsupported_reason(p.head_dim, p.dtype); !why.empty()) {
    throw std::invalid_argument(why);
  }
  const int64_t rows = p.batch * p.heads_q * p.seq_q;
  if (rows == 0) return;
  const int64_t blocks = (rows + kWarpsPerBlock - 1) / kWarpsPerBlock;
  if (blocks > 0x7fffffff) throw std::invalid_argument("sdpa: batch * heads_q * seq_q too large");
  const float scale_log2 = p.sm_scale * 1.4426950408889634f;
  auto stream = static_cast<cudaStream_t>(p.stream);
  DATTN_DISPATCH_DTYPE(p.dtype, T, {
    sdpa_kernel<T><<<static_cast<unsigned>(blocks), kWarpsPerBlock * 32, 0, stream>>>(p, scale_log2);
    DATTN_CUDA_CHECK_LAUNCH();
  });
}

}  // namespace dattn::cuda
