# sage_attn's attention kernel (mma.sync, sm_80+) and its host side.
target_sources(dattn_cuda_kernels PRIVATE
  ${CMAKE_CURRENT_LIST_DIR}/sage_attn.cu
  ${CMAKE_CURRENT_LIST_DIR}/launch_fp8.cu
  ${CMAKE_CURRENT_LIST_DIR}/launch_f16.cu)
