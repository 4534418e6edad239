# Sources of src/select, added to the core library.
target_sources(dattn_obj PRIVATE
  ${CMAKE_CURRENT_LIST_DIR}/registry.cpp
  ${CMAKE_CURRENT_LIST_DIR}/probe.cpp
  ${CMAKE_CURRENT_LIST_DIR}/cpu_probe.cpp
  ${CMAKE_CURRENT_LIST_DIR}/cuda_probe.cpp
  ${CMAKE_CURRENT_LIST_DIR}/fake_probe.cpp
  ${CMAKE_CURRENT_LIST_DIR}/gpu_capability.cpp
  ${CMAKE_CURRENT_LIST_DIR}/rules.cpp
  ${CMAKE_CURRENT_LIST_DIR}/sage_pv.cpp
  ${CMAKE_CURRENT_LIST_DIR}/selector.cpp
  ${CMAKE_CURRENT_LIST_DIR}/simulate.cpp
  ${CMAKE_CURRENT_LIST_DIR}/table.cpp)
