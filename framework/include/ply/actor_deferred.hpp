// SPDX-License-Identifier: MIT
#pragma once

#include <any>
#include <exception>
#include <functional>
#include <utility>

#include <caf/actor.hpp>
#include <caf/allowed_unsafe_message_type.hpp>
#include <caf/atom.hpp>
#include <caf/event_based_actor.hpp>
#include <caf/fwd.hpp>
#include <caf/result.hpp>

#include "ply/deferred.hpp"
#include "ply/time.hpp"

namespace ply {

namespace detail {

using run_atom = caf::atom_constant<caf::atom("plyrun")>;

/// Blocking work for the thread pool, and what it produced.
struct thread_job {
  std::function<std::any()> fn;
};

struct thread_result {
  std::any value;
  std::exception_ptr exception;
};

/// A short-lived actor that takes one blocking job, runs it on the process's thread pool, answers
/// with its `thread_result` (from its own context, as CAF requires) and quits.
caf::actor spawn_thread_relay(caf::actor_system& sys);

/// Queues blocking `job` on the process's thread pool.
void submit_blocking(std::function<void()> job);

/// Sets how many threads that pool has (`ply::run` sets it from `run_options::threadpool_size`).
void set_blocking_threads(size_t n);

/// An actor that never answers: requests to it time out, which is how `actor_clock` sleeps.
caf::actor spawn_timer_sink(caf::actor_system& sys);

} // namespace detail

} // namespace ply

CAF_ALLOW_UNSAFE_MESSAGE_TYPE(ply::detail::thread_job)
CAF_ALLOW_UNSAFE_MESSAGE_TYPE(ply::detail::thread_result)

namespace ply {

/// A clock whose calls run inside an actor, between its messages (so a deferred's timeout never
/// races the actor). Works for any event-based actor; built on CAF's request timeouts.
class actor_clock final : public clock {
public:
  explicit actor_clock(caf::event_based_actor* self) : self_(self) {
  }

  time_point now() const override;
  delayed_call call_later(duration delay, std::function<void()> fn) override;

private:
  caf::event_based_actor* self_;
  caf::actor sink_;  // spawned on first use; goes away with the clock
};

/// Asks `dest` and returns a deferred of the response type `R` (void for an empty response). It
/// fails with the request's error, `timeout_error` after `timeout`. Inside an actor class, spell it
/// `ply::request` (the actor's own `request` member hides it).
template <class R, class Self, class Dest, class... Ts>
deferred<R> request(Self* self, const Dest& dest, caf::timespan timeout, Ts&&... xs) {
  deferred<R> d;
  auto handle = self->request(dest, timeout, std::forward<Ts>(xs)...);
  if constexpr (std::is_void_v<R>)
    handle.then([d]() mutable { d.callback(); }, [d](caf::error& err) mutable { d.errback(err); });
  else
    handle.then([d](R& x) mutable { d.callback(std::move(x)); },
                [d](caf::error& err) mutable { d.errback(err); });
  return d;
}

/// Answers the current request when `d` fires: return it from a message handler.
/// `[this](get_atom, std::string user) -> caf::result<std::string> { return respond(this, get(user)); }`
template <class T, class Self>
caf::result<T> respond(Self* self, deferred<T> d) {
  static_assert(!std::is_void_v<T>, "respond needs a value; answer caf::unit for none");
  auto rp = self->template make_response_promise<T>();
  d.add_both([rp](outcome<T> o) mutable {
    if (o.ok())
      rp.deliver(std::move(o.value()));
    else
      rp.deliver(o.error().error());
  });
  return rp;
}

/// Runs blocking `fn` on the process's thread pool (Twisted's callInThread), the pool that
/// `defer_to_thread` uses; it returns nothing, and an exception it throws is logged. To get back
/// to the reactor from there, use `reactor::call_from_thread`, or send a message.
void call_in_thread(std::function<void()> fn);

/// Runs blocking `f` on the thread pool; the deferred fires back inside `self`, between messages.
template <class Self, class F>
auto defer_to_thread(Self* self, F f) {
  using U = std::invoke_result_t<F&>;
  deferred<U> d;
  detail::thread_job job{[f = std::move(f)]() mutable -> std::any {
    if constexpr (std::is_void_v<U>) {
      f();
      return {};
    } else {
      return std::any{f()};
    }
  }};
  self
    ->request(detail::spawn_thread_relay(self->system()), caf::infinite, detail::run_atom::value,
              std::move(job))
    .then(
      [d](detail::thread_result& r) mutable {
        if (r.exception) {
          d.errback(failure{r.exception});
        } else if constexpr (std::is_void_v<U>) {
          d.callback();
        } else {
          d.callback(std::move(*std::any_cast<U>(&r.value)));
        }
      },
      [d](caf::error& err) mutable { d.errback(err); });
  return d;
}

} // namespace ply
