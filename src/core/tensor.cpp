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
    stride *= shape[d];
  }
  return t;
}

}  // namespace dattn
