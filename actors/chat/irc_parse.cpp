// SPDX-License-Identifier: MIT
// IRC message parsing: pure code (fuzzed in tests/fuzz).
#include "chat/irc.hpp"

#include <algorithm>
#include <cctype>

namespace ply::actors::chat {

std::optional<irc_message> parse_irc(std::string_view line) {
  while (!line.empty() && (line.back() == '\r' || line.back() == '\n'))
    line.remove_suffix(1);
  irc_message m;
  auto next_word = [&line]() {
    while (!line.empty() && line.front() == ' ')
      line.remove_prefix(1);
    auto sp = line.find(' ');
    auto w = line.substr(0, sp);
    line = sp == std::string_view::npos ? std::string_view{} : line.substr(sp + 1);
    return w;
  };
  while (!line.empty() && line.front() == ' ')
    line.remove_prefix(1);
  if (!line.empty() && line.front() == ':')
    m.prefix = std::string{next_word().substr(1)};
  auto cmd = next_word();
  if (cmd.empty())
    return std::nullopt;
  m.command = std::string{cmd};
  std::transform(m.command.begin(), m.command.end(), m.command.begin(),
                 [](unsigned char c) { return std::toupper(c); });
  while (true) {
    while (!line.empty() && line.front() == ' ')
      line.remove_prefix(1);
    if (line.empty())
      break;
    if (line.front() == ':' || m.params.size() == 14) {
      if (line.front() == ':')
        line.remove_prefix(1);
      m.params.emplace_back(line);
      break;
    }
    m.params.emplace_back(next_word());
  }
  return m;
}

std::string check_nick(std::string_view nick, size_t max) {
  if (auto why = check_name(nick, max); !why.empty())
    return why;
  if (nick.find_first_of("#:,!@*<>&") != std::string_view::npos)
    return "it contains one of # : , ! @ * < > &";
  return {};
}

} // namespace ply::actors::chat
