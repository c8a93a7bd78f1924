// SPDX-License-Identifier: MIT
// memcached's text protocol: the parser at any chunking, then the store that runs what it parsed.
#include "chunks.hpp"
#include "kv/memcache.hpp"
#include "kv/store.hpp"

extern "C" int LLVMFuzzerTestOneInput(const uint8_t* data, size_t size) {
  using namespace ply::actors::kv;
  parser::limits l;
  l.max_value = 4096;
  parser p{l};
  store s{store::options{64 * 1024}, [] { return int64_t{1'000'000'000}; }};
  std::string out;
  ply::fuzz::in_chunks(data, size, [&](std::string_view chunk) {
    return p.feed(chunk, [&](request& r) { s.execute(r, out); }).empty();
  });
  return 0;
}
