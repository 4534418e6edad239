# Sources of src/musa, added to the core library.
target_sources(dattn_obj PRIVATE ${CMAKE_CURRENT_LIST_DIR}/musa_probe.cpp)
