// SPDX-License-Identifier: MIT
// The RESP parser and glob matcher: pure code, fed with every chunk size.
#include <catch2/catch.hpp>

#include "pubsub/resp.hpp"
#include "text.hpp"

using namespace ply::actors;

namespace {

using commands = std::vector<std::vector<std::string>>;

/// Feeds `input` in chunks of `chunk` bytes; returns the commands and the error (if any).
std::pair<commands, std::string> parse(const std::string& input, size_t chunk,
                                       resp::parser::limits l = {}) {
  resp::parser p{l};
  commands out;
  for (size_t off = 0; off < input.size(); off += chunk) {
    auto err = p.feed(std::string_view{input}.substr(off, chunk),
                      [&](std::vector<std::string>& args) { out.push_back(args); });
    if (!err.empty())
      return {out, err};
  }
  return {out, {}};
}

} // namespace

TEST_CASE("RESP arrays and inline commands parse the same at every chunk size", "[resp]") {
  std::string input = "*3\r\n$7\r\nPUBLISH\r\n$4\r\nnews\r\n$12\r\nhello\r\nworld\r\n"
                      "PING\r\n"
                      "  subscribe   a  b\n"
                      "*0\r\n"
                      "*1\r\n$0\r\n\r\n"
                      "\r\n";
  commands expected{{"PUBLISH", "news", "hello\r\nworld"}, {"PING"}, {"subscribe", "a", "b"}, {""}};
  for (size_t chunk = 1; chunk <= input.size(); ++chunk) {
    INFO("chunk size " << chunk);
    auto [got, err] = parse(input, chunk);
    CHECK(err.empty());
    CHECK(got == expected);
  }
}

TEST_CASE("RESP protocol errors are named as Redis names them", "[resp]") {
  resp::parser::limits l;
  l.max_bulk = 16;
  l.max_inline = 32;
  l.max_args = 4;
  for (size_t chunk : {size_t{1}, size_t{3}, size_t{1000}}) {
    INFO("chunk size " << chunk);
    CHECK(parse("*-1\r\n", chunk, l).second == "Protocol error: invalid multibulk length");
    CHECK(parse("*5\r\n", chunk, l).second == "Protocol error: invalid multibulk length");
    CHECK(parse("*x\r\n", chunk, l).second == "Protocol error: invalid multibulk length");
    CHECK(parse("*" + std::string(40, '9') + "\r\n", chunk, l).second ==
          "Protocol error: invalid multibulk length");
    CHECK(parse("*1\r\n$-3\r\n", chunk, l).second == "Protocol error: invalid bulk length");
    CHECK(parse("*1\r\n$17\r\n", chunk, l).second == "Protocol error: invalid bulk length");
    CHECK(parse("*1\r\n:3\r\n", chunk, l).second == "Protocol error: expected '$', got ':'");
    CHECK(parse("*1\r\n$2\r\nabXY", chunk, l).second ==
          "Protocol error: bulk string not terminated by CRLF");
    CHECK(parse(std::string(40, 'a'), chunk, l).second == "Protocol error: too big inline request");
    CHECK(parse(std::string("PI\x01NG\r\n"), chunk, l).second ==
          "Protocol error: invalid inline request");
  }
  // After an error the parser takes nothing more.
  resp::parser p;
  CHECK_FALSE(p.feed("*-1\r\n", [](auto&) {}).empty());
  bool called = false;
  CHECK_FALSE(p.feed("PING\r\n", [&](auto&) { called = true; }).empty());
  CHECK_FALSE(called);
}

TEST_CASE("RESP replies are encoded as clients expect", "[resp]") {
  CHECK(resp::simple("PONG") == "+PONG\r\n");
  CHECK(resp::error("ERR x") == "-ERR x\r\n");
  CHECK(resp::integer(-3) == ":-3\r\n");
  CHECK(resp::bulk("") == "$0\r\n\r\n");
  CHECK(resp::message("news", "hi") == "*3\r\n$7\r\nmessage\r\n$4\r\nnews\r\n$2\r\nhi\r\n");
  CHECK(resp::pmessage("n*", "news", "hi") ==
        "*4\r\n$8\r\npmessage\r\n$2\r\nn*\r\n$4\r\nnews\r\n$2\r\nhi\r\n");
}

TEST_CASE("glob patterns match as Redis's PSUBSCRIBE does", "[resp]") {
  using resp::glob_match;
  CHECK(glob_match("*", ""));
  CHECK(glob_match("*", "anything"));
  CHECK(glob_match("news.*", "news.sport"));
  CHECK_FALSE(glob_match("news.*", "new"));
  CHECK(glob_match("h?llo", "hello"));
  CHECK_FALSE(glob_match("h?llo", "hllo"));
  CHECK(glob_match("h[ae]llo", "hallo"));
  CHECK_FALSE(glob_match("h[ae]llo", "hillo"));
  CHECK(glob_match("h[^e]llo", "hallo"));
  CHECK_FALSE(glob_match("h[^e]llo", "hello"));
  CHECK(glob_match("h[a-c]llo", "hbllo"));
  CHECK(glob_match("a\\*b", "a*b"));
  CHECK_FALSE(glob_match("a\\*b", "axb"));
  CHECK(glob_match("*a*b*c*", "xxaxxbxxcxx"));
  CHECK_FALSE(glob_match("*a*b*c*", "xxaxxcxxbxx"));
  CHECK(glob_match("[", "") == false);
}
