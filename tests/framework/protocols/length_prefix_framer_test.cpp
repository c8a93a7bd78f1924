// SPDX-License-Identifier: MIT
#include "ply/length_prefix_framer.hpp"

#include <catch2/catch.hpp>

#include <string>
#include <vector>

#include "ply/error.hpp"

using ply::length_prefix_framer;

TEST_CASE("length prefix framer at every prefix size and chunk size", "[framing]") {
  std::vector<std::string> messages{"", "a", "hello", std::string(300, 'x'), "tail"};
  for (size_t prefix : {1u, 2u, 4u}) {
    length_prefix_framer enc{prefix, 1000};
    std::string stream;
    for (auto& m : messages) {
      if (prefix == 1 && m.size() > 255)
        continue;
      auto frame = enc.encode(m);
      REQUIRE(frame);
      stream += *frame;
    }
    std::vector<std::string> expected;
    for (auto& m : messages)
      if (!(prefix == 1 && m.size() > 255))
        expected.push_back(m);
    for (size_t chunk = 1; chunk <= stream.size(); ++chunk) {
      INFO("prefix " << prefix << " chunk " << chunk);
      length_prefix_framer dec{prefix, 1000};
      std::vector<std::string> got;
      for (size_t off = 0; off < stream.size(); off += chunk) {
        auto st = dec.feed(std::string_view{stream}.substr(off, chunk),
                           [&](std::string_view f) { return got.emplace_back(f), true; });
        REQUIRE(st == length_prefix_framer::status::ok);
      }
      CHECK(got == expected);
    }
  }
}

TEST_CASE("length prefix framer encodes big-endian", "[framing]") {
  length_prefix_framer f{4, 100000};
  auto frame = f.encode(std::string(258, 'a'));
  REQUIRE(frame);
  CHECK(frame->substr(0, 4) == std::string("\x00\x00\x01\x02", 4));
}

TEST_CASE("length prefix framer rejects frames over the limit", "[framing]") {
  length_prefix_framer f{4, 10};
  std::string stream = std::string("\x00\x00\x00\x03", 4) + "abc" + std::string("\x00\x00\x10\x00", 4);
  for (size_t chunk = 1; chunk <= stream.size(); ++chunk) {
    length_prefix_framer dec{4, 10};
    std::vector<std::string> got;
    auto st = length_prefix_framer::status::ok;
    for (size_t off = 0; off < stream.size() && st == length_prefix_framer::status::ok; off += chunk)
      st = dec.feed(std::string_view{stream}.substr(off, chunk),
                    [&](std::string_view fr) { return got.emplace_back(fr), true; });
    INFO("chunk " << chunk);
    CHECK(got == std::vector<std::string>{"abc"});
    CHECK(st == length_prefix_framer::status::too_long);
    CHECK(dec.announced_length() == 4096);
  }
  auto too_big = f.encode(std::string(11, 'x'));
  REQUIRE_FALSE(too_big);
  CHECK(ply::is(too_big.error(), ply::errc::frame_too_long));
  length_prefix_framer one{1, 1000};
  CHECK_FALSE(one.encode(std::string(256, 'x')));
}

TEST_CASE("length prefix framer stops when asked and keeps the rest for the next feed",
          "[framing]") {
  length_prefix_framer enc{2, 100};
  std::string stream = *enc.encode("one") + *enc.encode("two") + *enc.encode("three");
  for (size_t chunk = 1; chunk <= stream.size(); ++chunk) {
    INFO("chunk " << chunk);
    length_prefix_framer dec{2, 100};
    std::vector<std::string> got;
    // Stops after every frame: each later feed (empty ones too) gives the next one.
    auto one_at_a_time = [&](std::string_view f) { return got.emplace_back(f), false; };
    for (size_t off = 0; off < stream.size(); off += chunk)
      dec.feed(std::string_view{stream}.substr(off, chunk), one_at_a_time);
    while (got.size() < 3 && dec.feed("", one_at_a_time) == length_prefix_framer::status::stopped)
      ;
    CHECK(got == std::vector<std::string>{"one", "two", "three"});
    CHECK(dec.feed("", one_at_a_time) == length_prefix_framer::status::ok);
  }
}
