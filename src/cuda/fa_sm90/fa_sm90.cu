#include "cuda/fa_sm90/fa_sm90.h"

#include <cuda_runtime.h>

#include <algorithm>
#include <climits>
#include <cmath>
#include <stdexcept>
#include <utility>

#include "cuda/common/check.h"
#include "cuda/common/device_query.h"
#include "cuda/common/dispatch.h"
#include "cuda/fa_sm90/kernel_traits_sm90.h"
#include "cuda/fa_sm90/params_sm90.h"
#include "cuda/fa_sm90/tensor_map_sm90.h"

namespace dattn::cuda {
namespace {

using flash_sm90::KernelTraitsSm90;

bool refuse(std::string* reason, const std::string& why) {
  if (reason != nullptr) *reason = "fa_sm90: " + why;
  return false;
}

// The device half of the answer (compute capability 9.0, an sm_90a image in this build,
// enough shared memory for this head_dim's tiles): asked on every call, computed once.
std::string device_reason(int device, int64_t head_dim) {
  static DeviceAnswers<std::pair<int, int64_t>> answers;
  return answers.get({device, head_dim}, [&] {
    // D = 128: the larger need of its two tile widths.
    const int smem = head_dim == 128 ? std::max(KernelTraitsSm90<128, __nv_bfloat16, true>::kSmemBytes,
                                                KernelTraitsSm90<128, __nv_bfloat16, false>::kSmemBytes)
                                     : KernelTraitsSm90<64, __nv_bfloat16>::kSmemBytes;
    return sm90_kernel_reason(device, smem, flash_sm90::fa_sm90_probe_kernel());
  });
}

// Everything fa_sm90 needs to launch, or the reason it cannot.
struct Prepared {
  flash_sm90::TensorMaps maps{};
  flash_sm90::ParamsSm90 params{};
  flash_sm90::GridSize grid{};
  bool wide_kv = false;  // 176-key tiles (tile_size_sm90.h)
};

std::string problem_reason(const dattn_problem& p, Prepared* out) {
  if (p.dtype != static_cast<int32_t>(DType::f16) && p.dtype != static_cast<int32_t>(DType::bf16)) {
    return "supports f16 and bf16 only";
  }
  if (p.head_dim != 64 && p.head_dim != 128) {
    return "unsupported head_dim: " + std::to_string(p.head_dim) + " (supported: 64, 128)";
  }
  if (p.heads_kv <= 0 || p.heads_q % p.heads_kv != 0) return "heads_q must be a positive multiple of heads_kv";
  if (p.seq_kv < 1) return "needs seq_kv >= 1";
  if (p.seq_q > INT_MAX / 2 || p.seq_kv > INT_MAX / 2) return "seq_q and seq_kv must be below 2^30";
  if (p.heads_q > 65535 || p.batch > 65535) return "heads_q and batch must each be at most 65535";
  // Work items (64 or more query rows of one head) are counted in int, a CTA stepping past the
  // last by up to one grid.
  if ((p.seq_q + 63) / 64 * p.heads_q * p.batch > INT_MAX / 2) return "seq_q / 64 * heads_q * batch must be below 2^30";
  // The running max is kept unscaled, which orders scores correctly only for a positive scale.
  if (!(p.sm_scale > 0.0f) || !std::isfinite(p.sm_scale)) return "needs a finite sm_scale > 0";
  // out is written by TMA (epilogue_sm90.h, stores_o_by_tma) or by 4-byte stores: TMA's rules.
  const std::pair<const dattn_view*, const char*> views[] = {{&p.q, "q"}, {&p.k, "k"}, {&p.v, "v"}, {&p.out, "out"}};
  for (const auto& [view, name] : views) {
    if (std::string why = flash_sm90::tma_view_reason(*view); !why.empty()) return std::string(name) + ": " + why;
  }
  flash_sm90::ParamsSm90& fp = out->params;
  fp.out = p.out.data;
  fp.lse = p.lse;
  fp.out_stride_b = p.out.stride_b, fp.out_stride_h = p.out.stride_h, fp.out_stride_s = p.out.stride_s;
  fp.lse_stride_b = p.lse_stride_b, fp.lse_stride_h = p.lse_stride_h;
  fp.group = static_cast<int32_t>(p.heads_q / p.heads_kv);
  fp.seq_q = static_cast<int32_t>(p.seq_q);
  fp.seq_kv = static_cast<int32_t>(p.seq_kv);
  fp.scale_log2 = p.sm_scale * 1.4426950408889634f;
  fp.causal = p.causal != 0;
  out->grid = {static_cast<int>(p.seq_q), static_cast<int>(p.heads_q), static_cast<int>(p.batch)};
  out->wide_kv = flash_sm90::wide_kv_tiles(p.head_dim, p.seq_kv, p.causal != 0);
  return {};
}

// The TMA descriptors (out's where the kernel stores by TMA); a view the driver refuses is a
// reason too.
std::string encode_maps(const dattn_problem& p, bool wide_kv, flash_sm90::TensorMaps* maps) {
  // TMA box rows: Q tiles are block_m rows, K and V tiles block_n.
  const flash_sm90::TileSizeSm90 tile = flash_sm90::tile_size_sm90(static_cast<int>(p.head_dim), wide_kv);
  const struct {
    const dattn_view& view;
    CUtensorMap* map;
    int64_t heads, seq;
    int rows;
    const char* name;
  } operands[] = {{p.q, &maps->q, p.heads_q, p.seq_q, tile.block_m, "q"},
                  {p.k, &maps->k, p.heads_kv, p.seq_kv, tile.block_n, "k"},
                  {p.v, &maps->v, p.heads_kv, p.seq_kv, tile.block_n, "v"}};
  for (const auto& op : operands) {
    const std::string why = flash_sm90::encode_tensor_map(op.map, op.view, p.dtype, p.batch, op.heads, op.seq,
                                                       p.head_dim, op.rows);
    if (!why.empty()) return std::string(op.name) + ": " + why;
  }
  if (flash_sm90::stores_o_by_tma(static_cast<int>(p.head_dim))) {  // one consumer's 64 rows a box
    const std::string why =
        flash_sm90::encode_tensor_map(&maps->o, p.out, p.dtype, p.batch, p.heads_q, p.seq_q, p.head_dim, 64);
    if (!why.empty()) return "out: " + why;
  }
  return {};
}

// Checks p, then the device (a cached answer), and only then builds the tensor maps: on a
// device without sm_90a the dispatcher's call costs no driver work.
bool prepare(const dattn_problem& p, Prepared* prep, std::string* reason) {
  if (std::string why = problem_reason(p, prep); !why.empty()) return refuse(reason, why);
  if (std::string why = device_reason(p.device_index, p.head_dim); !why.empty()) return refuse(reason, why);
  if (std::string why = encode_maps(p, prep->wide_kv, &prep->maps); !why.empty()) return refuse(reason, why);
  return true;
}

}  // namespace

bool fa_sm90_supports(const dattn_problem& p, std::string* reason) {
  Prepared prepared;
  return prepare(p, &prepared, reason);
}

bool fa_sm90_try(const dattn_problem& p, std::string* reason) {
  Prepared prep;
  if (!prepare(p, &prep, reason)) return false;
  if (p.batch * p.heads_q * p.seq_q == 0) return true;
  auto stream = static_cast<cudaStream_t>(p.stream);
  DATTN_DISPATCH_VALUES(p.head_dim, "head_dim", D, (64, 128), {
    DATTN_DISPATCH_HALF_DTYPE(p.dtype, T, {
      if (prep.wide_kv) {  // D = 128 only (wide_kv_tiles)
        flash_sm90::run_fa_sm90<128, T, true>(prep.maps, prep.params, prep.grid, stream);
      } else {
        flash_sm90::run_fa_sm90<D, T, false>(prep.maps, prep.params, prep.grid, stream);
      }
    });
  });
  return true;
}

void fa_sm90(const dattn_problem& p) {
  if (p.batch * p.heads_q * p.seq_q == 0) return;
  if (std::string why; !fa_sm90_try(p, &why)) throw std::invalid_argument(why);
}

}  // namespace dattn::cuda
