#include "cuda/fa_sm90/tensor_map_sm90.h"

#include <cuda_runtime.h>
#include <cudaTypedefs.h>

#include <mutex>

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

std::string encode_tensor_map(CUtensorMap* map, const dattn_view& view, int32_t dtype, int64_t batch,
                              int64_t heads, int64_t seq, int64_t head_dim, int box_rows) {
  std::string why;
  const auto encode = encode_fn(&why);
  if (encode == nullptr) return why;
  constexpr int64_t kElem = 2;
  const cuuint64_t dims[4] = {cuuint64_t(head_dim), cuuint64_t(seq), cuuint64_t(heads), cuuint64_t(batch)};
  const cuuint64_t strides[3] = {cuuint64_t(view.stride_s * kElem), cuuint64_t(view.stride_h * kElem),
                                 cuuint64_t(view.stride_b * kElem)};
  const cuuint32_t box[4] = {64, cuuint32_t(box_rows), 1, 1};
  const cuuint32_t unit[4] = {1, 1, 1, 1};
  const CUtensorMapDataType type = dtype == static_cast<int32_t>(DType::bf16) ? CU_TENSOR_MAP_DATA_TYPE_BFLOAT16
                                                                              : CU_TENSOR_MAP_DATA_TYPE_FLOAT16;
  const CUresult r = encode(map, type, 4, view.data, dims, strides, box, unit, CU_TENSOR_MAP_INTERLEAVE_NONE,
                            CU_TENSOR_MAP_SWIZZLE_128B, CU_TENSOR_MAP_L2_PROMOTION_L2_256B,
                            CU_TENSOR_MAP_FLOAT_OOB_FILL_NONE);
  if (r != CUDA_SUCCESS) return "cuTensorMapEncodeTiled rejected the view (CUresult " + std::to_string(int(r)) + ")";
  return {};
}

}  // namespace dattn::cuda::flash_sm90
