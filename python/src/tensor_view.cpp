#include "tensor_view.h"

#include <string>

namespace nb = nanobind;

namespace dattn::python {
namespace {

[[noreturn]] void invalid(const ArrayInfo& array, const std::string& what) {
  throw Error(ErrorCode::invalid_argument, std::string(array.name) + ": " + what);
}

std::string describe(nb::dlpack::dtype t) {
  return "DLPack type code " + std::to_string(t.code) + " with " + std::to_string(t.bits) +
         " bits x " + std::to_string(t.lanes) + " lanes";
}

DType dtype_of(const ArrayInfo& array, bool bf16_bits) {
  const nb::dlpack::dtype t = array.dtype;
  const auto code = static_cast<nb::dlpack::dtype_code>(t.code);
  if (t.lanes == 1 && t.bits == 16 && bf16_bits && code == nb::dlpack::dtype_code::UInt) {
    return DType::bf16;
  }
  if (t.lanes == 1 && !bf16_bits) {
    if (code == nb::dlpack::dtype_code::Float && t.bits == 32) return DType::f32;
    if (code == nb::dlpack::dtype_code::Float && t.bits == 16) return DType::f16;
    if (code == nb::dlpack::dtype_code::Bfloat && t.bits == 16) return DType::bf16;
  }
  invalid(array, "expected float32, float16 or bfloat16 elements, got " + describe(t));
}

DeviceType device_of(const ArrayInfo& array) {
  switch (array.device_type) {
    case nb::device::cpu::value: return DeviceType::cpu;
    case nb::device::cuda::value: return DeviceType::cuda;
    default:
      invalid(array, "expected a CPU or CUDA tensor, got DLPack device type " +
                         std::to_string(array.device_type));
  }
}

}  // namespace

Tensor attention_operand(const ArrayInfo& array, bool bf16_bits) {
  if (array.ndim != 4) {
    invalid(array, "expected a 4-D tensor ([B, H, S, D] for layout HND, [B, S, H, D] for NHD), got " +
                       std::to_string(array.ndim) + "-D");
  }
  Tensor t;
  t.data = array.data;
  t.dtype = dtype_of(array, bf16_bits);
  t.device = device_of(array);
  t.device_index = array.device_id;
  for (size_t i = 0; i < 4; ++i) {
    t.shape[i] = array.shape[i];
    t.strides[i] = array.strides[i];
  }
  return t;
}

Tensor lse_operand(const ArrayInfo& array) {
  if (array.ndim != 3) {
    invalid(array, "expected a 3-D float32 tensor [B, Hq, Sq], got " + std::to_string(array.ndim) + "-D");
  }
  Tensor t;
  t.data = array.data;
  t.dtype = dtype_of(array, false);
  if (t.dtype != DType::f32) invalid(array, "expected float32 elements");
  t.device = device_of(array);
  t.device_index = array.device_id;
  for (size_t i = 0; i < 3; ++i) {
    t.shape[i] = array.shape[i];
    t.strides[i] = array.strides[i];
  }
  t.shape[3] = 1;
  t.strides[3] = 1;
  return t;
}

}  // namespace dattn::python
