# Installs what a ply user needs (include(GNUInstallDirs) first): the framework library and its
# public headers, the CMake package (find_package(ply) -> ply::framework), ply.pc for pkg-config,
# and, when built, plyd and ply-trace.
include(CMakePackageConfigHelpers)

install(TARGETS ply_framework ply_framework_headers EXPORT ply_targets
        ARCHIVE DESTINATION ${CMAKE_INSTALL_LIBDIR}
        LIBRARY DESTINATION ${CMAKE_INSTALL_LIBDIR}
        INCLUDES DESTINATION ${CMAKE_INSTALL_INCLUDEDIR})
install(DIRECTORY ${PROJECT_SOURCE_DIR}/framework/include/ply DESTINATION ${CMAKE_INSTALL_INCLUDEDIR}
        FILES_MATCHING PATTERN "*.hpp")
install(FILES ${PLY_GENERATED_INCLUDE_DIR}/ply/version.hpp
        DESTINATION ${CMAKE_INSTALL_INCLUDEDIR}/ply)

set(PLY_CMAKE_DIR ${CMAKE_INSTALL_LIBDIR}/cmake/ply)
install(EXPORT ply_targets NAMESPACE ply:: FILE plyTargets.cmake DESTINATION ${PLY_CMAKE_DIR})
configure_package_config_file(${PROJECT_SOURCE_DIR}/cmake/plyConfig.cmake.in
                              ${PROJECT_BINARY_DIR}/plyConfig.cmake
                              INSTALL_DESTINATION ${PLY_CMAKE_DIR})
# 0.x: a minor version may break the API, so only the same minor version matches.
write_basic_package_version_file(${PROJECT_BINARY_DIR}/plyConfigVersion.cmake
                                 COMPATIBILITY SameMinorVersion)
install(FILES ${PROJECT_BINARY_DIR}/plyConfig.cmake ${PROJECT_BINARY_DIR}/plyConfigVersion.cmake
              ${PROJECT_SOURCE_DIR}/cmake/FindCAF.cmake
        DESTINATION ${PLY_CMAKE_DIR})

# pkg-config: every flag a compile and a link need (CAF ships no .pc file in Debian).
file(RELATIVE_PATH PLY_PC_UP ${CMAKE_INSTALL_PREFIX}/${CMAKE_INSTALL_LIBDIR}/pkgconfig
     ${CMAKE_INSTALL_PREFIX})
configure_file(${PROJECT_SOURCE_DIR}/cmake/ply.pc.in ${PROJECT_BINARY_DIR}/ply.pc @ONLY)
install(FILES ${PROJECT_BINARY_DIR}/ply.pc DESTINATION ${CMAKE_INSTALL_LIBDIR}/pkgconfig)

foreach(tool plyd ply-trace)
  if(TARGET ${tool})
    install(TARGETS ${tool} RUNTIME DESTINATION ${CMAKE_INSTALL_BINDIR})
  endif()
endforeach()
