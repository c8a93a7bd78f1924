// SPDX-License-Identifier: MIT
// Finger queries (RFC 1288) as the finger actor reads them.
#include <string_view>

#include "finger/finger.hpp"

extern "C" int LLVMFuzzerTestOneInput(const uint8_t* data, size_t size) {
  auto q = ply::actors::finger::parse_query(
    std::string_view{reinterpret_cast<const char*>(data), size});
  // A valid query never names a user with a control character or a space.
  if (q.valid && q.user.find(' ') != std::string::npos)
    __builtin_trap();
  return 0;
}
