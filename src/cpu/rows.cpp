#include "cpu/rows.h"

#include "cpu/convert.h"
#include "cpu/simd.h"

namespace dattn::cpu {
namespace {

DATTN_CPU_CLONES void widen_f16(const uint16_t* src, int64_t n, float scale, float* dst) {
#pragma omp simd
  for (int64_t i = 0; i < n; ++i) dst[i] = scale * half_to_float(src[i]);
}

DATTN_CPU_CLONES void widen_bf16(const uint16_t* src, int64_t n, float scale, float* dst) {
#pragma omp simd
  for (int64_t i = 0; i < n; ++i) dst[i] = scale * bf16_to_float(src[i]);
}

DATTN_CPU_CLONES void widen_f32(const float* src, int64_t n, float scale, float* dst) {
#pragma omp simd
  for (int64_t i = 0; i < n; ++i) dst[i] = scale * src[i];
}

DATTN_CPU_CLONES void narrow_f16(const float* src, int64_t n, uint16_t* dst) {
#pragma omp simd
  for (int64_t i = 0; i < n; ++i) dst[i] = float_to_half(src[i]);
}

DATTN_CPU_CLONES void narrow_bf16(const float* src, int64_t n, uint16_t* dst) {
#pragma omp simd
  for (int64_t i = 0; i < n; ++i) dst[i] = float_to_bf16(src[i]);
}

}  // namespace

void load_rows(const dattn_view& v, DType dtype, int64_t b, int64_t h, int64_t s0, int64_t rows,
               int64_t n, float scale, float* dst) {
  for (int64_t r = 0; r < rows; ++r) {
    const int64_t off = row_offset(v, b, h, s0 + r);
    float* d = dst + r * n;
    switch (dtype) {
      case DType::f32: widen_f32(static_cast<const float*>(v.data) + off, n, scale, d); break;
      case DType::f16: widen_f16(static_cast<const uint16_t*>(v.data) + off, n, scale, d); break;
      case DType::bf16: widen_bf16(static_cast<const uint16_t*>(v.data) + off, n, scale, d); break;
    }
  }
}

void store_rows(const float* src, int64_t rows, int64_t n, DType dtype, const dattn_view& v,
                int64_t b, int64_t h, int64_t s0) {
  for (int64_t r = 0; r < rows; ++r) {
    const int64_t off = row_offset(v, b, h, s0 + r);
    const float* s = src + r * n;
    switch (dtype) {
      case DType::f32: {
        float* d = static_cast<float*>(v.data) + off;
        for (int64_t i = 0; i < n; ++i) d[i] = s[i];
        break;
      }
      case DType::f16: narrow_f16(s, n, static_cast<uint16_t*>(v.data) + off); break;
      case DType::bf16: narrow_bf16(s, n, static_cast<uint16_t*>(v.data) + off); break;
    }
  }
}

}  // namespace dattn::cpu
