# sage_attn's Hopper kernel (sm_90a). Included by src/cuda/CMakeLists.txt beside sage/; the
# kernels compile to empty bodies for other architectures and sage_sm90_supported refuses
# every device but 9.0.
target_sources(dattn_cuda_kernels PRIVATE
  ${CMAKE_CURRENT_LIST_DIR}/sage_sm90.cu
  ${CMAKE_CURRENT_LIST_DIR}/launch_sm90_fp8.cu
  ${CMAKE_CURRENT_LIST_DIR}/launch_sm90_f16.cu)
