# sage_attn's GPU tests: the CUDA quantization against the CPU one, and the kernel end to
# end against the fp64 reference and the CPU sage_attn.
target_sources(dattn_gpu_tests PRIVATE
  ${CMAKE_CURRENT_LIST_DIR}/test_sage_util.cpp
  ${CMAKE_CURRENT_LIST_DIR}/test_quant.cpp
  ${CMAKE_CURRENT_LIST_DIR}/test_sage.cpp)
target_link_libraries(dattn_gpu_tests PRIVATE dattn_test_support)

# Timing of sage_attn on DESIGN.md workloads (not a test), beside fa's dattn_gpu_timing.
if(DATTN_BUILD_GPU_TIMING)
  add_executable(dattn_sage_timing ${PROJECT_SOURCE_DIR}/bench/gpu/sage_timing.cpp)
  target_link_libraries(dattn_sage_timing PRIVATE dattn_cuda_kernels)
endif()
