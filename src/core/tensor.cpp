#include <string>

#include "dattn/types.h"

namespace dattn {

Tensor contiguous_tensor(void* data, DType dtype, std::array<int64_t, 4> shape, DeviceType device,
                         int device_index) {
  Tensor t;
  t.data = data;
  t.dtype = dtype;
  t.device = device;
  t.device_index = device_index;
  t.shape = shape;
  int64_t stride = 1;
  for (int d = 3; d >= 0; --d) {
    t.strides[d] = stride;
    // Only the product past dim 0 must fit (the outermost stride is taken before it); a shape
    // that validation would refuse anyway must not overflow here first.
    if (d > 0 && __builtin_mul_overflow(stride, shape[d], &stride))
      throw Error(ErrorCode::invalid_argument,
                  "contiguous_tensor: shape " + std::to_string(shape[0]) + "x" + std::to_string(shape[1]) + "x" +
                      std::to_string(shape[2]) + "x" + std::to_string(shape[3]) +
                      " has strides past 64-bit integers");
  }
  return t;
}

}  // namespace dattn
