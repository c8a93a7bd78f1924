# SPDX-License-Identifier: MIT
# The Debian package (tools/ply package): the framework's headers and library, the CMake package
# and ply.pc, plyd and ply-trace with their man pages, systemd unit files and the examples as
# documentation. CPack builds it from the install rules (cmake/install.cmake).
set(CPACK_GENERATOR DEB)
set(CPACK_PACKAGE_NAME ply)
set(CPACK_PACKAGE_VERSION ${PROJECT_VERSION})
set(CPACK_PACKAGE_DESCRIPTION_SUMMARY "Twisted's way of writing network software, on CAF actors")
set(CPACK_PACKAGE_DESCRIPTION
    "ply brings Twisted's reactor, transports, protocols, factories, Deferreds and twistd to the\n actor model (C++20, CAF). The package holds the framework for building programs\n (find_package(ply), pkg-config ply), plyd and ply-trace.")
set(CPACK_PACKAGE_CONTACT "ply developers <ply@localhost>")
set(CPACK_PACKAGING_INSTALL_PREFIX /usr)
set(CPACK_DEBIAN_FILE_NAME DEB-DEFAULT)
set(CPACK_DEBIAN_PACKAGE_SECTION net)
# What plyd and ply-trace need to run (dpkg-shlibdeps reads them off the binaries), and what a
# program built against the headers needs to compile.
set(CPACK_DEBIAN_PACKAGE_SHLIBDEPS ON)
set(CPACK_DEBIAN_PACKAGE_DEPENDS
    "libcaf-dev (>= 0.17), libboost-dev (>= 1.74), libssl-dev, libspdlog-dev, nlohmann-json3-dev, libcli11-dev")
set(CPACK_STRIP_FILES ON)
include(CPack)
