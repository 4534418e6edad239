#include "cuda/fa_sm90/tensor_map_sm90.h"

#include <cuda_runtime.h>
#include <cudaTypedefs.h>

#include <cstdint>
#include <mutex>
#include <string>

#include "dattn/types.h"

namespace dattn::cuda::flash_sm90 {
namespace {

PFN_cuTensorMapEncodeTiled_v12000 encode_fn(std::string* why) {
  static PFN_cuTensorMapEncodeTiled_v12000 fn = nullptr;
  static std::string error;
  static std::once_flag once;
  std::call_once(once, [] {
    void* ptr = nullptr;
    cudaDriverEntryPointQueryResult found{};
    const cudaError_t err =
        cudaGetDriverEntryPointByVersion("cuTensorMapEncodeTiled", &ptr, 12000, cudaEnableDefault, &found);
    if (err != cudaSuccess || found != cudaDriverEntryPointSuccess || ptr == nullptr) {
      cudaGetLastError();
      error = std::string("the CUDA driver has no cuTensorMapEncodeTiled (needs a CUDA 12+ driver): ") +
              cudaGetErrorString(err);
      return;
    }
    fn = reinterpret_cast<PFN_cuTensorMapEncodeTiled_v12000>(ptr);
  });
  if (fn == nullptr) *why = error;
  return fn;
}

}  // namespace

std::string tma_view_reason(const dattn_view& v) {
  if (reinterpret_cast<uintptr_t>(v.data) % 16 != 0) return "data pointer not 16-byte aligned";
  for (int64_t s : {v.stride_b, v.stride_h, v.stride_s}) {
    if (s <= 0 || s % 8 != 0 || s >= (int64_t(1) << 39)) {
      return "strides must be positive multiples of 8 elements (16 bytes) below 2^39, got " + std::to_string(s);
    }
  }
  return {};
}

std::string encode_tensor_map(CUtensorMap* map, const TensorMapSpec& spec) {
  std::string why;
  const auto encode = encode_fn(&why);
  if (encode == nullptr) return why;
  const cuuint64_t dims[4] = {spec.dims[0], spec.dims[1], spec.dims[2], spec.dims[3]};
  const cuuint64_t strides[3] = {spec.strides[0], spec.strides[1], spec.strides[2]};
  const cuuint32_t box[4] = {spec.box[0], spec.box[1], 1, 1};
  const cuuint32_t unit[4] = {1, 1, 1, 1};
  const CUresult r = encode(map, spec.type, 4, const_cast<void*>(spec.base), dims, strides, box, unit,
                            CU_TENSOR_MAP_INTERLEAVE_NONE, spec.swizzle, CU_TENSOR_MAP_L2_PROMOTION_L2_256B,
                            CU_TENSOR_MAP_FLOAT_OOB_FILL_NONE);
  if (r != CUDA_SUCCESS) return "cuTensorMapEncodeTiled rejected the view (CUresult " + std::to_string(int(r)) + ")";
  return {};
}

std::string encode_tensor_map(CUtensorMap* map, const dattn_view& view, int32_t dtype, int64_t batch,
                              int64_t heads, int64_t seq, int64_t head_dim, int box_rows) {
  constexpr int64_t kElem = 2;
  TensorMapSpec spec{};
  spec.type = dtype == static_cast<int32_t>(DType::bf16) ? CU_TENSOR_MAP_DATA_TYPE_BFLOAT16
                                                         : CU_TENSOR_MAP_DATA_TYPE_FLOAT16;
  spec.base = view.data;
  spec.dims[0] = uint64_t(head_dim), spec.dims[1] = uint64_t(seq), spec.dims[2] = uint64_t(heads);
  spec.dims[3] = uint64_t(batch);
  spec.strides[0] = uint64_t(view.stride_s * kElem), spec.strides[1] = uint64_t(view.stride_h * kElem);
  spec.strides[2] = uint64_t(view.stride_b * kElem);
  spec.box[0] = 64, spec.box[1] = uint32_t(box_rows);
  spec.swizzle = CU_TENSOR_MAP_SWIZZLE_128B;
  return encode_tensor_map(map, spec);
}

}  // namespace dattn::cuda::flash_sm90
