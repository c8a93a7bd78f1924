// SPDX-License-Identifier: MIT
#include "ply/actor_deferred.hpp"

#include <catch2/catch.hpp>

#include <thread>

#include <caf/actor_system.hpp>
#include <caf/actor_system_config.hpp>
#include <caf/scoped_actor.hpp>

#include "ply/testing/unhandled_failures.hpp"

using namespace ply;
using namespace std::chrono_literals;

namespace {

using get_atom = caf::atom_constant<caf::atom("get")>;
using greet_atom = caf::atom_constant<caf::atom("greet")>;
using slow_atom = caf::atom_constant<caf::atom("slow")>;
using block_atom = caf::atom_constant<caf::atom("block")>;

/// A directory whose lookups answer later: its handlers return deferreds through `respond`.
class directory : public caf::event_based_actor {
public:
  using caf::event_based_actor::event_based_actor;

  caf::behavior make_behavior() override {
    return {
      [this](get_atom, const std::string& user) -> caf::result<std::string> {
        return respond(this, lookup(user));
      },
      [this](slow_atom) -> caf::result<std::string> {
        // Answers after 300 ms, measured by a clock that runs inside this actor.
        return respond(this, defer_later(clock_, 300ms, [] { return std::string{"slow answer"}; }));
      },
      [this](block_atom) -> caf::result<std::string> {
        auto caller = std::this_thread::get_id();
        return respond(this, defer_to_thread(this, [caller] {
                         std::this_thread::sleep_for(50ms);
                         if (std::this_thread::get_id() == caller)
                           throw std::runtime_error("ran on the actor's own thread");
                         return std::string{"computed on a pool thread"};
                       }));
      },
    };
  }

private:
  deferred<std::string> lookup(const std::string& user) {
    return defer_later(clock_, 10ms, [user]() -> std::string {
      if (user == "nobody")
        throw std::runtime_error("No such user");
      return user + " is in room 42";
    });
  }

  actor_clock clock_{this};
};

/// Greets through the directory with a coroutine: co_await a request, then answer.
class greeter : public caf::event_based_actor {
public:
  greeter(caf::actor_config& cfg, caf::actor dir) : caf::event_based_actor(cfg), dir_(std::move(dir)) {
  }

  caf::behavior make_behavior() override {
    return {
      [this](greet_atom, const std::string& user) -> caf::result<std::string> {
        return respond(this, greet(user));
      },
    };
  }

private:
  deferred<std::string> greet(std::string user) {
    try {
      auto where = co_await ply::request<std::string>(this, dir_, 1s, get_atom::value, user);
      co_return "hello, " + where;
    } catch (const failure& f) {
      co_return "sorry: " + f.message();
    }
  }

  caf::actor dir_;
};

} // namespace

TEST_CASE("actors: request returns a deferred, respond answers from one, co_await in handlers",
          "[deferred][actor]") {
  ply::testing::take_unhandled_failures();
  caf::actor_system_config cfg;
  caf::actor_system sys{cfg};
  auto dir = sys.spawn<directory>();
  auto hello = sys.spawn<greeter>(dir);
  caf::scoped_actor self{sys};
  std::string got;
  self->request(hello, 5s, greet_atom::value, std::string{"ann"})
    .receive([&](std::string& s) { got = s; }, [&](caf::error& e) { got = describe(e); });
  CHECK(got == "hello, ann is in room 42");
  self->request(hello, 5s, greet_atom::value, std::string{"nobody"})
    .receive([&](std::string& s) { got = s; }, [&](caf::error& e) { got = describe(e); });
  CHECK(got == "sorry: No such user");
  // A request that times out fails its deferred with a timeout.
  self->request(dir, 100ms, slow_atom::value)
    .receive([&](std::string& s) { got = s; },
             [&](caf::error& e) { got = failure{e}.is<timeout_error>() ? "timeout" : "other"; });
  CHECK(got == "timeout");
  self->request(dir, 5s, slow_atom::value)
    .receive([&](std::string& s) { got = s; }, [&](caf::error& e) { got = describe(e); });
  CHECK(got == "slow answer");
  self->request(dir, 5s, block_atom::value)
    .receive([&](std::string& s) { got = s; }, [&](caf::error& e) { got = describe(e); });
  CHECK(got == "computed on a pool thread");
  caf::anon_send_exit(dir, caf::exit_reason::user_shutdown);
  caf::anon_send_exit(hello, caf::exit_reason::user_shutdown);
  CHECK(ply::testing::take_unhandled_failures().empty());
}
