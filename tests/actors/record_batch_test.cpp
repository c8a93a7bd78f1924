// SPDX-License-Identifier: MIT
// The record batches hubs send between nodes: pure code.
#include <catch2/catch.hpp>

#include <string>
#include <vector>

#include "record_batch.hpp"

using namespace ply::actors;

namespace {

using records = std::vector<std::vector<std::string>>;

records read(std::string_view packed, bool& whole) {
  records out;
  whole = for_each_record<2>(packed, [&](const auto& r) {
    out.push_back({std::string{r[0]}, std::string{r[1]}});
  });
  return out;
}

} // namespace

TEST_CASE("record batches give back their records in order, whatever bytes they hold",
          "[record_batch]") {
  record_batch<2> batch;
  CHECK(batch.empty());
  const records in{{"news", "hello"}, {"", ""}, {"bin", std::string("a\0\r\n\xff", 5)},
                   {std::string(70000, 'k'), "v"}};
  for (auto& r : in)
    batch.add({r[0], r[1]});
  CHECK(batch.count() == 4);
  CHECK(batch.size() == 4 * 8 + (4 + 5) + 0 + (3 + 5) + (70000 + 1));  // lengths, then bytes
  auto packed = batch.take();
  CHECK(batch.empty());
  CHECK(batch.size() == 0);
  bool whole = false;
  CHECK(read(packed, whole) == in);
  CHECK(whole);

  SECTION("a batch cut anywhere yields the whole records before the cut, and says it was cut") {
    std::vector<size_t> ends;  // where each record ends
    size_t at = 0;
    for (auto& r : in)
      ends.push_back(at += 8 + r[0].size() + r[1].size());
    for (size_t cut = 0; cut < packed.size(); cut += (cut < 64 || packed.size() - cut < 64) ? 1 : 997) {
      auto got = read(std::string_view{packed}.substr(0, cut), whole);
      size_t complete = 0;
      while (complete < ends.size() && ends[complete] <= cut)
        ++complete;
      CHECK(got == records(in.begin(), in.begin() + static_cast<long>(complete)));
      CHECK(whole == (cut == 0 || (complete > 0 && ends[complete - 1] == cut)));
    }
  }
  SECTION("a length past the end is refused, not read") {
    std::string bad("\xff\xff\xff\x7f" "abc", 7);
    CHECK(read(bad, whole).empty());
    CHECK_FALSE(whole);
  }
}
