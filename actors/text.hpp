// SPDX-License-Identifier: MIT
#pragma once

#include <algorithm>
#include <string>
#include <string_view>

namespace ply::actors {

/// True when `line` holds a control character other than those in `allowed` (binary garbage,
/// terminal escapes): what the line protocols of chat and pub/sub refuse. IRC also allows CTCP's
/// \x01.
inline bool has_control_chars(std::string_view line, std::string_view allowed = "\t") {
  return std::any_of(line.begin(), line.end(), [allowed](unsigned char c) {
    return (c < 0x20 && allowed.find(static_cast<char>(c)) == std::string_view::npos) || c == 0x7f;
  });
}

/// `text` with each control character but tab replaced by '?': what a line protocol shows of
/// bytes that came from elsewhere (a RESP client on another node may publish "\r\n"), so they
/// cannot end a line early and forge the next one.
inline std::string printable(std::string_view text) {
  std::string out{text};
  for (auto& c : out)
    if ((static_cast<unsigned char>(c) < 0x20 && c != '\t') || c == 0x7f)
      c = '?';
  return out;
}

/// `s` without leading and trailing blanks (spaces, tabs, a trailing CR).
inline std::string_view trim_blanks(std::string_view s) {
  while (!s.empty() && (s.front() == ' ' || s.front() == '\t'))
    s.remove_prefix(1);
  while (!s.empty() && (s.back() == ' ' || s.back() == '\t' || s.back() == '\r'))
    s.remove_suffix(1);
  return s;
}

} // namespace ply::actors
