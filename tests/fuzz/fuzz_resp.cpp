// SPDX-License-Identifier: MIT
// Redis's protocol (RESP2) as pub/sub parses it, at any chunking, with small limits.
#include "chunks.hpp"
#include "pubsub/resp.hpp"

extern "C" int LLVMFuzzerTestOneInput(const uint8_t* data, size_t size) {
  using namespace ply::actors;
  resp::parser p{resp::parser::limits{64, 4096, 1024}};
  size_t args = 0;
  ply::fuzz::in_chunks(data, size, [&](std::string_view chunk) {
    return p
      .feed(chunk, [&](std::vector<std::string>& a) { args += a.size(); })
      .empty();
  });
  // The glob matcher takes patterns from clients too.
  if (size > 2) {
    std::string_view all{reinterpret_cast<const char*>(data), size};
    auto half = all.size() / 2;
    resp::glob_match(all.substr(0, half), all.substr(half));
  }
  return 0;
}
