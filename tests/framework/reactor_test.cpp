#include "ply/reactor.hpp"

#include <catch2/catch.hpp>

#include <atomic>
#include <future>
#include <thread>

#include <caf/actor_system.hpp>
#include <caf/actor_system_config.hpp>
#include <caf/scoped_actor.hpp>
#include <caf/send.hpp>

#include "ply/actor_deferred.hpp"
#include "ply/atoms.hpp"
#include "ply/line_receiver.hpp"
#include "ply/protocol.hpp"
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

class echo : public protocol {
public:
  explicit echo(recorder_ptr rec) : rec_(std::move(rec)) {
  }
  void data_received(bytes data) override {
    if (data.find("boom") != std::string::npos)
      throw std::runtime_error("boom");
    if (data.find("close") != std::string::npos) {
      transport().write("a");
      transport().lose_connection();
      transport().write("b");
      return;
    }
    transport().write(data);
  }
  void connection_lost(const caf::error& reason) override {
    rec_->add("lost:" + to_string(static_cast<errc>(reason.code())));
  }

private:
  recorder_ptr rec_;
};

/// Streams `total` bytes on connect, in 64 KiB writes, pausing when told to.
class streamer : public protocol {
public:
  streamer(recorder_ptr rec, size_t total) : rec_(std::move(rec)), left_(total) {
  }
  void connection_made() override {
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
  void connection_lost(const caf::error& reason) override {
    rec_->add("lost:" + to_string(static_cast<errc>(reason.code())));
  }
  caf::message_handler extra_behavior() override {
    return {[this](caf::atom_value) { produce(); }};
  }

private:
  void produce() {
    // Writes a slice per message so that pause_producing can interleave.
    if (paused_ || left_ == 0)
      return;
    auto n = std::min<size_t>(left_, 64 * 1024);
    transport().write(std::string(n, 'x'));
    left_ -= n;
    if (left_ > 0)
      send(this, caf::atom("more"));
  }

  recorder_ptr rec_;
  size_t left_;
  bool paused_ = false;
};

/// Numbers its writes, made both when bytes arrive (on the reactor's thread) and when another
/// actor nudges it (on one of CAF's threads).
class numberer : public protocol {
public:
  numberer(std::shared_ptr<std::promise<caf::actor>> me, recorder_ptr rec, int total)
    : me_(std::move(me)), rec_(std::move(rec)), total_(total) {
  }
  void connection_made() override {
    me_->set_value(caf::actor_cast<caf::actor>(this));
  }
  void data_received(bytes data) override {
    for (size_t i = 0; i < data.size(); ++i)
      next();
  }
  caf::message_handler extra_behavior() override {
    return {[this](caf::atom_value) {
      next();
      rec_->add("nudged");
    }};
  }

private:
  void next() {
    if (written_ == total_)
      return;
    transport().write(std::to_string(written_++) + "\n");
    if (written_ == total_)
      transport().lose_connection();
  }

  std::shared_ptr<std::promise<caf::actor>> me_;
  recorder_ptr rec_;
  int total_;
  int written_ = 0;
};

/// Holds the reactor's thread in `data_received` until the test lets the n-th call go.
class holder : public protocol {
public:
  struct gate {
    std::atomic<int> calls{0};
    std::atomic<int> opened{0};
  };
  holder(recorder_ptr rec, std::shared_ptr<gate> g) : rec_(std::move(rec)), gate_(std::move(g)) {
  }
  void data_received(bytes) override {
    auto me = ++gate_->calls;
    rec_->add("held " + std::to_string(me));
    auto until = std::chrono::steady_clock::now() + 5s;
    while (gate_->opened < me && std::chrono::steady_clock::now() < until)
      std::this_thread::sleep_for(1ms);
  }

private:
  recorder_ptr rec_;
  std::shared_ptr<gate> gate_;
};

/// Asks another actor about every chunk it receives, and writes the answer when it comes.
class asker : public protocol {
public:
  asker(caf::actor oracle, recorder_ptr rec) : oracle_(std::move(oracle)), rec_(std::move(rec)) {
  }
  void data_received(bytes data) override {
    ply::request<std::string>(this, oracle_, std::chrono::seconds(5), caf::atom("ask"),
                              std::string{data})
      .add_callback([this](const std::string& answer) { transport().write(answer); });
  }
  void connection_lost(const caf::error& reason) override {
    rec_->add("lost:" + to_string(static_cast<errc>(reason.code())));
  }

private:
  caf::actor oracle_;
  recorder_ptr rec_;
};

/// Answers after 200 ms. (A class: CAF 0.17 spawns a function without arguments through a null
/// pointer, which UBSan reports.)
class slow_oracle : public caf::event_based_actor {
public:
  using caf::event_based_actor::event_based_actor;
  caf::behavior make_behavior() override {
    return {[](caf::atom_value, const std::string& question) {
      std::this_thread::sleep_for(200ms);
      return "answer to " + question;
    }};
  }
};

class failing_client : public client_factory {
public:
  explicit failing_client(std::shared_ptr<std::promise<std::string>> result)
    : result_(std::move(result)) {
  }
  caf::actor build_protocol(const ply::address&) override {
    return spawn_protocol<echo>(std::make_shared<recorder>());
  }
  void client_connection_failed(const caf::error& reason) override {
    result_->set_value(describe(reason));
  }

private:
  std::shared_ptr<std::promise<std::string>> result_;
};

class stop_watch_factory : public factory {
public:
  explicit stop_watch_factory(recorder_ptr rec) : rec_(std::move(rec)) {
  }
  caf::actor build_protocol(const ply::address&) override {
    return spawn_protocol<echo>(rec_);
  }
  void start_factory() override {
    rec_->add("start_factory");
  }
  void stop_factory() override {
    rec_->add("stop_factory");
  }

private:
  recorder_ptr rec_;
};

} // namespace

TEST_CASE("reactor: many connections over several reactor threads each get their own echo",
          "[reactor]") {
  running_reactor rr{3};
  auto port = rr.listen(factory::for_protocol<echo>(std::make_shared<recorder>()));
  rr.start();
  std::vector<std::unique_ptr<socket_client>> clients;
  for (int i = 0; i < 30; ++i)
    clients.push_back(std::make_unique<socket_client>(port));
  for (int round = 0; round < 3; ++round)
    for (size_t i = 0; i < clients.size(); ++i) {
      auto msg = "client " + std::to_string(i) + " round " + std::to_string(round) + ";";
      clients[i]->send(msg);
      CHECK(clients[i]->read_exactly(msg.size()) == msg);
    }
  clients.clear();
  CHECK(rr.stop() == 0);
}

TEST_CASE("reactor: a peer that resets mid-write gives connection_lost exactly once",
          "[reactor]") {
  auto rec = std::make_shared<recorder>();
  running_reactor rr;
  auto port = rr.listen(factory::for_protocol<streamer>(rec, size_t{64} << 20));
  auto echo_port = rr.listen(factory::for_protocol<echo>(std::make_shared<recorder>()));
  rr.start();
  {
    socket_client c{port};
    CHECK(c.read_exactly(100000).size() == 100000);
    c.reset();
  }
  rec->wait_for("lost:", 1, 2000ms);
  CHECK(rec->starting_with("lost:") == std::vector<std::string>{"lost:connection_lost"});
  // The connection is gone from the reactor, not leaked.
  CHECK(rr.r.connection_count() == 0);
  socket_client other{echo_port};
  other.send("still serving");
  CHECK(other.read_exactly(13) == "still serving");
  std::this_thread::sleep_for(50ms);
  CHECK(rec->starting_with("lost:").size() == 1);
}

TEST_CASE("reactor: a throwing protocol closes its connection, others go on", "[reactor]") {
  auto rec = std::make_shared<recorder>();
  running_reactor rr;
  auto port = rr.listen(factory::for_protocol<echo>(rec));
  rr.start();
  socket_client good{port};
  socket_client bad{port};
  bad.send("boom");
  auto [rest, eof] = bad.read_to_eof();
  CHECK(eof);
  CHECK(rest.empty());
  good.send("hello");
  CHECK(good.read_exactly(5) == "hello");
}

TEST_CASE("reactor: writes after lose_connection are dropped, what came before is flushed",
          "[reactor]") {
  running_reactor rr;
  auto port = rr.listen(factory::for_protocol<echo>(std::make_shared<recorder>()));
  rr.start();
  socket_client c{port};
  c.send("close");
  auto [data, eof] = c.read_to_eof();
  CHECK(data == "a");
  CHECK(eof);
}

TEST_CASE("reactor: connecting to a closed port says connection refused", "[reactor]") {
  running_reactor rr;
  rr.start();
  auto result = std::make_shared<std::promise<std::string>>();
  auto fut = result->get_future();
  REQUIRE(rr.r.connect("tcp:host=127.0.0.1:port=1", factory::of<failing_client>(result)));
  REQUIRE(fut.wait_for(5s) == std::future_status::ready);
  CHECK_THAT(fut.get(), Catch::Contains("connection refused"));
}

TEST_CASE("reactor: a full write buffer pauses the producer, draining resumes it, nothing lost",
          "[reactor]") {
  auto rec = std::make_shared<recorder>();
  running_reactor rr;
  size_t total = 16 << 20;
  auto port = rr.listen(factory::for_protocol<streamer>(rec, total));
  rr.start();
  socket_client c{port, 10000};
  for (int i = 0; i < 300 && rec->count("pause") == 0; ++i)
    std::this_thread::sleep_for(10ms);
  CHECK(rec->count("pause") >= 1);
  CHECK(c.read_exactly(total).size() == total);
  CHECK(rec->count("resume") >= 1);
  CHECK(rec->count("resume") == rec->count("pause"));
}

TEST_CASE("reactor: stop closes connections gracefully and stops factories", "[reactor]") {
  auto rec = std::make_shared<recorder>();
  running_reactor rr;
  auto port = rr.listen(factory::of<stop_watch_factory>(rec));
  rr.start();
  socket_client a{port};
  socket_client b{port};
  a.send("x");
  CHECK(a.read_exactly(1) == "x");
  b.send("y");
  CHECK(b.read_exactly(1) == "y");
  auto started = std::chrono::steady_clock::now();
  CHECK(rr.stop() == 0);
  CHECK(std::chrono::steady_clock::now() - started < 900ms);
  CHECK(a.read_to_eof().second);
  CHECK(b.read_to_eof().second);
  CHECK(rec->count("start_factory") == 1);
  CHECK(rec->count("stop_factory") == 1);
  CHECK(rec->count("lost:connection_done") == 2);
}

TEST_CASE("reactor: listening on a port in use is a clear error", "[reactor]") {
  running_reactor rr;
  auto port = rr.listen(factory::for_protocol<echo>(std::make_shared<recorder>()));
  auto again = rr.r.listen("tcp:" + std::to_string(port) + ":interface=127.0.0.1",
                           factory::for_protocol<echo>(std::make_shared<recorder>()));
  REQUIRE_FALSE(again);
  CHECK(is(again.error(), errc::listen_failed));
  CHECK_THAT(describe(again.error()), Catch::Contains("in use"));
  auto bad = rr.r.listen("tcp:nope", factory::for_protocol<echo>(std::make_shared<recorder>()));
  REQUIRE_FALSE(bad);
  CHECK(is(bad.error(), errc::bad_endpoint));
}

TEST_CASE("reactor: actors control the reactor by messages", "[reactor]") {
  running_reactor rr;
  rr.start();
  caf::scoped_actor self{rr.sys};
  auto f = factory::for_protocol<echo>(std::make_shared<recorder>())(rr.sys);
  uint16_t port = 0;
  self->request(rr.r.control(), 5s, listen_atom::value, std::string{"tcp:0:interface=127.0.0.1"}, f)
    .receive([&](uint16_t p) { port = p; }, [&](caf::error& err) { FAIL(describe(err)); });
  REQUIRE(port != 0);
  socket_client c{port};
  c.send("by message");
  CHECK(c.read_exactly(10) == "by message");
  size_t count = 0;
  self->request(rr.r.control(), 5s, count_atom::value)
    .receive([&](size_t n) { count = n; }, [&](caf::error& err) { FAIL(describe(err)); });
  CHECK(count == 1);
  self->request(rr.r.control(), 5s, listen_atom::value, std::string{"tcp:nope"}, f)
    .receive([&](uint16_t) { FAIL("listen should fail"); },
             [&](caf::error& err) { CHECK(is(err, errc::bad_endpoint)); });
  self->send(rr.r.control(), stop_atom::value, 3);
  rr.thread.join();
  CHECK(rr.rc == 3);
}

namespace {

/// Quits on "stop" without closing its connection.
class quitter : public protocol {
  void data_received(bytes data) override {
    if (data.find("stop") != std::string::npos)
      quit();
    else
      transport().write(data);
  }
};

} // namespace

TEST_CASE("reactor: a protocol actor that quits takes its connection with it", "[reactor]") {
  running_reactor rr;
  auto port = rr.listen(factory::for_protocol<quitter>());
  rr.start();
  socket_client c{port};
  c.send("x");
  CHECK(c.read_exactly(1) == "x");
  c.send("stop");
  CHECK(c.read_to_eof().second);
  for (int i = 0; i < 100 && rr.r.connection_count() != 0; ++i)
    std::this_thread::sleep_for(10ms);
  CHECK(rr.r.connection_count() == 0);
}

TEST_CASE("reactor: a protocol's writes keep their order whichever thread runs the actor",
          "[reactor]") {
  // Bytes from the peer run the protocol actor on the reactor's thread, right after the read;
  // a message from another actor runs it on one of CAF's threads, whose writes are posted to the
  // reactor's thread. Here the actor writes "0" on CAF's thread while the reactor's thread is busy
  // with a batch of events, then "1" on the reactor's thread, later in the same batch: "1" must
  // not overtake "0" (nor lose_connection, made with it).
  auto rec = std::make_shared<recorder>();
  auto gate = std::make_shared<holder::gate>();
  auto me = std::make_shared<std::promise<caf::actor>>();
  running_reactor rr;
  auto hold_port = rr.listen(factory::for_protocol<holder>(rec, gate));
  auto num_port = rr.listen(factory::for_protocol<numberer>(me, rec, 2));
  rr.start();
  socket_client first{hold_port};
  socket_client second{hold_port};
  socket_client c{num_port};
  auto fut = me->get_future();
  REQUIRE(fut.wait_for(5s) == std::future_status::ready);
  auto proto = fut.get();
  // While the reactor's thread is held, the next two sockets become readable: one batch.
  first.send("x");
  rec->wait_for("held 1", 1, 5000ms);
  REQUIRE(rec->count("held 1") == 1);
  second.send("x");
  c.send("x");
  gate->opened = 1;
  rec->wait_for("held 2", 1, 5000ms);
  REQUIRE(rec->count("held 2") == 1);
  // The batch's first event holds the thread; the nudge runs the actor elsewhere meanwhile.
  caf::anon_send(proto, caf::atom("nudge"));
  rec->wait_for("nudged", 1, 5000ms);
  REQUIRE(rec->count("nudged") == 1);
  gate->opened = 2;
  auto [data, eof] = c.read_to_eof();
  CHECK(data == "0\n1\n");
  CHECK(eof);
}

TEST_CASE("reactor: writes posted from the reactor's thread and from CAF's threads keep their "
          "order", "[reactor]") {
  // As above, and one more: "1" is written on the reactor's thread while "0" (from CAF's thread)
  // still waits, so it is posted from the reactor's thread; then "2" is written on CAF's thread
  // before that batch ends. Asio runs a post made on its own thread only after the handler that
  // made it, behind posts from other threads made meanwhile: "2" overtook "1" (a listener on one
  // node heard another node's lines out of order).
  auto rec = std::make_shared<recorder>();
  auto gate = std::make_shared<holder::gate>();
  auto me = std::make_shared<std::promise<caf::actor>>();
  running_reactor rr;
  auto hold_port = rr.listen(factory::for_protocol<holder>(rec, gate));
  auto num_port = rr.listen(factory::for_protocol<numberer>(me, rec, 3));
  rr.start();
  socket_client first{hold_port};
  socket_client second{hold_port};
  socket_client third{hold_port};
  socket_client c{num_port};
  auto fut = me->get_future();
  REQUIRE(fut.wait_for(5s) == std::future_status::ready);
  auto proto = fut.get();
  first.send("x");
  rec->wait_for("held 1", 1, 5000ms);
  REQUIRE(rec->count("held 1") == 1);
  // One batch: second (held), c (writes "1" on the reactor's thread), third (held).
  second.send("x");
  c.send("x");
  third.send("x");
  gate->opened = 1;
  rec->wait_for("held 2", 1, 5000ms);
  REQUIRE(rec->count("held 2") == 1);
  caf::anon_send(proto, caf::atom("nudge"));
  rec->wait_for("nudged", 1, 5000ms);
  REQUIRE(rec->count("nudged") == 1);
  gate->opened = 2;
  rec->wait_for("held 3", 1, 5000ms);
  REQUIRE(rec->count("held 3") == 1);
  caf::anon_send(proto, caf::atom("nudge"));
  rec->wait_for("nudged", 2, 5000ms);
  REQUIRE(rec->count("nudged") == 2);
  gate->opened = 3;
  auto [data, eof] = c.read_to_eof();
  CHECK(data == "0\n1\n2\n");
  CHECK(eof);
}

TEST_CASE("reactor: a peer that sends a request and closes its side still gets the answer",
          "[reactor]") {
  // As `printf 'next\n' | nc -N` does: the FIN comes long before the answer, which another
  // actor takes its time to give.
  auto rec = std::make_shared<recorder>();
  running_reactor rr;
  auto oracle = rr.sys.spawn<slow_oracle, caf::detached>();
  auto port = rr.listen(factory::for_protocol<asker>(oracle, rec));
  rr.start();
  socket_client c{port};
  c.send("life");
  c.shutdown_write();
  auto [data, eof] = c.read_to_eof();
  CHECK(data == "answer to life");
  CHECK(eof);
  rec->wait_for("lost:", 1, 2000ms);
  CHECK(rec->starting_with("lost:") == std::vector<std::string>{"lost:connection_done"});
  caf::anon_send_exit(oracle, caf::exit_reason::user_shutdown);
}
