# Sources of src/cpu, added to the core library.
target_sources(dattn_obj PRIVATE
  ${CMAKE_CURRENT_LIST_DIR}/blas.cpp
  ${CMAKE_CURRENT_LIST_DIR}/capability.cpp
  ${CMAKE_CURRENT_LIST_DIR}/fa.cpp
  ${CMAKE_CURRENT_LIST_DIR}/quant.cpp
  ${CMAKE_CURRENT_LIST_DIR}/rows.cpp
  ${CMAKE_CURRENT_LIST_DIR}/sage_attn.cpp
  ${CMAKE_CURRENT_LIST_DIR}/sage_qk.cpp
  ${CMAKE_CURRENT_LIST_DIR}/sdpa.cpp)
