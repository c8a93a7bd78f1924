// SPDX-License-Identifier: MIT
// The weblog's pure parts: Common Log Format lines to XML hits, and following a log file that
// grows, is rotated, truncated, or holds a line too long.
#include <catch2/catch.hpp>

#include <unistd.h>

#include <cstdio>
#include <fstream>

#include "weblog/clf.hpp"
#include "weblog/log_tail.hpp"

using namespace ply::actors::weblog;

TEST_CASE("Common Log Format lines become <hit/> elements, and other lines nothing", "[weblog]") {
  auto h = parse_clf(R"(10.0.0.1 - frank [10/Oct/2000:13:55:36 -0700] "GET /a\"b<c> HTTP/1.0" 200 2326)");
  REQUIRE(h);
  CHECK(h->host == "10.0.0.1");
  CHECK(h->user == "frank");
  CHECK(h->time == "10/Oct/2000:13:55:36 -0700");
  CHECK(h->request == "GET /a\"b<c> HTTP/1.0");
  CHECK(to_xml(*h)
        == R"(<hit host="10.0.0.1" ident="-" user="frank" time="10/Oct/2000:13:55:36 -0700" )"
           R"(request="GET /a&quot;b&lt;c&gt; HTTP/1.0" status="200" bytes="2326"/>)");
  for (auto bad : {"", "just words", "h - - [no end \"GET /\" 200 1", "h - - [t] \"GET / 200 1",
                   "h - - [t] \"GET /\" 200", "h  - - [t] \"GET /\" 200 1"})
    CHECK_FALSE(parse_clf(bad));
  // Any bytes: no crash, and control characters never reach the XML.
  std::string noise;
  for (int c = 0; c < 256; ++c)
    noise += static_cast<char>(c);
  CHECK_FALSE(parse_clf(noise));
  auto ctl = parse_clf("h - - [t] \"GET /\x01\" 200 1");
  REQUIRE(ctl);
  CHECK(to_xml(*ctl).find('\x01') == std::string::npos);
}

namespace {

struct temp_log {
  std::string path = "/tmp/ply-weblog-test-" + std::to_string(::getpid()) + ".log";
  temp_log() {
    std::ofstream{path} << "old line, before the tail began\n";
  }
  ~temp_log() {
    std::remove(path.c_str());
    std::remove((path + ".1").c_str());
  }
  void append(const std::string& text) {
    std::ofstream{path, std::ios::app} << text;
  }
};

} // namespace

TEST_CASE("log_tail returns whole new lines, across rotation and truncation, and drops lines "
          "too long",
          "[weblog]") {
  temp_log log;
  log_tail tail{log.path, false, 32};
  CHECK(tail.poll().empty());  // from the end: the old line is not news
  log.append("one\ntw");
  CHECK(tail.poll() == std::vector<std::string>{"one"});
  log.append("o\n" + std::string(40, 'x') + "\nthree\n");
  CHECK(tail.poll() == std::vector<std::string>{"two", "three"});  // the long one dropped
  // Rotated: what the old file still gets is read, then the new file from its start.
  std::rename(log.path.c_str(), (log.path + ".1").c_str());
  std::ofstream{log.path + ".1", std::ios::app} << "last of the old\n";
  CHECK(tail.poll() == std::vector<std::string>{"last of the old"});
  std::ofstream{log.path} << "first of the new\n";
  CHECK(tail.poll() == std::vector<std::string>{"first of the new"});
  // Truncated, then written again: read from the start.
  std::ofstream{log.path, std::ios::trunc} << "again\n";
  CHECK(tail.poll() == std::vector<std::string>{"again"});
  CHECK_THROWS_WITH(log_tail{"/nonexistent/weblog.log"},
                    Catch::Contains("cannot read the log /nonexistent/weblog.log"));
}
