# SPDX-License-Identifier: MIT
# Warning flags applied to ply's own targets through ply_warnings().
add_library(ply_warnings INTERFACE)
target_compile_options(ply_warnings INTERFACE -Wall -Wextra -Wno-unused-parameter)
