// What the sm90 fa kernel reads besides its tensor maps: the output (written with plain
// stores), the LSE, sizes and the softmax constant. Q, K and V are reached only through TMA.
#pragma once

#include <cuda.h>
#include <cuda_runtime.h>

#include <cstdint>

namespace dattn::cuda::flash_sm90 {

struct ParamsSm90 {
  void* out;
  float* lse;  // nullptr = not requested
  int64_t out_stride_b, out_stride_h, out_stride_s;
  int64_t lse_stride_b, lse_stride_h;
  int32_t group;  // heads_q / heads_kv: query head h reads kv head h / group
  int32_t seq_q, seq_kv;
  float scale_log2;  // sm_scale * log2(e), folded into each exp2's FMA
  int32_t causal;    // bottom-right aligned: query i sees keys j <= i + seq_kv - seq_q
};

// The TMA descriptors of q, k, v and out; passed by value as __grid_constant__ kernel parameters.
struct TensorMaps {
  CUtensorMap q, k, v;
  CUtensorMap o;  // boxes of 64 rows x 64 columns; encoded where stores_o_by_tma (kernel_traits_sm90.h)
};

// A CTA's work items: block_m query rows of one (batch, query head), m-block fastest (under a
// causal mask the last m-blocks, which see the most keys, first). A persistent launch (grid
// smaller than items) gives CTA c the items c, c + gridDim.x, ...
struct WorkList {
  int items, m_blocks, heads_q;
};

struct GridSize {
  int seq_q, heads_q, batch;
};

// Defined in instantiations/*.cu (launch_template_sm90.h), one file per (head_dim, dtype,
// kWideKV: 176-key tiles, tile_size_sm90.h).
template <int kHeadDim, class T, bool kWideKV>
void run_fa_sm90(const TensorMaps& tm, const ParamsSm90& p, GridSize g, cudaStream_t stream);
// One instantiation's kernel, for asking the runtime whether this build has an image for
// the device (cudaFuncGetAttributes fails when it has none).
const void* fa_sm90_probe_kernel();

}  // namespace dattn::cuda::flash_sm90
