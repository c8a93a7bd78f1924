// SPDX-License-Identifier: MIT
// line_receiver: lines at every chunk size, raw mode, and the line length limit.
#include "ply/line_receiver.hpp"

#include <catch2/catch.hpp>

#include "ply/testing/memory_transport.hpp"
#include "ply/testing/test_system.hpp"
#include "recorder.hpp"

using namespace ply;
using namespace ply::testing;
using ply::test::recorder;
using ply::test::recorder_ptr;

namespace {

class lines : public line_receiver {
public:
  explicit lines(recorder_ptr rec) : rec_(std::move(rec)) {
    set_max_length(20);
  }
  void line_received(std::string_view line) override {
    rec_->add("line:" + std::string{line});
    if (line == "raw")
      set_raw_mode();
    send_line(line);
  }
  void raw_data_received(bytes data) override {
    rec_->add("raw:" + data);
  }

private:
  recorder_ptr rec_;
};

} // namespace

TEST_CASE("line receiver frames lines at every chunk size and answers each", "[protocol]") {
  std::string input = "first\r\nsecond\nthird\n";
  for (size_t chunk = 1; chunk <= input.size(); ++chunk) {
    INFO("chunk " << chunk);
    test_system ts;
    auto rec = std::make_shared<recorder>();
    auto t = memory_transport::make();
    t->connect(ts.spawn<lines>(rec));
    for (size_t off = 0; off < input.size(); off += chunk)
      t->feed(std::string_view{input}.substr(off, chunk));
    ts.run();
    CHECK(rec->starting_with("line:")
          == std::vector<std::string>{"line:first", "line:second", "line:third"});
    CHECK(t->written() == "first\r\nsecond\r\nthird\r\n");
  }
}

TEST_CASE("line receiver switches to raw mode and hands over the buffered rest", "[protocol]") {
  test_system ts;
  auto rec = std::make_shared<recorder>();
  auto t = memory_transport::make();
  t->connect(ts.spawn<lines>(rec));
  t->feed("a\nraw\nrest of it\n");
  t->feed("more");
  ts.run();
  CHECK(rec->starting_with("line:") == std::vector<std::string>{"line:a", "line:raw"});
  CHECK(rec->starting_with("raw:") == std::vector<std::string>{"raw:rest of it\n", "raw:more"});
}

TEST_CASE("a line over max_length closes only that connection", "[protocol]") {
  test_system ts;
  auto rec = std::make_shared<recorder>();
  auto bad = memory_transport::make();
  auto good = memory_transport::make();
  bad->connect(ts.spawn<lines>(rec));
  good->connect(ts.spawn<lines>(rec));
  bad->feed("ok\n");
  bad->feed(std::string(100, 'x'));
  bad->feed("\nignored\n");
  good->feed("still here\n");
  ts.run();
  CHECK(bad->disconnecting());
  CHECK(bad->written() == "ok\r\n");
  CHECK_FALSE(good->disconnecting());
  CHECK(good->written() == "still here\r\n");
  CHECK(rec->count("line:ignored") == 0);
}

namespace {

/// Lines end in ";" both ways; "raw" switches to raw mode for one chunk, then back to lines with
/// that chunk's tail after a "|".
class semicolons : public line_receiver {
public:
  explicit semicolons(recorder_ptr rec) : rec_(std::move(rec)) {
    set_delimiter(";");
    set_line_ending(";");
  }
  void line_received(std::string_view line) override {
    rec_->add("line:" + std::string{line});
    if (line == "raw")
      set_raw_mode();
    else
      send_line(line);
  }
  void raw_data_received(bytes data) override {
    auto bar = data.find('|');
    rec_->add("raw:" + data.substr(0, bar));
    set_line_mode(bar == bytes::npos ? bytes{} : data.substr(bar + 1));
  }

private:
  recorder_ptr rec_;
};

} // namespace

TEST_CASE("line receiver: its own delimiter and line ending, and back from raw mode with the "
          "rest framed first", "[protocol]") {
  test_system ts;
  auto rec = std::make_shared<recorder>();
  auto t = memory_transport::make();
  t->connect(ts.spawn<semicolons>(rec));
  t->feed("a;raw;");
  ts.run();
  t->feed("blob|b;c");
  ts.run();
  t->feed(";");
  ts.run();
  CHECK(rec->starting_with("") == std::vector<std::string>{"line:a", "line:raw", "raw:blob",
                                                            "line:b", "line:c"});
  CHECK(t->written() == "a;b;c;");
}
