# fa_sm90's GPU tests (compiled as C++: they hold no device code) and its timing tool.
target_sources(dattn_gpu_tests PRIVATE ${CMAKE_CURRENT_LIST_DIR}/test_fa_sm90.cu)
set_source_files_properties(${CMAKE_CURRENT_LIST_DIR}/test_fa_sm90.cu PROPERTIES LANGUAGE CXX)

if(NOT DATTN_BUILD_GPU_TIMING)
  return()
endif()
# dattn_fa_sm90_bench: times fa_sm90 (and the mma.sync fa beside it) on the issue-5 shapes.
# Not a test. CUDA is enabled in src/cuda's scope only; compile for the kernels' archs.
get_target_property(dattn_fa_sm90_archs dattn_cuda_kernels CUDA_ARCHITECTURES)
set(CMAKE_CUDA_ARCHITECTURES ${dattn_fa_sm90_archs})
enable_language(CUDA)
add_executable(dattn_fa_sm90_bench ${PROJECT_SOURCE_DIR}/bench/gpu/fa_sm90_bench.cu)
set_target_properties(dattn_fa_sm90_bench PROPERTIES CUDA_STANDARD 17 CUDA_ARCHITECTURES "${dattn_fa_sm90_archs}")
target_link_libraries(dattn_fa_sm90_bench PRIVATE dattn_cuda_kernels)
# dattn_sm_stream: the DRAM rate k SMs draw with loads or bulk copies (bench/gpu/sm_stream.cu).
add_executable(dattn_sm_stream ${PROJECT_SOURCE_DIR}/bench/gpu/sm_stream.cu)
set_target_properties(dattn_sm_stream PROPERTIES CUDA_STANDARD 17 CUDA_ARCHITECTURES "${dattn_fa_sm90_archs}")
target_link_libraries(dattn_sm_stream PRIVATE dattn_cuda_kernels)
