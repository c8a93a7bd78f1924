// SPDX-License-Identifier: MIT
// A ply actor's data handled at once on the reactor's thread (traced_actor::handle_now): only when
// the actor is idle, so what CAF promises about order and awaited responses still holds.

#include <catch2/catch.hpp>

#include <atomic>
#include <chrono>
#include <memory>
#include <thread>

#include <caf/event_based_actor.hpp>
#include <caf/response_promise.hpp>
#include <caf/send.hpp>

#include "ply/protocol.hpp"
#include "ply/trace.hpp"
#include "running_reactor.hpp"
#include "socket_client.hpp"

using namespace ply;
using namespace ply::test;
using namespace std::chrono_literals;

namespace {

/// Answers a question only when told to; counts the questions.
caf::behavior gatekeeper(caf::event_based_actor* self, std::shared_ptr<std::atomic<int>> asked) {
  auto held = std::make_shared<caf::response_promise>();
  return {
    [=](caf::atom_value, const std::string&) -> caf::delegated<std::string> {
      *held = self->make_response_promise();
      ++*asked;
      return {};
    },
    [=](int) { held->deliver(std::string{"answer"}); },
  };
}

/// "ask" waits (CAF's await) for the gatekeeper's answer; every other line is echoed.
class awaiter : public protocol {
public:
  explicit awaiter(caf::actor gate) : gate_(std::move(gate)) {
  }
  const char* name() const override {
    return "test.awaiter";
  }
  void data_received(bytes data) override {
    if (data == "ask\n") {
      request(gate_, caf::infinite, caf::atom("ask"), std::string{"q"})
        .await([this](const std::string& a) { transport().write(a + "\n"); });
      return;
    }
    transport().write(data);
  }

private:
  caf::actor gate_;
};

/// Messages the actor of `type` took from its mailbox (handled, or set aside as CAF does with
/// what comes while it awaits a response).
uint64_t taken_by(const std::string& type) {
  uint64_t n = 0;
  for (auto& a : trace::live_actors())
    if (a.type == type)
      n += a.handled;
  return n;
}

} // namespace

TEST_CASE("traced actor: data read while a protocol awaits a response waits for the answer",
          "[reactor]") {
  running_reactor rr;
  auto asked = std::make_shared<std::atomic<int>>(0);
  auto gate = rr.sys.spawn(gatekeeper, asked);
  struct ender {
    caf::actor a;
    ~ender() {
      caf::anon_send_exit(a, caf::exit_reason::user_shutdown);
    }
  } end_gate{gate};
  auto port = rr.listen(factory::for_protocol<awaiter>(gate));
  rr.start();
  socket_client c{port};
  c.send("hello\n");
  CHECK(c.read_exactly(6) == "hello\n");  // idle: handled as it comes
  c.send("ask\n");
  auto until = std::chrono::steady_clock::now() + 5s;
  while (*asked == 0 && std::chrono::steady_clock::now() < until)
    std::this_thread::sleep_for(1ms);
  REQUIRE(*asked == 1);
  c.send("next\n");
  // "next" reaches the actor (its fourth message, after made, hello and ask) and waits for the
  // awaited answer: it is not handled before it.
  until = std::chrono::steady_clock::now() + 5s;
  while (taken_by("test.awaiter") < 4 && std::chrono::steady_clock::now() < until)
    std::this_thread::sleep_for(1ms);
  REQUIRE(taken_by("test.awaiter") == 4);
  caf::anon_send(gate, 1);
  CHECK(c.read_exactly(12) == "answer\nnext\n");
  // Idle again: handled at once, in order.
  c.send("last\n");
  CHECK(c.read_exactly(5) == "last\n");
}
