// SPDX-License-Identifier: MIT
// The deferred examples as a user runs them.
#include <catch2/catch.hpp>

#include "process.hpp"

using namespace ply::test;

namespace {

const std::string crew = "asking for the crew's names\nDave\nFrank\nHAL\nPoole\n"
                         "Open the pod bay doors, HAL.\n"
                         "HAL: I'm sorry, Dave. I'm afraid I can't do that.\n";

} // namespace

TEST_CASE("deferred_callbacks runs its chain in order and stops", "[examples][deferred]") {
  process p{{bin("deferred_callbacks"), "--scale", "0.01"}};
  CHECK(p.wait() == 0);
  CHECK(p.output() == crew);
}

TEST_CASE("coroutine_chain prints the same as deferred_callbacks", "[examples][deferred]") {
  process p{{bin("coroutine_chain"), "--scale", "0.01"}};
  CHECK(p.wait() == 0);
  CHECK(p.output() == crew);
}

TEST_CASE("deferred_errbacks: timeouts go to their errback, the rest to the next, with a traceback",
          "[examples][deferred]") {
  process p{{bin("deferred_errbacks"), "--scale", "0.01"}};
  CHECK(p.wait() == 0);
  CHECK(p.output()
        == "ok:\n  got the answer is 42\n"
           "fail:\n  traceback: the server rejected the request\n"
           "  at callback 'format' (skipped)\n  at errback 'only_timeouts' (re-raised)\n"
           "  failed: the server rejected the request\n"
           "hang:\n  (the hanging operation was cancelled)\n  gave up waiting: timed out after 30 ms\n");
}

TEST_CASE("nonblocking_delay: Hello first, the reactor free meanwhile, then the delays in order",
          "[examples][deferred]") {
  auto started = std::chrono::steady_clock::now();
  process p{{bin("nonblocking_delay"), "--scale", "0.01"}};
  CHECK(p.wait() == 0);
  CHECK(std::chrono::steady_clock::now() - started < std::chrono::seconds(1));
  CHECK(p.output()
        == "Hello\n(the reactor is free meanwhile)\n10 seconds have passed\n30 seconds have passed\n"
           "done\n");
}

TEST_CASE("finger_deferred answers known and unknown users", "[examples][deferred]") {
  process server{{bin("finger_deferred"), "--port", "tcp:0:interface=127.0.0.1", "--user",
                  "alice=Happy and well", "--user", "bob=Out to lunch"}};
  auto port = server.port();
  REQUIRE(port != 0);
  auto ask = [&](const std::string& user) {
    return shell("printf \"" + user + "\\r\\n\" | nc -w 3 127.0.0.1 " + std::to_string(port));
  };
  CHECK(ask("alice") == "Happy and well\r\n");
  CHECK(ask("bob") == "Out to lunch\r\n");
  CHECK(ask("mallory") == "No such user\r\n");
  process bad{{bin("finger_deferred"), "--user", "no-equals-sign"}};
  CHECK(bad.wait() == 2);
  CHECK_THAT(bad.log(), Catch::Contains("wants NAME=VALUE, got 'no-equals-sign'"));
}
