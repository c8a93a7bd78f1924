// SPDX-License-Identifier: MIT
#include "ply/time.hpp"

#include <catch2/catch.hpp>

#include <vector>

#include "ply/testing/manual_clock.hpp"

using namespace std::chrono_literals;
using ply::testing::manual_clock;

TEST_CASE("manual clock fires calls in time order", "[time]") {
  manual_clock clk;
  std::vector<int> order;
  clk.call_later(30ms, [&] { order.push_back(3); });
  clk.call_later(10ms, [&] { order.push_back(1); });
  clk.call_later(20ms, [&] { order.push_back(2); });
  CHECK(clk.advance(15ms) == 1);
  CHECK(order == std::vector<int>{1});
  CHECK(clk.advance(15ms) == 2);
  CHECK(order == std::vector<int>{1, 2, 3});
}

TEST_CASE("cancelled calls never fire and cancel reports it once", "[time]") {
  manual_clock clk;
  bool fired = false;
  auto call = clk.call_later(10ms, [&] { fired = true; });
  CHECK(call.active());
  CHECK(call.cancel());
  CHECK_FALSE(call.cancel());
  CHECK_FALSE(call.active());
  clk.advance(1s);
  CHECK_FALSE(fired);
  auto done = clk.call_later(1ms, [] {});
  clk.advance(1ms);
  CHECK_FALSE(done.active());
  CHECK_FALSE(done.cancel());
}

TEST_CASE("a call scheduled by a call fires within the same advance", "[time]") {
  manual_clock clk;
  std::vector<int> order;
  clk.call_later(10ms, [&] {
    order.push_back(1);
    clk.call_later(5ms, [&] { order.push_back(2); });
  });
  clk.advance(20ms);
  CHECK(order == std::vector<int>{1, 2});
}

TEST_CASE("looping call ticks every interval and stops itself", "[time]") {
  manual_clock clk;
  std::unique_ptr<ply::looping_call> loop;
  loop = std::make_unique<ply::looping_call>(clk, [&] {
    if (loop->calls() == 3)
      loop->stop();
  });
  loop->start(100ms);
  CHECK(loop->calls() == 1);  // `now` defaults to true
  clk.advance(99ms);
  CHECK(loop->calls() == 1);
  clk.advance(1ms);
  CHECK(loop->calls() == 2);
  clk.advance(100ms);
  CHECK(loop->calls() == 3);
  CHECK_FALSE(loop->running());
  clk.advance(1s);
  CHECK(loop->calls() == 3);
  CHECK(clk.pending() == 0);
}

TEST_CASE("looping call skips ticks missed while time jumped, without drift", "[time]") {
  manual_clock clk;
  size_t calls = 0;
  ply::looping_call loop{clk, [&] { ++calls; }};
  loop.start(100ms, false);
  CHECK(calls == 0);
  clk.advance(100ms);
  CHECK(calls == 1);
  // One advance of 350ms fires the ticks due at 200, 300 and 400 ms: each reschedules itself.
  clk.advance(350ms);
  CHECK(calls == 4);
  loop.stop();
  CHECK(clk.pending() == 0);
}
