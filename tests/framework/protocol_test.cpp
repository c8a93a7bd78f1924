#include "ply/protocol.hpp"

#include <catch2/catch.hpp>

#include "ply/length_prefixed_receiver.hpp"
#include "ply/line_receiver.hpp"
#include "ply/testing/memory_transport.hpp"
#include "ply/testing/test_system.hpp"
#include "recorder.hpp"

using namespace ply;
using ply::test::recorder;
using ply::test::recorder_ptr;
using testing::memory_transport;
using testing::test_system;

namespace {

/// Echoes, and records every hook it sees.
class recording_echo : public protocol {
public:
  explicit recording_echo(recorder_ptr rec) : rec_(std::move(rec)) {
  }
  void connection_made() override {
    rec_->add("made");
  }
  void data_received(bytes data) override {
    rec_->add("data:" + data);
    if (data == "bye") {
      transport().write("closing");
      transport().lose_connection();
      transport().write("after close");
      return;
    }
    if (data == "boom")
      throw std::runtime_error("boom requested");
    transport().write(data);
  }
  void connection_lost(const caf::error& reason) override {
    rec_->add("lost:" + to_string(static_cast<errc>(reason.code())));
  }
  void pause_producing() override {
    rec_->add("pause");
  }
  void resume_producing() override {
    rec_->add("resume");
  }

private:
  recorder_ptr rec_;
};

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

class frames : public length_prefixed_receiver {
public:
  explicit frames(recorder_ptr rec) : length_prefixed_receiver(2, 8), rec_(std::move(rec)) {
  }
  void string_received(bytes message) override {
    rec_->add("frame:" + message);
    send_string(message + "!");
  }

private:
  recorder_ptr rec_;
};

} // namespace

TEST_CASE("a protocol sees made, data and lost in order, lost exactly once", "[protocol]") {
  test_system ts;
  auto rec = std::make_shared<recorder>();
  auto t = memory_transport::make();
  t->connect(ts.spawn<recording_echo>(rec));
  t->feed("hello");
  t->feed(" world");
  ts.run();
  CHECK(t->written() == "hello world");
  t->close();
  t->close(make_error(errc::connection_lost));
  t->lose_connection();
  ts.run();
  CHECK(rec->events == std::vector<std::string>{"made", "data:hello", "data: world",
                                                "lost:connection_done"});
}

TEST_CASE("writes after lose_connection are dropped, never a crash", "[protocol]") {
  test_system ts;
  auto rec = std::make_shared<recorder>();
  auto t = memory_transport::make();
  t->connect(ts.spawn<recording_echo>(rec));
  t->feed("bye");
  ts.run();
  CHECK(t->written() == "closing");
  CHECK(t->disconnecting());
  CHECK(rec->count("lost:connection_done") == 1);
}

TEST_CASE("a protocol that throws closes its connection and still hears connection_lost",
          "[protocol]") {
  test_system ts;
  auto rec = std::make_shared<recorder>();
  auto t = memory_transport::make();
  t->connect(ts.spawn<recording_echo>(rec));
  t->feed("boom");
  t->feed("never handled");
  ts.run();
  CHECK(t->aborted());
  CHECK(rec->count("lost:protocol_error") == 1);
  CHECK(rec->count("data:never handled") == 0);
}

TEST_CASE("producer flow control reaches the protocol", "[protocol]") {
  test_system ts;
  auto rec = std::make_shared<recorder>();
  auto t = memory_transport::make();
  t->connect(ts.spawn<recording_echo>(rec));
  t->set_buffer_full(true);
  t->set_buffer_full(false);
  ts.run();
  CHECK(rec->starting_with("pause").size() == 1);
  CHECK(rec->starting_with("resume").size() == 1);
}

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

TEST_CASE("length-prefixed receiver at every chunk size, and over the limit", "[protocol]") {
  std::string input = std::string("\x00\x02hi\x00\x00\x00\x05there", 13);
  for (size_t chunk = 1; chunk <= input.size(); ++chunk) {
    INFO("chunk " << chunk);
    test_system ts;
    auto rec = std::make_shared<recorder>();
    auto t = memory_transport::make();
    t->connect(ts.spawn<frames>(rec));
    for (size_t off = 0; off < input.size(); off += chunk)
      t->feed(std::string_view{input}.substr(off, chunk));
    ts.run();
    CHECK(rec->starting_with("frame:")
          == std::vector<std::string>{"frame:hi", "frame:", "frame:there"});
    CHECK(t->written() == std::string("\x00\x03hi!\x00\x01!\x00\x06there!", 16));
  }
  test_system ts;
  auto rec = std::make_shared<recorder>();
  auto t = memory_transport::make();
  t->connect(ts.spawn<frames>(rec));
  t->feed(std::string("\x00\x09", 2) + "123456789");
  ts.run();
  CHECK(t->disconnecting());
  CHECK(rec->starting_with("frame:").empty());
}
