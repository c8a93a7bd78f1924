// SPDX-License-Identifier: MIT
// The front door's pieces: connection handles a factory writes to, `ask` with the input held until
// the answer, and one-line message types.

#include "ply/connection.hpp"

#include <catch2/catch.hpp>

#include <map>
#include <unordered_set>

#include <caf/binary_deserializer.hpp>
#include <caf/actor_system_config.hpp>
#include <caf/binary_serializer.hpp>
#include <caf/deep_to_string.hpp>

#include "ply/factory.hpp"
#include "ply/line_receiver.hpp"
#include "ply/message.hpp"
#include "ply/testing/memory_transport.hpp"
#include "ply/testing/test_system.hpp"
#include "recorder.hpp"

using namespace ply;
using ply::test::recorder;
using ply::test::recorder_ptr;
using testing::memory_transport;
using testing::test_system;

namespace {

PLY_MESSAGE(greet, std::string name);
PLY_MESSAGE(shout, std::string text; int times);
PLY_MESSAGE(ping);

/// On "hi NAME": writes "1", asks the factory to greet NAME (which writes "2" to this connection),
/// writes "3" on the answer. Other lines are asked about one at a time, input held meanwhile.
class member : public line_receiver {
  void line_received(std::string_view line) override {
    std::string l{line};
    if (l.rfind("hi ", 0) == 0) {
      transport().write("1");
      ask<bool>(factory(), greet{l.substr(3)}).add_callback([this](bool) {
        transport().write("3");
      });
      return;
    }
    send_line("start " + l);
    hold_input_until(ask<std::string>(factory(), shout{l, 2}))
      .add_errback([](failure& f) { return "failed: " + f.message(); })
      .add_callback([this](const std::string& answer) { send_line(answer); });
  }
};

class hall : public factory_of<member> {
public:
  explicit hall(recorder_ptr rec) : rec_(std::move(rec)) {
  }

private:
  handlers extra_behavior() override {
    return {
      [this](const greet& g) {
        rec_->add(sender() == caf::actor_cast<caf::actor>(caller().protocol()) ? "from its protocol"
                                                                               : "from elsewhere");
        caller().write("2");
        names_[caller()] = g.name;
        return true;
      },
      [this](const shout& s) -> caf::result<std::string> {
        if (s.text == "bad")
          return make_error(errc::protocol_error, "no shouting 'bad'");
        std::string out;
        for (int i = 0; i < s.times; ++i)
          out += s.text;
        return out;
      },
    };
  }
  void protocol_ended(const connection& who, const caf::error&) override {
    auto i = names_.find(who);
    rec_->add(i != names_.end() ? "ended " + i->second : "ended unknown");
    who.write("dropped");  // closed: the write goes nowhere, and nothing breaks
  }

  recorder_ptr rec_;
  std::map<connection, std::string> names_;
};

} // namespace

TEST_CASE("a factory writes to the caller's connection in order with its protocol's writes, and "
          "protocol_ended reports the handle it kept",
          "[factory]") {
  test_system ts;
  auto rec = std::make_shared<recorder>();
  auto f = ts.spawn<hall>(rec);
  auto a = memory_transport::make();
  auto b = memory_transport::make();
  a->connect_through(f);
  b->connect_through(f);
  ts.run();
  a->feed("hi alice\n");
  b->feed("hi bob\n");
  ts.run();
  CHECK(a->written() == "123");
  CHECK(b->written() == "123");
  b->close();
  ts.run();
  a->close();
  ts.run();
  CHECK(rec->events == std::vector<std::string>{"from its protocol", "from its protocol",
                                                "ended bob", "ended alice"});
  caf::anon_send_exit(f, caf::exit_reason::user_shutdown);
}

TEST_CASE("connection handles compare and hash by connection, and a default one drops writes",
          "[factory]") {
  auto t1 = memory_transport::make();
  auto t2 = memory_transport::make();
  connection x{t1, {}};
  connection y{t1, {}};
  connection z{t2, {}};
  CHECK(x == y);
  CHECK(x != z);
  CHECK((x < z) != (z < x));
  std::unordered_set<connection> set{x, y, z};
  CHECK(set.size() == 2);
  connection none;
  CHECK_FALSE(none);
  CHECK(none.id() == 0);
  none.write("nowhere");
  none.close();
}

TEST_CASE("hold_input_until handles a chunk's lines one at a time, each after the answer to the "
          "one before, also when an answer fails",
          "[factory]") {
  test_system ts;
  auto f = ts.spawn<hall>(std::make_shared<recorder>());
  auto t = memory_transport::make();
  t->connect_through(f);
  ts.run();
  t->feed("a\nbad\nc");
  t->feed("\nd\n");
  ts.run();
  CHECK(t->written()
        == "start a\r\naa\r\nstart bad\r\nfailed: no shouting 'bad'\r\nstart c\r\ncc\r\n"
           "start d\r\ndd\r\n");
  // Reading was paused while held, and is on again.
  CHECK_FALSE(t->reading_paused());
  caf::anon_send_exit(f, caf::exit_reason::user_shutdown);
  t->close();
}

TEST_CASE("a peer that sends lines and closes its side still gets every answer, in order",
          "[factory]") {
  test_system ts;
  auto f = ts.spawn<hall>(std::make_shared<recorder>());
  auto t = memory_transport::make();
  t->connect_through(f);
  ts.run();
  t->feed("x\ny\n");
  t->close();
  ts.run();
  CHECK(t->written() == "start x\r\nxx\r\nstart y\r\nyy\r\n");
  CHECK(t->disconnecting());
  caf::anon_send_exit(f, caf::exit_reason::user_shutdown);
}

namespace {

/// "DATA" asks, then switches to raw mode once answered; raw bytes are echoed with a mark.
class switcher : public line_receiver {
  void line_received(std::string_view line) override {
    if (line != "DATA")
      return send_line("line " + std::string{line});
    hold_input_until(ask<std::string>(factory(), shout{"go", 1})).add_callback([this](std::string) {
      set_raw_mode();
    });
  }
  void raw_data_received(bytes data) override {
    transport().write("raw[" + data + "]");
  }
};

class switch_hall : public factory_of<switcher> {
  handlers extra_behavior() override {
    return {[](const shout& s) { return s.text; }};
  }
};

} // namespace

TEST_CASE("input held while a line receiver switches to raw mode comes as raw data, in order",
          "[factory]") {
  test_system ts;
  auto f = ts.spawn<switch_hall>();
  auto t = memory_transport::make();
  t->connect_through(f);
  ts.run();
  t->feed("a\nDATA\nbody1");
  t->feed("body2");
  ts.run();
  CHECK(t->written() == "line a\r\nraw[body1body2]");
  caf::anon_send_exit(f, caf::exit_reason::user_shutdown);
  t->close();
}

TEST_CASE("a PLY_MESSAGE prints and serializes by its fields", "[factory]") {
  CHECK(caf::deep_to_string(shout{"hey", 3}) == R"(shout("hey", 3))");
  CHECK(caf::deep_to_string(ping{}) == "ping()");
  caf::actor_system_config cfg;
  caf::actor_system sys{cfg};
  std::vector<char> buf;
  caf::binary_serializer sink{sys, buf};
  shout in{"hey", 3};
  REQUIRE_FALSE(sink(in));
  shout out;
  caf::binary_deserializer source{sys, buf};
  REQUIRE_FALSE(source(out));
  CHECK(out.text == "hey");
  CHECK(out.times == 3);
}
