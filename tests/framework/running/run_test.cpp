// SPDX-License-Identifier: MIT
// ply::run as a program uses it: the thread pool for blocking work takes the size asked for, and
// a second run while one is running is a clear error.
#include "ply/run_options.hpp"

#include <catch2/catch.hpp>

#include <condition_variable>
#include <mutex>
#include <set>
#include <thread>

#include "ply/actor_deferred.hpp"

using namespace std::chrono_literals;

TEST_CASE("run_options::threadpool_size is how many threads run blocking work", "[run]") {
  constexpr size_t size = 3;
  std::mutex mtx;
  std::condition_variable cv;
  size_t waiting = 0;
  bool all_at_once = false;
  std::set<std::thread::id> threads;
  size_t done = 0;
  constexpr size_t jobs = 40;
  ply::run_options opts;
  opts.threadpool_size = size;
  opts.setup = [&](ply::reactor& r) {
    // The first `size` jobs wait for each other: they finish only if they run at once.
    for (size_t i = 0; i < jobs; ++i)
      ply::call_in_thread([&, i, &r = r] {
        std::unique_lock<std::mutex> guard{mtx};
        threads.insert(std::this_thread::get_id());
        if (i < size) {
          ++waiting;
          cv.notify_all();
          if (cv.wait_for(guard, 10s, [&] { return waiting == size; }))
            all_at_once = true;
        }
        if (++done == jobs)
          r.call_from_thread([&r] { r.stop(0); });
      });
  };
  CHECK(ply::run(std::move(opts)) == 0);
  std::lock_guard<std::mutex> guard{mtx};
  CHECK(all_at_once);
  CHECK(threads.size() == size);  // 40 jobs, never more threads than asked for
}

TEST_CASE("ply::run while ply::run runs is exit code 2, and after it ended it runs again",
          "[run]") {
  int nested = -1;
  ply::run_options opts;
  opts.setup = [&](ply::reactor& r) {
    ply::run_options again;
    again.setup = [](ply::reactor& r2) { r2.stop(0); };
    nested = ply::run(std::move(again));
    r.stop(0);
  };
  CHECK(ply::run(std::move(opts)) == 0);
  CHECK(nested == 2);
  ply::run_options later;
  later.setup = [](ply::reactor& r) { r.stop(7); };
  CHECK(ply::run(std::move(later)) == 7);
}
