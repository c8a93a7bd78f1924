// SPDX-License-Identifier: MIT
// The framework's framers and endpoint strings: line framing and length-prefixed frames at any
// chunking, the endpoint parser on the whole input, and the hubs' record batches.
#include <string>

#include "chunks.hpp"
#include "ply/endpoint.hpp"
#include "ply/length_prefix_framer.hpp"
#include "ply/line_framer.hpp"
#include "record_batch.hpp"

extern "C" int LLVMFuzzerTestOneInput(const uint8_t* data, size_t size) {
  ply::line_framer lines{"\n", 256};
  ply::fuzz::in_chunks(data, size, [&](std::string_view chunk) {
    return lines.feed(chunk, [](std::string_view) { return true; })
           != ply::line_framer::status::too_long;
  });
  ply::length_prefix_framer frames{size_t{size > 0 && data[0] % 2 ? 2u : 4u}, 1024};
  ply::fuzz::in_chunks(data, size, [&](std::string_view chunk) {
    return frames.feed(chunk, [&](std::string_view payload) {
             // What comes out encodes back to a frame of the same payload.
             if (!frames.encode(payload))
               __builtin_trap();
             return true;
           })
           == ply::length_prefix_framer::status::ok;
  });
  std::string text{reinterpret_cast<const char*>(data), size};
  (void) ply::parse_server_endpoint(text);
  (void) ply::parse_client_endpoint(text);
  // The records read from any bytes pack back into exactly the bytes they were read from.
  ply::actors::record_batch<2> again;
  bool whole = ply::actors::for_each_record<2>(text, [&](const auto& r) { again.add(r); });
  auto packed = again.take();
  if (text.compare(0, packed.size(), packed) != 0 || (whole && packed.size() != text.size()))
    __builtin_trap();
  return 0;
}
