# sage_attn's quantization passes (K mean / V amax statistics, INT8 Q and K, FP8 or f16 V).
target_sources(dattn_cuda_kernels PRIVATE ${CMAKE_CURRENT_LIST_DIR}/quant.cu)
