// SPDX-License-Identifier: MIT
// Finger queries (RFC 1288): pure code (fuzzed in tests/fuzz).
#include "finger/finger.hpp"

#include "text.hpp"

namespace ply::actors::finger {

query parse_query(std::string_view line) {
  query q;
  auto text = trim_blanks(line);
  if (text.substr(0, 2) == "/W" || text.substr(0, 2) == "/w") {
    q.verbose = true;
    text = trim_blanks(text.substr(2));
  }
  if (has_control_chars(text) || text.find(' ') != std::string_view::npos) {
    q.valid = false;
    return q;
  }
  q.forward = text.find('@') != std::string_view::npos;
  q.user = std::string{text};
  return q;
}

} // namespace ply::actors::finger
