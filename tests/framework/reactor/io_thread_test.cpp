// SPDX-License-Identifier: MIT
// A reactor thread: its own epoll set with Asio's inside, woken by posts from other threads.

#include <catch2/catch.hpp>

#include <filesystem>
#include <future>
#include <memory>
#include <thread>

#include <caf/actor_system.hpp>
#include <caf/actor_system_config.hpp>

#include "reactor/io_thread.hpp"

using namespace ply::detail;
using namespace std::chrono_literals;

namespace {

struct thread_fixture {
  caf::actor_system_config cfg;
  caf::actor_system sys{cfg};

  /// A started thread that looks at Asio's queue by itself only after `quiet`: within a test's
  /// limits, only a wake-up brings work in.
  std::shared_ptr<io_thread> started(std::chrono::milliseconds quiet = std::chrono::hours(1)) {
    auto t = std::make_shared<io_thread>(sys, 0);
    t->quiet_spell = quiet;
    t->start_thread();
    return t;
  }
};

/// Runs `f` on `t` from the calling thread and waits (at most `limit`) until it ran.
bool runs_on(io_thread& t, std::chrono::milliseconds limit) {
  auto done = std::make_shared<std::promise<bool>>();
  auto fut = done->get_future();
  t.post([&t, done] { done->set_value(t.in_thread()); });
  return fut.wait_for(limit) == std::future_status::ready && fut.get();
}

} // namespace

TEST_CASE("io_thread: waits in its own set, with Asio's inside it, or nested when asked",
          "[reactor]") {
  thread_fixture fx;
  auto own = std::make_shared<io_thread>(fx.sys, 0);
  // The own loop needs /proc to find Asio's set; without it the thread says so and nests.
  CHECK(own->nested() == !std::filesystem::exists("/proc/self/fdinfo"));
  auto nested = std::make_shared<io_thread>(fx.sys, 1, io_thread::loop_kind::nested);
  CHECK(nested->nested());
  for (auto* t : {own.get(), nested.get()}) {
    t->start_thread();
    CHECK(runs_on(*t, 30s));
    t->stop();
  }
}

TEST_CASE("io_thread: a post from another thread wakes it, asleep or busy", "[reactor]") {
  thread_fixture fx;
  auto t = fx.started();
  for (int i = 0; i < 50; ++i) {
    if (i % 10 == 0)
      std::this_thread::sleep_for(20ms);  // most likely asleep in epoll_wait by now
    REQUIRE(runs_on(*t, 30s));
  }
  // Posts from several threads at once, while the thread runs what came before.
  std::vector<std::future<bool>> all;
  for (int i = 0; i < 4; ++i)
    all.push_back(std::async(std::launch::async, [&t] {
      for (int j = 0; j < 100; ++j)
        if (!runs_on(*t, 30s))
          return false;
      return true;
    }));
  for (auto& f : all)
    CHECK(f.get());
  t->stop();
}

TEST_CASE("io_thread: a post behind a completion Asio queued itself still runs at once",
          "[reactor]") {
  thread_fixture fx;
  auto t = fx.started();
  for (int i = 0; i < 20; ++i) {
    // Cancelling a timer queues its aborted completion in Asio, counted by nobody; the next post
    // lands behind it.
    auto timer = std::make_shared<asio::steady_timer>(t->ioc, std::chrono::hours(1));
    auto aborted = std::make_shared<std::promise<bool>>();
    auto fut = aborted->get_future();
    t->post([timer, aborted] {
      timer->async_wait([aborted](const boost::system::error_code& ec) {
        aborted->set_value(ec == asio::error::operation_aborted);
      });
    });
    t->post([timer] { timer->cancel(); });
    std::this_thread::sleep_for(5ms);
    REQUIRE(runs_on(*t, 30s));
    REQUIRE(fut.wait_for(30s) == std::future_status::ready);
    CHECK(fut.get());
  }
  t->stop();
}

TEST_CASE("io_thread: Asio's timers and a stop from another thread reach the sleeping thread",
          "[reactor]") {
  thread_fixture fx;
  auto t = fx.started();
  std::this_thread::sleep_for(20ms);
  // A timer started from this thread: Asio arms its timer descriptor, inside the thread's set.
  auto fired = std::make_shared<std::promise<bool>>();
  auto fut = fired->get_future();
  asio::steady_timer timer{t->ioc, 10ms};
  timer.async_wait([&t, fired](const boost::system::error_code& ec) {
    fired->set_value(!ec && t->in_thread());
  });
  REQUIRE(fut.wait_for(30s) == std::future_status::ready);
  CHECK(fut.get());
  std::this_thread::sleep_for(20ms);
  auto stopped = std::async(std::launch::async, [&t] { t->stop(); });
  CHECK(stopped.wait_for(30s) == std::future_status::ready);
}

TEST_CASE("io_thread: what Asio queues without waking it still runs within the quiet spell",
          "[reactor]") {
  thread_fixture fx;
  auto t = fx.started(20ms);
  std::this_thread::sleep_for(50ms);
  auto ran = std::make_shared<std::promise<void>>();
  auto fut = ran->get_future();
  asio::post(t->ioc, [ran] { ran->set_value(); });  // past io_thread::post: no wake-up
  CHECK(fut.wait_for(30s) == std::future_status::ready);
  t->stop();
}
