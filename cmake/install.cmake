# Installs headers, libdattn, the GPU module if built, the CLI, and a CMake package so that
#   find_package(dattn) + target_link_libraries(app dattn::dattn) works.
include(CMakePackageConfigHelpers)
install(DIRECTORY include/dattn DESTINATION ${CMAKE_INSTALL_INCLUDEDIR})
install(TARGETS dattn_shared EXPORT dattnTargets
        LIBRARY DESTINATION ${CMAKE_INSTALL_LIBDIR}
        INCLUDES DESTINATION ${CMAKE_INSTALL_INCLUDEDIR})
install(EXPORT dattnTargets NAMESPACE dattn:: DESTINATION ${CMAKE_INSTALL_LIBDIR}/cmake/dattn)
configure_package_config_file(cmake/dattnConfig.cmake.in ${CMAKE_BINARY_DIR}/dattnConfig.cmake
                              INSTALL_DESTINATION ${CMAKE_INSTALL_LIBDIR}/cmake/dattn)
write_basic_package_version_file(${CMAKE_BINARY_DIR}/dattnConfigVersion.cmake
                                 COMPATIBILITY SameMinorVersion)
install(FILES ${CMAKE_BINARY_DIR}/dattnConfig.cmake ${CMAKE_BINARY_DIR}/dattnConfigVersion.cmake
        DESTINATION ${CMAKE_INSTALL_LIBDIR}/cmake/dattn)
