// SPDX-License-Identifier: MIT
// A reactor that injects faults into its own socket I/O and timers: short reads and writes, EAGAIN
// storms, resets and late timers. Whatever the network does, a protocol sees every byte once, in
// order, and connection_lost exactly once.
#include "ply/faults.hpp"

#include <catch2/catch.hpp>

#include <atomic>
#include <future>
#include <map>
#include <thread>

#include "ply/deferred.hpp"
#include "ply/factory.hpp"
#include "ply/failure.hpp"
#include "ply/line_receiver.hpp"
#include "ply/protocol.hpp"
#include "ply/reactor.hpp"
#include "ply/testing/memory_transport.hpp"
#include "ply/testing/test_system.hpp"
#include "recorder.hpp"
#include "running_reactor.hpp"
#include "socket_client.hpp"

using namespace ply;
using namespace std::chrono_literals;
using ply::test::recorder;
using ply::test::recorder_ptr;
using ply::test::running_reactor;
using ply::test::socket_client;

namespace {

/// Echoes, and records how each connection began and ended.
class echo : public protocol {
public:
  explicit echo(recorder_ptr rec) : rec_(std::move(rec)) {
  }
  void connection_made() override {
    rec_->add("made");
  }
  void data_received(bytes data) override {
    transport().write(data);
  }
  void connection_lost(const caf::error& reason) override {
    rec_->add("lost:" + to_string(static_cast<errc>(reason.code())));
  }

private:
  recorder_ptr rec_;
};

/// Streams `total` bytes counting 0..250 over and over, pausing when told to.
class counter_stream : public protocol {
public:
  counter_stream(recorder_ptr rec, size_t total) : rec_(std::move(rec)), left_(total) {
  }
  void connection_made() override {
    transport().set_write_watermarks(64 * 1024, 16 * 1024);
    produce();
  }
  void pause_producing() override {
    rec_->add("pause");
    paused_ = true;
  }
  void resume_producing() override {
    rec_->add("resume");
    paused_ = false;
    produce();
  }
  caf::message_handler extra_behavior() override {
    return {[this](caf::atom_value) { produce(); }};
  }

private:
  void produce() {
    if (paused_ || left_ == 0)
      return;
    std::string chunk(std::min<size_t>(left_, 16 * 1024), '\0');
    for (auto& c : chunk)
      c = static_cast<char>(next_++ % 251);
    transport().write(chunk);
    left_ -= chunk.size();
    if (left_ > 0)
      send(this, caf::atom("more"));
  }

  recorder_ptr rec_;
  size_t left_;
  size_t next_ = 0;
  bool paused_ = false;
};

reactor::options faulty(const std::string& plan) {
  auto opts = running_reactor::make_opts(1);
  auto parsed = fault_plan::parse(plan);
  REQUIRE(parsed);
  opts.faults = *parsed;
  return opts;
}

/// `n` bytes of a pattern particular to `who`.
std::string pattern(size_t who, size_t n) {
  std::string out(n, '\0');
  for (size_t i = 0; i < n; ++i)
    out[i] = static_cast<char>('a' + (i * 7 + who) % 26);
  return out;
}

} // namespace

TEST_CASE("fault plans: parsed from text, bad ones refused with the reason", "[faults]") {
  auto plan = fault_plan::parse("read=7,write=5,eagain=0.25,reset=0.01,timer=40,seed=9");
  REQUIRE(plan);
  CHECK(plan->max_read == 7);
  CHECK(plan->max_write == 5);
  CHECK(plan->eagain == Approx(0.25));
  CHECK(plan->reset == Approx(0.01));
  CHECK(plan->timer_delay == 40ms);
  CHECK(plan->seed == 9);
  CHECK(plan->active());
  auto again = fault_plan::parse(plan->to_string());
  REQUIRE(again);
  CHECK(again->max_read == 7);
  CHECK(again->seed == 9);
  CHECK_FALSE(fault_plan::parse("")->active());
  for (auto bad : {"read", "read=x", "eagain=1.5", "reset=-1", "loss=0.1", "timer=1e3"}) {
    INFO(bad);
    auto p = fault_plan::parse(bad);
    REQUIRE_FALSE(p);
    CHECK_THAT(describe(p.error()), Catch::Contains("bad fault plan"));
  }
}

TEST_CASE("faults: under short reads, short writes and EAGAIN storms every byte echoes back in "
          "order",
          "[faults][reactor]") {
  auto rec = std::make_shared<recorder>();
  running_reactor rr{faulty("read=7,write=5,eagain=0.3,seed=11")};
  auto port = rr.listen(factory::for_protocol<echo>(rec));
  rr.start();
  const size_t size = 96 * 1024;
  std::vector<std::unique_ptr<socket_client>> clients;
  for (size_t i = 0; i < 6; ++i)
    clients.push_back(std::make_unique<socket_client>(port, 20000));
  // All send at once, then all read: the reactor interleaves the six under the faults.
  for (size_t i = 0; i < clients.size(); ++i)
    clients[i]->send(pattern(i, size));
  for (size_t i = 0; i < clients.size(); ++i) {
    INFO("client " << i);
    CHECK(clients[i]->read_exactly(size) == pattern(i, size));
  }
  clients.clear();
  rec->wait_for("lost:", 6);
  CHECK(rec->count("made") == 6);
  CHECK(rec->count("lost:connection_done") == 6);
}

TEST_CASE("faults: bytes a short read left in the socket are read without the peer sending more",
          "[faults][reactor]") {
  // The socket stays readable after each short read, but nothing new arrives: the bytes left
  // must still be read (the poller's level-triggered set keeps reporting the socket).
  auto rec = std::make_shared<recorder>();
  running_reactor rr{faulty("read=3,seed=4")};
  auto port = rr.listen(factory::for_protocol<echo>(rec));
  rr.start();
  socket_client c{port, 2000};
  for (int round = 0; round < 5; ++round) {
    auto msg = pattern(static_cast<size_t>(round), 600);
    auto start = std::chrono::steady_clock::now();
    c.send(msg);
    CHECK(c.read_exactly(msg.size()) == msg);
    CHECK(std::chrono::steady_clock::now() - start < 1s);
  }
}

TEST_CASE("faults: an answer whose flush finds the socket not ready goes out when it is ready",
          "[faults][reactor]") {
  // Nothing else is written after each answer: a flush that gave up on EAGAIN without watching
  // the socket for writability would leave the answer unsent for good.
  auto rec = std::make_shared<recorder>();
  running_reactor rr{faulty("eagain=0.5,seed=8")};
  auto port = rr.listen(factory::for_protocol<echo>(rec));
  rr.start();
  socket_client c{port, 3000};
  for (int i = 0; i < 50; ++i) {
    auto msg = "ping " + std::to_string(i) + ";";
    c.send(msg);
    REQUIRE(c.read_exactly(msg.size()) == msg);
  }
}

TEST_CASE("faults: a stream through EAGAIN storms pauses and resumes its producer and arrives "
          "whole",
          "[faults][reactor]") {
  auto rec = std::make_shared<recorder>();
  // Writes that would block now and then, and short: a corked flush that finds the socket not
  // ready must wait for it to become writable.
  running_reactor rr{faulty("write=3000,eagain=0.5,seed=5")};
  const size_t total = 4 << 20;
  auto port = rr.listen(factory::for_protocol<counter_stream>(rec, total));
  rr.start();
  socket_client c{port, 20000, 16 * 1024};
  auto got = c.read_exactly(total);
  REQUIRE(got.size() == total);
  size_t wrong = 0;
  for (size_t i = 0; i < total; ++i)
    if (static_cast<unsigned char>(got[i]) != i % 251)
      ++wrong;
  CHECK(wrong == 0);
  CHECK(rec->count("pause") >= 1);
  CHECK(rec->count("resume") == rec->count("pause"));
}

TEST_CASE("faults: resets end each connection with connection_lost exactly once, the reactor "
          "keeps none",
          "[faults][reactor]") {
  auto rec = std::make_shared<recorder>();
  running_reactor rr{faulty("read=16,reset=0.05,seed=3")};
  auto port = rr.listen(factory::for_protocol<echo>(rec));
  rr.start();
  const int n = 20;
  int reset_seen = 0;
  for (int i = 0; i < n; ++i) {
    socket_client c{port, 5000};
    // Talk until the injected reset closes the connection under us.
    for (int round = 0; round < 200; ++round) {
      auto msg = pattern(static_cast<size_t>(i), 64);
      try {
        c.send(msg);
      } catch (const std::exception&) {
        break;
      }
      if (c.read_exactly(msg.size()) != msg) {
        ++reset_seen;
        break;
      }
    }
  }
  CHECK(reset_seen == n);
  rec->wait_for("lost:", static_cast<size_t>(n));
  std::this_thread::sleep_for(50ms);  // a second connection_lost would arrive by now
  CHECK(rec->count("made") == static_cast<size_t>(n));
  CHECK(rec->count("lost:connection_lost") == static_cast<size_t>(n));
  CHECK(rec->starting_with("lost:").size() == static_cast<size_t>(n));
  CHECK(rr.r.connection_count() == 0);
}

TEST_CASE("faults: late timers still fire once each, never early, and deferred timeouts hold",
          "[faults][reactor]") {
  running_reactor rr{faulty("timer=60,seed=2")};
  rr.start();
  const int n = 20;
  std::vector<std::promise<std::chrono::steady_clock::duration>> fired(n);
  std::atomic<int> calls{0};
  auto begin = std::chrono::steady_clock::now();
  for (int i = 0; i < n; ++i)
    rr.r.call_later(20ms, [&, i] {
      ++calls;
      fired[static_cast<size_t>(i)].set_value(std::chrono::steady_clock::now() - begin);
    });
  std::vector<std::chrono::steady_clock::duration> when;
  for (auto& p : fired) {
    auto f = p.get_future();
    REQUIRE(f.wait_for(5s) == std::future_status::ready);
    when.push_back(f.get());
  }
  for (auto w : when) {
    CHECK(w >= 20ms);
    CHECK(w < 2s);
  }
  // Delays differ: they are not all on time.
  CHECK(*std::max_element(when.begin(), when.end()) - *std::min_element(when.begin(), when.end())
        > 5ms);
  // A deferred that never fires by itself times out once, late or not.
  std::promise<std::string> outcome;
  std::atomic<int> errbacks{0};
  rr.r.call_from_thread([&] {
    deferred<int> d;
    d.add_timeout(rr.r, 30ms);
    d.add_errback([&](failure& f) {
      if (++errbacks == 1)
        outcome.set_value(f.is<timeout_error>() ? "timeout: " + f.message() : "other");
      return 0;
    });
  });
  auto f = outcome.get_future();
  REQUIRE(f.wait_for(5s) == std::future_status::ready);
  CHECK_THAT(f.get(), Catch::StartsWith("timeout: timed out after 30 ms"));
  std::this_thread::sleep_for(150ms);
  CHECK(errbacks == 1);
  CHECK(calls == n);
}

TEST_CASE("memory transport faults: short reads and held writes lose no byte, a reset ends the "
          "connection once",
          "[faults][memory_transport]") {
  testing::test_system ts;
  auto rec = std::make_shared<recorder>();
  auto make = factory::for_protocol<echo>(rec);
  auto f = make(ts.sys());
  auto t = testing::memory_transport::make();
  t->connect_through(f);
  ts.run();
  REQUIRE(t->protocol());
  auto plan = fault_plan::parse("read=3,eagain=0.5,seed=4");
  REQUIRE(plan);
  t->inject(*plan);
  std::string sent;
  for (int i = 0; i < 50; ++i) {
    auto piece = pattern(static_cast<size_t>(i), 40);
    t->feed(piece);
    sent += piece;
  }
  ts.run();
  CHECK(t->written() == sent);
  // Fed while reading is paused: held until reading resumes, not dropped.
  t->pause_reading();
  t->feed("held");
  ts.run();
  CHECK(t->take_written() == sent);
  t->resume_reading();
  ts.run();
  CHECK(t->take_written() == "held");
  plan->reset = 0.9;
  t->inject(*plan);
  t->feed(pattern(1, 64));
  t->feed(pattern(2, 64));
  ts.run();
  CHECK(rec->starting_with("lost:") == std::vector<std::string>{"lost:connection_lost"});
  caf::anon_send_exit(f, caf::exit_reason::user_shutdown);
  ts.run();
}
