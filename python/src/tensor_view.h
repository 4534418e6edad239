// Turns DLPack-imported nanobind ndarrays into dattn::Tensor views (zero copy).
#pragma once

#include <cstdint>

#include <nanobind/ndarray.h>

#include "dattn/types.h"

namespace dattn::python {

// The parts of a DLPack tensor that a view needs; `name` is the Python argument's name, used
// in error messages.
struct ArrayInfo {
  const char* name;
  void* data;
  nanobind::dlpack::dtype dtype;
  int device_type;
  int device_id;
  size_t ndim;
  const int64_t* shape;
  const int64_t* strides;
};

template <typename Array>
ArrayInfo info_of(const Array& array, const char* name) {
  return {name,          const_cast<void*>(static_cast<const void*>(array.data())),
          array.dtype(), array.device_type(),
          array.device_id(), array.ndim(),
          array.shape_ptr(), array.stride_ptr()};
}

// q, k, v or out. `bf16_bits`: the array holds 16-bit unsigned words that are really
// bfloat16 (NumPy has no bfloat16, so the Python layer passes ml_dtypes bfloat16 arrays as
// uint16 views). Throws dattn::Error(invalid_argument) naming the argument.
Tensor attention_operand(const ArrayInfo& array, bool bf16_bits);

// The LSE output, float32 [B, Hq, Sq], seen as the 4-D view {B, Hq, Sq, 1} that the public
// API takes.
Tensor lse_operand(const ArrayInfo& array);

}  // namespace dattn::python
