// Launchers of the quantization passes: three launches on p.stream (statistics, finalize,
// then Q, K and V together; the last two as dependent launches on sm_90+). K and V are read
// twice (statistics first: the K mean and the V amax span every token before any block can be
// quantized), Q once.
#include <cuda_runtime.h>

#include <algorithm>
#include <stdexcept>

#include "cuda/common/check.h"
#include "cuda/common/device_query.h"
#include "cuda/common/dispatch.h"
#include "cuda/common/pdl.h"
#include "cuda/common/workspace.h"
#include "cuda/quant/kernels.cuh"
#include "cuda/quant/quant.h"

namespace dattn::cuda::quant {
namespace {

constexpr size_t kAlign = 256;

size_t aligned(size_t bytes) { return (bytes + kAlign - 1) / kAlign * kAlign; }

template <class T>
SrcView src_view(const dattn_view& v) {
  const bool vec = reinterpret_cast<uintptr_t>(v.data) % 16 == 0 && v.stride_b % 8 == 0 &&
                   v.stride_h % 8 == 0 && v.stride_s % 8 == 0;
  return {v.data, v.stride_b, v.stride_h, v.stride_s, vec};
}

// Where the Q, K and V passes write: the packed buffers or the logical tensors.
struct Targets {
  Int8Params q, k;
  VParams v;
  int64_t q_blocks, k_blocks;  // grid.x of the Q and K/V passes
  bool v_logical;
};

template <class T, int kDp>
void launch(const dattn_problem& p, const PackedShape& s, const Packed& buf, Targets t) {
  cudaStream_t stream = static_cast<cudaStream_t>(p.stream);
  const auto B = static_cast<unsigned>(s.batch);
  const auto Hkv = static_cast<unsigned>(s.heads_kv), Hq = static_cast<unsigned>(s.heads_q);
  const SrcView kv = src_view<T>(p.k), vv = src_view<T>(p.v);

  // Finalize and quantize are dependent launches where their code has the waits (common/pdl.h):
  // each starts while its predecessor's last blocks run and waits where it reads their results.
  // Statistics start after all earlier work of the stream, as any launch does (keep it so), so
  // what the quantizer's Q and f16 V blocks touch without waiting (the caller's tensors, and
  // packed buffers the previous call's attention kernel read) is free. One compilation unit,
  // one architecture list: the finalize's image is built like the quantizer's. Asked once per
  // device (the answer is empty for yes).
  static DeviceAnswers<int> pdl_answers;
  const bool dependent = pdl_answers
                             .get(p.device_index,
                                  [] {
                                    return pdl_built(quantize_qkv_kernel<T, kDp, VMode::fp8_packed>)
                                               ? std::string()
                                               : std::string("quantizer built below sm_90");
                                  })
                             .empty();
  StatsParams st{
      kv, vv, s.heads_kv, s.seq_kv, s.head_dim, s.stats_chunks, buf.partial_sum, buf.partial_vmax};
  FinalizeParams fin{s.heads_kv,       s.seq_kv,   s.stats_chunks, buf.partial_sum,
                     buf.partial_vmax, buf.k_mean, buf.v_scale};
  DATTN_DISPATCH_BOOL(buf.partial_vmax != nullptr, kVmax, {
    launch_kernel(kv_stats_kernel<T, kDp, kVmax>, dim3(static_cast<unsigned>(s.stats_chunks), Hkv, B),
                  PackConfig::kThreads, 0, stream, false, st);
    launch_kernel(kv_finalize_kernel<kDp, kVmax>, dim3(Hkv, B), kFinalizeThreads, 0, stream, dependent, fin);
  });

  t.q.src = src_view<T>(p.q);
  t.k.src = kv;
  t.v.src = vv;
  const dim3 grid(static_cast<unsigned>(std::max(t.q_blocks, t.k_blocks)), Hq + 2 * Hkv, B);
  const auto quantize = [&](auto kernel) {
    launch_kernel(kernel, grid, PackConfig::kThreads, 0, stream, dependent, t.q, t.k, t.v, t.q_blocks, t.k_blocks);
  };
  if (t.v_logical) {
    quantize(quantize_qkv_kernel<T, kDp, VMode::fp8_logical>);
  } else if (s.fp8_v) {
    quantize(quantize_qkv_kernel<T, kDp, VMode::fp8_packed>);
  } else {
    quantize(quantize_qkv_kernel<T, kDp, VMode::f16_packed>);
  }
}

void dispatch(const dattn_problem& p, const PackedShape& s, const Packed& buf, const Targets& t) {
  DATTN_DISPATCH_HALF_DTYPE(
      p.dtype, T, { DATTN_DISPATCH_HEAD_DIM(s.dp, kDp, { launch<T, kDp>(p, s, buf, t); }); });
}

// Fields every Q/K target shares, whatever the destination.
Int8Params int8_common(const PackedShape& s, const Packed& buf, bool is_q, float sm_scale) {
  Int8Params r{};
  r.heads = is_q ? s.heads_q : s.heads_kv;
  r.seq = is_q ? s.seq_q : s.seq_kv;
  r.head_dim = s.head_dim;
  r.group = is_q ? s.heads_q / s.heads_kv : 1;
  r.smooth = !is_q;
  r.k_mean = (is_q && !s.want_q_kmean) ? nullptr : buf.k_mean;
  r.scale_mul = is_q ? sm_scale * sage::kLog2e : 1.f;
  r.sm_scale = sm_scale;
  return r;
}

// A Q or K target of `heads` x `rows` x `cols` int8 codes (row-major, contiguous) and
// `blocks` scales per head: the packed buffers (padded rows and head dim) or the logical
// tensors alike.
Int8Params int8_target(const PackedShape& s, const Packed& buf, bool is_q, float sm_scale, int8_t* codes,
                       float* scales, int64_t heads, int64_t rows, int64_t cols, int64_t blocks) {
  Int8Params t = int8_common(s, buf, is_q, sm_scale);
  t.dst = codes;
  t.dst_ss = cols;
  t.dst_sh = rows * cols;
  t.dst_sb = heads * t.dst_sh;
  t.dst_rows = rows;
  t.dst_cols = cols;
  t.scale = scales;
  t.scale_sh = blocks;
  t.scale_sb = heads * blocks;
  t.scale_blocks = blocks;
  return t;
}

// The V target: `rows` x `cols` per KV head (f16 or logical fp8 codes; the packed fp8 V^T
// layout is fixed by sk_pad).
VParams v_target(const PackedShape& s, const Packed& buf, void* dst, int64_t rows, int64_t cols) {
  VParams v{};
  v.heads = s.heads_kv;
  v.seq = s.seq_kv;
  v.head_dim = s.head_dim;
  v.v_scale = buf.v_scale;
  v.dst = dst;
  v.sk_pad = s.sk_pad;
  v.dst_ss = cols;
  v.dst_sh = rows * cols;
  v.dst_sb = s.heads_kv * v.dst_sh;
  v.dst_rows = rows;
  v.dst_cols = cols;
  return v;
}

}  // namespace

PackedShape packed_shape(const dattn_problem& p, bool fp8_v) {
  PackedShape s{};
  s.batch = p.batch;
  s.heads_q = p.heads_q;
  s.heads_kv = p.heads_kv;
  s.seq_q = p.seq_q;
  s.seq_kv = p.seq_kv;
  s.head_dim = p.head_dim;
  s.dp = padded_head_dim(p.head_dim);
  s.sq_pad = round_up(std::max<int64_t>(p.seq_q, 1), PackConfig::kSeqPad);
  s.sk_pad = round_up(std::max<int64_t>(p.seq_kv, 1), PackConfig::kSeqPad);
  s.stats_chunks = ceil_div(std::max<int64_t>(p.seq_kv, 1), PackConfig::kStatsChunk);
  s.fp8_v = fp8_v;
  s.want_q_kmean = p.lse != nullptr;
  return s;
}

namespace {
// Sizes of the buffers in carve order.
struct Sizes {
  size_t q, q_scale, k, k_scale, v, v_scale, k_mean, q_kmean, partial_sum, partial_vmax;
};
Sizes sizes(const PackedShape& s) {
  const size_t bq = static_cast<size_t>(s.batch * s.heads_q);
  const size_t bk = static_cast<size_t>(s.batch * s.heads_kv);
  const size_t sq = static_cast<size_t>(s.sq_pad), sk = static_cast<size_t>(s.sk_pad);
  const size_t dp = static_cast<size_t>(s.dp);
  Sizes z{};
  z.q = bq * sq * dp;
  z.q_scale = bq * (sq / sage::kQBlock) * sizeof(float);
  z.k = bk * sk * dp;
  z.k_scale = bk * (sk / sage::kKBlock) * sizeof(float);
  z.v = bk * sk * dp * (s.fp8_v ? 1 : 2);
  z.v_scale = s.fp8_v ? bk * dp * sizeof(float) : 0;
  z.k_mean = bk * dp * sizeof(float);
  z.q_kmean = s.want_q_kmean ? bq * sq * sizeof(float) : 0;
  z.partial_sum = bk * static_cast<size_t>(s.stats_chunks) * dp * sizeof(double);
  z.partial_vmax = s.fp8_v ? bk * static_cast<size_t>(s.stats_chunks) * dp * sizeof(float) : 0;
  return z;
}
}  // namespace

size_t packed_bytes(const PackedShape& s) {
  const Sizes z = sizes(s);
  return aligned(z.q) + aligned(z.q_scale) + aligned(z.k) + aligned(z.k_scale) + aligned(z.v) +
         aligned(z.v_scale) + aligned(z.k_mean) + aligned(z.q_kmean) + aligned(z.partial_sum) +
         aligned(z.partial_vmax);
}

Packed carve(const PackedShape& s, void* base) {
  const Sizes z = sizes(s);
  char* at = static_cast<char*>(base);
  auto take = [&](size_t bytes) -> void* {
    if (bytes == 0) return nullptr;
    void* r = at;
    at += aligned(bytes);
    return r;
  };
  Packed b{};
  b.q = static_cast<int8_t*>(take(z.q));
  b.q_scale = static_cast<float*>(take(z.q_scale));
  b.k = static_cast<int8_t*>(take(z.k));
  b.k_scale = static_cast<float*>(take(z.k_scale));
  b.v = take(z.v);
  b.v_scale = static_cast<float*>(take(z.v_scale));
  b.k_mean = static_cast<float*>(take(z.k_mean));
  b.q_kmean = static_cast<float*>(take(z.q_kmean));
  b.partial_sum = static_cast<double*>(take(z.partial_sum));
  b.partial_vmax = static_cast<float*>(take(z.partial_vmax));
  return b;
}

void quantize(const dattn_problem& p, const PackedShape& s, const Packed& buf) {
  const int64_t dp = s.dp;
  Targets t{};
  t.q_blocks = s.sq_pad / sage::kQBlock;
  t.q = int8_target(s, buf, true, p.sm_scale, buf.q, buf.q_scale, s.heads_q, s.sq_pad, dp, t.q_blocks);
  t.q.q_kmean = buf.q_kmean;
  t.q.q_kmean_sh = s.sq_pad;
  t.q.q_kmean_sb = s.heads_q * s.sq_pad;
  t.k_blocks = s.sk_pad / sage::kKBlock;
  t.k = int8_target(s, buf, false, p.sm_scale, buf.k, buf.k_scale, s.heads_kv, s.sk_pad, dp, t.k_blocks);
  t.v = v_target(s, buf, buf.v, s.sk_pad, dp);
  t.v_logical = false;
  dispatch(p, s, buf, t);
}

void quantize_logical(const dattn_problem& p, const Logical& out) {
  if (p.heads_kv <= 0 || p.heads_q % p.heads_kv != 0) {
    throw std::invalid_argument("quantize_logical: heads_q must be a multiple of heads_kv");
  }
  PackedShape s = packed_shape(p, true);
  s.want_q_kmean = false;
  cudaStream_t stream = static_cast<cudaStream_t>(p.stream);
  // Only the statistics live in the workspace; codes and scales go straight to `out`.
  PackedShape stats_only = s;
  stats_only.sq_pad = stats_only.sk_pad = 0;
  const WorkspaceLease ws = workspace(p.device_index, stream, packed_bytes(stats_only));
  const Packed buf = carve(stats_only, ws.ptr);

  const int64_t D = s.head_dim, qb = ceil_div(s.seq_q, sage::kQBlock),
                kb = ceil_div(s.seq_kv, sage::kKBlock);
  // Codes [B, H, S, D] and scales [B, H, blocks], both contiguous: the contract's logical layout.
  Targets t{};
  t.q = int8_target(s, buf, true, p.sm_scale, out.q, out.q_scale, s.heads_q, s.seq_q, D, qb);
  t.q_blocks = qb;
  t.k = int8_target(s, buf, false, p.sm_scale, out.k, out.k_scale, s.heads_kv, s.seq_kv, D, kb);
  t.k_blocks = kb;
  t.v = v_target(s, buf, out.v, s.seq_kv, D);
  t.v_logical = true;
  dispatch(p, s, buf, t);

  // k_mean and v_scale are kept Dp wide; the logical tensors are D wide.
  const size_t rows = static_cast<size_t>(s.batch * s.heads_kv);
  const size_t pitch = static_cast<size_t>(s.dp) * sizeof(float), width = D * sizeof(float);
  DATTN_CUDA_CHECK(cudaMemcpy2DAsync(out.k_mean, width, buf.k_mean, pitch, width, rows,
                                     cudaMemcpyDeviceToDevice, stream));
  DATTN_CUDA_CHECK(cudaMemcpy2DAsync(out.v_scale, width, buf.v_scale, pitch, width, rows,
                                     cudaMemcpyDeviceToDevice, stream));
}

}  // namespace dattn::cuda::quant
