# SPDX-License-Identifier: MIT
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

# Manual pages, made from --help and --version by help2man when it is there (tools/ply package
# installs it): build/man/plyd.1 and ply-trace.1 (`man ./build/man/plyd.1`), installed gzipped.
find_program(HELP2MAN help2man)
if(HELP2MAN AND TARGET plyd AND TARGET ply-trace)
  set(PLY_MAN_DIR ${PROJECT_BINARY_DIR}/man)
  set(PLY_MAN_PAGES)
  foreach(tool plyd ply-trace)
    if(tool STREQUAL plyd)
      set(summary "run ply services as a daemon (twistd for ply)")
    else()
      set(summary "read the traces ply programs record")
    endif()
    add_custom_command(OUTPUT ${PLY_MAN_DIR}/${tool}.1 ${PLY_MAN_DIR}/${tool}.1.gz
      COMMAND ${CMAKE_COMMAND} -E make_directory ${PLY_MAN_DIR}
      COMMAND ${HELP2MAN} --no-info --section 1 --name ${summary}
              --output ${PLY_MAN_DIR}/${tool}.1 $<TARGET_FILE:${tool}>
      COMMAND gzip -9nkf ${PLY_MAN_DIR}/${tool}.1
      DEPENDS ${tool}
      COMMENT "Manual page ${tool}.1"
      VERBATIM)
    list(APPEND PLY_MAN_PAGES ${PLY_MAN_DIR}/${tool}.1.gz)
  endforeach()
  add_custom_target(ply_man ALL DEPENDS ${PLY_MAN_PAGES})
  install(FILES ${PLY_MAN_PAGES} DESTINATION ${CMAKE_INSTALL_MANDIR}/man1)
endif()

# Documentation: the licence, the history, the unit files and the examples.
install(FILES ${PROJECT_SOURCE_DIR}/LICENSE ${PROJECT_SOURCE_DIR}/CHANGELOG.md
              ${PROJECT_SOURCE_DIR}/README.md
        DESTINATION ${CMAKE_INSTALL_DOCDIR})
install(DIRECTORY ${PROJECT_SOURCE_DIR}/packaging/systemd DESTINATION ${CMAKE_INSTALL_DOCDIR})
install(DIRECTORY ${PROJECT_SOURCE_DIR}/examples/ DESTINATION ${CMAKE_INSTALL_DOCDIR}/examples
        FILES_MATCHING PATTERN "*.cpp" PATTERN "*.hpp" PATTERN "*.ini" PATTERN "*.md")
