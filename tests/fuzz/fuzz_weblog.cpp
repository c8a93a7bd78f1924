// SPDX-License-Identifier: MIT
// Access log lines as the weblog actor reads them (Common Log Format), and the XML it sends.
#include <string_view>

#include "weblog/clf.hpp"

extern "C" int LLVMFuzzerTestOneInput(const uint8_t* data, size_t size) {
  auto h = ply::actors::weblog::parse_clf(
    std::string_view{reinterpret_cast<const char*>(data), size});
  if (!h)
    return 0;
  // The XML is one element on one line: no raw quote inside a value, no control character.
  auto xml = ply::actors::weblog::to_xml(*h);
  for (unsigned char c : xml)
    if (c < 0x20)
      __builtin_trap();
  return 0;
}
