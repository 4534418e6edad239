# fa for sm_90a (TMA + wgmma). Included by src/cuda/CMakeLists.txt; the kernels compile to
# empty bodies for other architectures, and fa_sm90_supports refuses any device but 9.0.
target_sources(dattn_cuda_kernels PRIVATE
  ${CMAKE_CURRENT_LIST_DIR}/fa_sm90.cu
  ${CMAKE_CURRENT_LIST_DIR}/tensor_map_sm90.cu
  ${CMAKE_CURRENT_LIST_DIR}/instantiations/fa_sm90_hdim64_bf16.cu
  ${CMAKE_CURRENT_LIST_DIR}/instantiations/fa_sm90_hdim64_f16.cu
  ${CMAKE_CURRENT_LIST_DIR}/instantiations/fa_sm90_hdim128_bf16.cu
  ${CMAKE_CURRENT_LIST_DIR}/instantiations/fa_sm90_hdim128_f16.cu
  ${CMAKE_CURRENT_LIST_DIR}/instantiations/fa_sm90_hdim128_wide_bf16.cu
  ${CMAKE_CURRENT_LIST_DIR}/instantiations/fa_sm90_hdim128_wide_f16.cu)
