// Host side of the Hopper sage_attn kernel: the device check and the TMA descriptors of the
// packed operands (quant/layout.h).
#include "cuda/sage_sm90/sage_sm90.h"

#include <climits>
#include <stdexcept>

#include "cuda/common/check.h"
#include "cuda/common/device_query.h"
#include "cuda/fa_sm90/tensor_map_sm90.h"
#include "cuda/sage_sm90/kernel_sm90.cuh"
#include "cuda/sage_sm90/launch_sm90.h"

namespace dattn::cuda {
namespace {

// A 4-D map over a packed buffer: dims innermost first, a box of box0 x box1.
std::string encode(CUtensorMap* map, CUtensorMapDataType type, int elem_bytes, const void* base,
                   const uint64_t (&dims)[4], uint32_t box0, uint32_t box1, CUtensorMapSwizzle swizzle) {
  flash_sm90::TensorMapSpec spec{};
  spec.type = type;
  spec.base = base;
  uint64_t stride = elem_bytes;
  for (int i = 0; i < 4; ++i) {
    spec.dims[i] = dims[i];
    if (i > 0) spec.strides[i - 1] = stride;
    stride *= dims[i];
  }
  spec.box[0] = box0, spec.box[1] = box1;
  spec.swizzle = swizzle;
  return flash_sm90::encode_tensor_map(map, spec);
}

}  // namespace

bool sage_sm90_supported(int device, std::string* reason) {
  static DeviceAnswers<int> answers;
  std::string why = answers.get(device, [&] {
    const int smem = sage_sm90::TraitsSm90<128, false>::kSmemBytes;  // the largest of the set
    const std::string r = sm90_kernel_reason(device, smem, sage_sm90::probe_kernel());
    return r.empty() ? r : "the Hopper sage_attn kernel " + r;
  });
  if (why.empty()) return true;
  if (reason != nullptr) *reason = std::move(why);
  return false;
}

bool sage_sm90_fits(const quant::PackedShape& s) {
  // heads_q and batch are within the grid already: sage_attn() refuses larger ones.
  return s.sq_pad <= INT_MAX / 2 && s.sk_pad <= INT_MAX / 2;
}

void sage_attn_sm90(const sage_mma::Params& k, const quant::PackedShape& s, int32_t dtype, bool causal,
                    cudaStream_t stream) {
  const uint64_t dp = static_cast<uint64_t>(s.dp);
  const uint64_t sq = static_cast<uint64_t>(s.sq_pad), sk = static_cast<uint64_t>(s.sk_pad);
  const uint64_t hq = static_cast<uint64_t>(s.heads_q), hkv = static_cast<uint64_t>(s.heads_kv);
  const uint64_t b = static_cast<uint64_t>(s.batch);
  constexpr uint32_t kRows = sage_sm90::Tile::kBlockN;  // K and V tiles
  const uint32_t q_box = sage_sm90::block_m(s.dp, s.fp8_v);  // Q tiles: the kernel's rows per CTA
  // int8 rows of dp bytes are one swizzle span each.
  const CUtensorMapSwizzle qk_swizzle = dp == 128 ? CU_TENSOR_MAP_SWIZZLE_128B : CU_TENSOR_MAP_SWIZZLE_64B;
  sage_sm90::TensorMaps tm{};
  std::string why = encode(&tm.q, CU_TENSOR_MAP_DATA_TYPE_UINT8, 1, k.q, {dp, sq, hq, b}, uint32_t(dp), q_box,
                           qk_swizzle);
  if (why.empty()) {
    why = encode(&tm.k, CU_TENSOR_MAP_DATA_TYPE_UINT8, 1, k.k, {dp, sk, hkv, b}, uint32_t(dp), kRows, qk_swizzle);
  }
  if (why.empty()) {
    why = s.fp8_v ? encode(&tm.v, CU_TENSOR_MAP_DATA_TYPE_UINT8, 1, k.v, {sk, dp, hkv, b}, kRows, uint32_t(dp),
                           CU_TENSOR_MAP_SWIZZLE_128B)
                  : encode(&tm.v, CU_TENSOR_MAP_DATA_TYPE_FLOAT16, 2, k.v, {dp, sk, hkv, b}, 64, kRows,
                           CU_TENSOR_MAP_SWIZZLE_128B);
  }
  // The packed buffers are ours (256-byte aligned, padded rows): a refusal is a bug here.
  if (!why.empty()) throw std::logic_error("sage_attn (Hopper): tensor map of a packed operand: " + why);
  // out by TMA where it can be (boxes of one consumer's 64 rows x 64 columns); otherwise, or
  // if the driver refuses the map, the kernel's direct stores.
  const dattn_view out{k.out, k.out_sb, k.out_sh, k.out_ss};
  tm.o_by_tma = k.head_dim == s.dp && flash_sm90::tma_view_reason(out).empty() &&
                flash_sm90::encode_tensor_map(&tm.o, out, dtype, s.batch, s.heads_q, s.seq_q, k.head_dim, 64).empty();
  if (s.fp8_v) {
    sage_sm90::launch_fp8(tm, k, s.batch, dtype, s.dp, causal, stream);
  } else {
    sage_sm90::launch_f16(tm, k, s.batch, dtype, s.dp, causal, stream);
  }
}

}  // namespace dattn::cuda
