# Sources of src/check (fp64 reference and error metrics), added to the core library.
target_sources(dattn_obj PRIVATE
  ${CMAKE_CURRENT_LIST_DIR}/metrics.cpp
  ${CMAKE_CURRENT_LIST_DIR}/reference.cpp)
