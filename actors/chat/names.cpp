// SPDX-License-Identifier: MIT
// Chat names: pure code (fuzzed in tests/fuzz).
#include "chat/chat.hpp"

namespace ply::actors::chat {

std::string check_name(std::string_view name, size_t max) {
  if (name.empty())
    return "it is empty";
  if (name.size() > max)
    return "longer than " + std::to_string(max) + " bytes";
  // '/' starts commands; '<', '*' and '#' start what others see of a line or a channel.
  if (name.front() == '/' || name.front() == '<' || name.front() == '*' || name.front() == '#')
    return std::string{"it starts with '"} + name.front() + "'";
  for (unsigned char c : name) {
    if (c < 0x20 || c == 0x7f)
      return "it contains control characters";
    if (c == ' ')
      return "it contains spaces";
  }
  return {};
}

} // namespace ply::actors::chat
