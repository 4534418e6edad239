// Moving rows of head_dim elements between a strided operand (any dtype) and fp32 scratch.
// The kernels convert one tile at a time through these, never a whole tensor.
#pragma once

#include <cstdint>

#include "core/problem.h"
#include "dattn/types.h"

namespace dattn::cpu {

// Element offset of token `s` of head `h` in batch `b`.
inline int64_t row_offset(const dattn_view& v, int64_t b, int64_t h, int64_t s) {
  return b * v.stride_b + h * v.stride_h + s * v.stride_s;
}

// dst[r * n + i] = scale * src[row r, element i] for `rows` consecutive tokens from `s0`.
void load_rows(const dattn_view& v, DType dtype, int64_t b, int64_t h, int64_t s0, int64_t rows,
               int64_t n, float scale, float* dst);
// The inverse for the output: rounds to the view's dtype (nearest even).
void store_rows(const float* src, int64_t rows, int64_t n, DType dtype, const dattn_view& v,
                int64_t b, int64_t h, int64_t s0);

}  // namespace dattn::cpu
