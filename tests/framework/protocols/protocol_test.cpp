// SPDX-License-Identifier: MIT
#include "ply/protocol.hpp"

#include <catch2/catch.hpp>

#include <caf/send.hpp>

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

namespace {

/// Answers "ping" with "pong"; after the peer says "switch", with "PONG" (become_protocol).
class switcher : public protocol {
public:
  void data_received(bytes data) override {
    if (data == "switch")
      become_protocol({[this](caf::atom_value) { transport().write("PONG"); }});
    else
      transport().write("data:" + data + " ");
  }
  caf::message_handler extra_behavior() override {
    return {[this](caf::atom_value) { transport().write("pong "); }};
  }
};

} // namespace

TEST_CASE("become_protocol swaps the protocol's own handlers and keeps the connection's",
          "[protocol]") {
  test_system ts;
  auto t = memory_transport::make();
  auto p = ts.spawn<switcher>();
  t->connect(p);
  caf::anon_send(p, caf::atom("ping"));
  ts.run();
  t->feed("switch");
  ts.run();
  caf::anon_send(p, caf::atom("ping"));
  ts.run();
  t->feed("still data");
  ts.run();
  CHECK(t->written() == "pong PONGdata:still data ");
}
