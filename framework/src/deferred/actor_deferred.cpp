// SPDX-License-Identifier: MIT
#include "ply/actor_deferred.hpp"

#include "protocols/spawn_function.hpp"

#include <algorithm>
#include <condition_variable>
#include <deque>
#include <mutex>
#include <thread>
#include <vector>

#include <caf/actor_system.hpp>
#include <caf/response_promise.hpp>
#include <spdlog/spdlog.h>
#include <caf/send.hpp>

namespace ply::detail {

namespace {

using sleep_atom = caf::atom_constant<caf::atom("plysleep")>;
using done_atom = caf::atom_constant<caf::atom("plydone")>;

/// A finished job's promise, carried back to the relay that made it.
struct promise_box {
  caf::response_promise rp;
};

} // namespace

} // namespace ply::detail

CAF_ALLOW_UNSAFE_MESSAGE_TYPE(ply::detail::promise_box)

namespace ply {

namespace detail {

namespace {

/// The process's pool for blocking work (Twisted's reactor thread pool): `ply::run` sets its size,
/// its threads start on first use and are joined at exit.
class blocking_pool {
public:
  /// Grows at once when started; shrinks as idle threads notice.
  void resize(size_t n) {
    std::lock_guard<std::mutex> guard{mtx_};
    size_ = std::max(n, size_t{1});
    if (!threads_.empty())
      start_threads();
    cv_.notify_all();
  }

  /// Makes sure spdlog's registry exists first, so that it is destroyed after this pool at exit:
  /// the pool's threads may still be logging (a job's exception) until they are joined.
  blocking_pool() {
    spdlog::default_logger_raw();
  }

  void submit(std::function<void()> job) {
    std::lock_guard<std::mutex> guard{mtx_};
    start_threads();
    jobs_.push_back(std::move(job));
    cv_.notify_one();
  }

  ~blocking_pool() {
    {
      std::lock_guard<std::mutex> guard{mtx_};
      stopping_ = true;
      cv_.notify_all();
    }
    for (auto& t : threads_)
      t.join();
  }

private:
  /// With the lock held.
  void start_threads() {
    for (; live_ < size_; ++live_)
      threads_.emplace_back([this] { work(); });
  }

  void work() {
    for (;;) {
      std::function<void()> job;
      {
        std::unique_lock<std::mutex> guard{mtx_};
        cv_.wait(guard, [this] { return stopping_ || !jobs_.empty() || live_ > size_; });
        if (live_ > size_ || jobs_.empty()) {
          --live_;  // one too many, or stopping with nothing left to do
          return;
        }
        job = std::move(jobs_.front());
        jobs_.pop_front();
      }
      job();
    }
  }

  std::mutex mtx_;
  std::condition_variable cv_;
  std::deque<std::function<void()>> jobs_;
  std::vector<std::thread> threads_;  ///< every thread started, joined at exit
  size_t live_ = 0;                   ///< threads still taking jobs
  size_t size_ = 4;                   ///< outside `ply::run`
  bool stopping_ = false;
};

blocking_pool& pool() {
  static blocking_pool instance;
  return instance;
}

} // namespace

void submit_blocking(std::function<void()> job) {
  pool().submit(std::move(job));
}

void set_blocking_threads(size_t n) {
  pool().resize(n);
}

caf::actor spawn_thread_relay(caf::actor_system& sys) {
  return spawn_function<caf::hidden>(sys, [](caf::event_based_actor* self) -> caf::behavior {
    return {
      [self](run_atom, thread_job& job) {
        auto rp = self->make_response_promise();
        auto relay = caf::actor_cast<caf::actor>(self);
        pool().submit([job = std::move(job), rp, relay]() mutable {
          thread_result r;
          try {
            r.value = job.fn();
          } catch (...) {
            r.exception = std::current_exception();
          }
          caf::anon_send(relay, done_atom::value, std::move(r), promise_box{rp});
        });
        return rp;
      },
      [self](done_atom, thread_result& r, promise_box& box) {
        box.rp.deliver(std::move(r));
        self->quit();
      },
    };
  });
}

caf::actor spawn_timer_sink(caf::actor_system& sys) {
  return spawn_function<caf::hidden>(sys, [](caf::event_based_actor* self) -> caf::behavior {
    // Takes the request and never answers it: the requester's timeout is the timer.
    return {[self](sleep_atom) { self->make_response_promise(); }};
  });
}

} // namespace detail

time_point actor_clock::now() const {
  return std::chrono::steady_clock::now();
}

delayed_call actor_clock::call_later(duration delay, std::function<void()> fn) {
  auto st = std::make_shared<detail::call_state>(std::move(fn));
  if (!sink_)
    sink_ = detail::spawn_timer_sink(self_->system());
  self_
    ->request(sink_,
              std::chrono::duration_cast<caf::timespan>(delay), detail::sleep_atom::value)
    .then([st]() { st->fire(); }, [st](caf::error&) { st->fire(); });
  return delayed_call{st};
}

void call_in_thread(std::function<void()> fn) {
  detail::submit_blocking([fn = std::move(fn)] {
    try {
      fn();
    } catch (const std::exception& e) {
      spdlog::error("call_in_thread: the function threw: {}", e.what());
    } catch (...) {
      spdlog::error("call_in_thread: the function threw");
    }
  });
}

} // namespace ply
