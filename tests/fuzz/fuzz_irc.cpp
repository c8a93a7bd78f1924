// SPDX-License-Identifier: MIT
// IRC lines as the chat's IRC face reads them: framing into lines at any chunking, then parsing
// and nickname checks.
#include "chat/irc.hpp"
#include "chunks.hpp"
#include "ply/line_framer.hpp"

extern "C" int LLVMFuzzerTestOneInput(const uint8_t* data, size_t size) {
  ply::line_framer lines{"\n", 512};
  ply::fuzz::in_chunks(data, size, [&](std::string_view chunk) {
    auto st = lines.feed(chunk, [](std::string_view line) {
      if (auto m = ply::actors::chat::parse_irc(line)) {
        for (auto& p : m->params)
          ply::actors::chat::check_nick(p, 32);
      }
      return true;
    });
    return st != ply::line_framer::status::too_long;
  });
  return 0;
}
