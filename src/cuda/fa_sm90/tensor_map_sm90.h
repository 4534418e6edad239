// Host side of TMA: builds the CUtensorMap of one operand. The driver's
// cuTensorMapEncodeTiled is reached through cudaGetDriverEntryPointByVersion, so the module
// keeps needing only the runtime (statically linked) and never links libcuda itself.
#pragma once

#include <cuda.h>

#include <cstdint>
#include <string>

#include "core/problem.h"

namespace dattn::cuda::flash_sm90 {

// Any 4-D tiled map: dims innermost first, strides in bytes of dims 1..3, a box of
// box[0] x box[1] x 1 x 1 elements, swizzled, zero-filled out of bounds.
struct TensorMapSpec {
  CUtensorMapDataType type;
  const void* base;
  uint64_t dims[4];
  uint64_t strides[3];
  uint32_t box[2];
  CUtensorMapSwizzle swizzle;
};
std::string encode_tensor_map(CUtensorMap* map, const TensorMapSpec& spec);

// Empty when TMA can address `view` of a 16-bit dtype: a 16-byte aligned base and strides
// that are positive multiples of 16 bytes below 2^40 bytes; otherwise what is wrong.
std::string tma_view_reason(const dattn_view& view);

// A 4-D map over the [batch, heads, seq, head_dim] view (strides from the view), boxes of
// 64 x box_rows x 1 x 1 elements, 128-byte swizzled; loads fill out-of-bounds elements with
// zeros, stores skip them. The caller
// has checked what TMA requires (16-byte aligned base, strides positive multiples of 16
// bytes below 2^40). Returns an empty string on success, else the driver's refusal.
std::string encode_tensor_map(CUtensorMap* map, const dattn_view& view, int32_t dtype, int64_t batch,
                              int64_t heads, int64_t seq, int64_t head_dim, int box_rows);

}  // namespace dattn::cuda::flash_sm90
