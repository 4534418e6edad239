# Sources of src/cpu, added to the core library.
target_sources(dattn_obj PRIVATE
  ${CMAKE_CURRENT_LIST_DIR}/bf16_dot.cpp
  ${CMAKE_CURRENT_LIST_DIR}/blas.cpp
  ${CMAKE_CURRENT_LIST_DIR}/capability.cpp
  ${CMAKE_CURRENT_LIST_DIR}/f32_dot.cpp
  ${CMAKE_CURRENT_LIST_DIR}/fa.cpp
  ${CMAKE_CURRENT_LIST_DIR}/quant.cpp
  ${CMAKE_CURRENT_LIST_DIR}/rows.cpp
  ${CMAKE_CURRENT_LIST_DIR}/sage_attn.cpp
  ${CMAKE_CURRENT_LIST_DIR}/sage_qk.cpp
  ${CMAKE_CURRENT_LIST_DIR}/sdpa.cpp)
# sage_attn on the CPU is the bit-level reference of the GPU kernel, and its results must not
# depend on which target clone runs (x86-64-v3/v4 have FMA, the default target has none): no
# contraction of a*b+c into one fma in these files, as in the contract's step-by-step formulas.
set_source_files_properties(
  ${CMAKE_CURRENT_LIST_DIR}/quant.cpp ${CMAKE_CURRENT_LIST_DIR}/sage_attn.cpp
  ${CMAKE_CURRENT_LIST_DIR}/sage_qk.cpp
  DIRECTORY ${PROJECT_SOURCE_DIR}/src
  PROPERTIES COMPILE_OPTIONS -ffp-contract=off)
