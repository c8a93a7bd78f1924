// SPDX-License-Identifier: MIT
#include "ply/line_framer.hpp"

#include <catch2/catch.hpp>

#include <string>
#include <vector>

using ply::line_framer;

namespace {

/// Feeds `input` in chunks of `chunk` bytes; returns the lines and the last status.
std::pair<std::vector<std::string>, line_framer::status>
frame(line_framer& f, std::string_view input, size_t chunk) {
  std::vector<std::string> lines;
  auto st = line_framer::status::ok;
  for (size_t off = 0; off < input.size() && st == line_framer::status::ok; off += chunk)
    st = f.feed(input.substr(off, chunk), [&](std::string_view l) {
      lines.emplace_back(l);
      return true;
    });
  return {lines, st};
}

} // namespace

TEST_CASE("line framer splits lines at every chunk size", "[framing]") {
  std::string input = "hello\r\nworld\n\nlast line\r\n";
  std::vector<std::string> expected{"hello", "world", "", "last line"};
  for (size_t chunk = 1; chunk <= input.size(); ++chunk) {
    line_framer f;
    auto [lines, st] = frame(f, input, chunk);
    INFO("chunk size " << chunk);
    CHECK(st == line_framer::status::ok);
    CHECK(lines == expected);
    CHECK(f.buffered() == 0);
  }
}

TEST_CASE("line framer keeps an unterminated tail", "[framing]") {
  line_framer f;
  auto [lines, st] = frame(f, "one\ntw", 2);
  CHECK(lines == std::vector<std::string>{"one"});
  CHECK(f.take_buffer() == "tw");
}

TEST_CASE("line framer with a multi-byte delimiter at every chunk size", "[framing]") {
  std::string input = "a||bb|c||||end||";
  std::vector<std::string> expected{"a", "bb|c", "", "end"};
  for (size_t chunk = 1; chunk <= input.size(); ++chunk) {
    line_framer f{"||"};
    auto [lines, st] = frame(f, input, chunk);
    INFO("chunk size " << chunk);
    CHECK(lines == expected);
  }
}

TEST_CASE("line framer reports lines over max_length at every chunk size", "[framing]") {
  std::string ok_line(10, 'x');
  std::string long_line(11, 'y');
  for (size_t chunk = 1; chunk <= 30; ++chunk) {
    INFO("chunk size " << chunk);
    SECTION("a terminated line of exactly max_length passes, with or without CR") {
      line_framer f{"\n", 10};
      auto [lines, st] = frame(f, ok_line + "\r\n" + ok_line + "\n", chunk);
      CHECK(st == line_framer::status::ok);
      CHECK(lines.size() == 2);
    }
    SECTION("a terminated line over max_length") {
      line_framer f{"\n", 10};
      auto [lines, st] = frame(f, "ok\n" + long_line + "\n", chunk);
      CHECK(st == line_framer::status::too_long);
      CHECK(lines == std::vector<std::string>{"ok"});
    }
    SECTION("an unterminated buffer over max_length") {
      line_framer f{"\n", 10};
      auto [lines, st] = frame(f, std::string(40, 'z'), chunk);
      CHECK(st == line_framer::status::too_long);
      CHECK(lines.empty());
    }
  }
}

TEST_CASE("line framer stops when the callback says so and keeps the rest", "[framing]") {
  line_framer f;
  std::vector<std::string> lines;
  auto st = f.feed("header\nraw bytes\nmore", [&](std::string_view l) {
    lines.emplace_back(l);
    return false;
  });
  CHECK(st == line_framer::status::stopped);
  CHECK(lines == std::vector<std::string>{"header"});
  CHECK(f.take_buffer() == "raw bytes\nmore");
}

TEST_CASE("line framer handles many 1-byte chunks of a long line in linear time", "[framing]") {
  line_framer f{"\n", 1 << 20};
  std::string line(200000, 'a');
  size_t count = 0;
  for (char c : line)
    f.feed(std::string_view{&c, 1}, [&](std::string_view) { return ++count, true; });
  f.feed("\n", [&](std::string_view l) {
    CHECK(l.size() == line.size());
    return ++count, true;
  });
  CHECK(count == 1);
}
