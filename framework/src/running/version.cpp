// SPDX-License-Identifier: MIT
#include "ply/version.hpp"

namespace ply {

const char* version() {
  return version_string;  // as compiled into the framework library
}

} // namespace ply
