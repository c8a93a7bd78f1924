// SPDX-License-Identifier: MIT
#pragma once

#include <any>
#include <coroutine>
#include <functional>
#include <memory>
#include <optional>
#include <string>
#include <type_traits>
#include <utility>
#include <variant>
#include <vector>

#include <boost/container/small_vector.hpp>

#include "ply/failure.hpp"
#include "ply/time.hpp"

namespace ply {

template <class T>
class deferred;

/// A value or a failure: what `add_both` callbacks receive and `deferred_list` reports.
template <class T>
class outcome {
public:
  explicit outcome(T value) : data_(std::move(value)) {
  }
  explicit outcome(failure f) : data_(std::move(f)) {
  }
  bool ok() const {
    return data_.index() == 0;
  }
  T& value() {
    return std::get<0>(data_);
  }
  const T& value() const {
    return std::get<0>(data_);
  }
  const failure& error() const {
    return std::get<1>(data_);
  }

private:
  std::variant<T, failure> data_;
};

template <>
class outcome<void> {
public:
  outcome() = default;
  explicit outcome(failure f) : error_(std::move(f)) {
  }
  bool ok() const {
    return !error_;
  }
  const failure& error() const {
    return *error_;
  }

private:
  std::optional<failure> error_;
};

namespace detail {

struct deferred_state;
using deferred_state_ptr = std::shared_ptr<deferred_state>;

/// What one step of a chain produced: a value, a failure, or a deferred to wait for. Holds only
/// the one it carries (this is on every deferred's hot path).
struct step_result {
  enum kind_t { value, fail, chain };

  std::variant<std::any, failure, deferred_state_ptr> data;

  kind_t kind() const {
    return static_cast<kind_t>(data.index());
  }
  std::any& val() {
    return std::get<0>(data);
  }
  failure& err() {
    return std::get<1>(data);
  }
  deferred_state_ptr& nested() {
    return std::get<2>(data);
  }

  static step_result of_value(std::any v) {
    return step_result{std::variant<std::any, failure, deferred_state_ptr>{std::in_place_index<0>,
                                                                           std::move(v)}};
  }
  static step_result of_failure(failure f) {
    return step_result{std::variant<std::any, failure, deferred_state_ptr>{std::in_place_index<1>,
                                                                           std::move(f)}};
  }
  static step_result of_chain(deferred_state_ptr d) {
    return step_result{std::variant<std::any, failure, deferred_state_ptr>{std::in_place_index<2>,
                                                                           std::move(d)}};
  }
};

/// One callback/errback pair of a chain; an empty side passes its kind of result through. Its
/// name ("callback 'parse'", "errback #3") is only spelled out when a failure records it.
struct chain_step {
  const char* kind = "step";
  std::string label;  ///< a user-given name, or empty for "#index"
  size_t index = 0;
  std::function<step_result(std::any&)> on_value;
  std::function<step_result(failure&)> on_failure;

  std::string name() const;
};

/// The type-erased chain behind every `deferred<T>` handle (Twisted's Deferred). Single-threaded:
/// use it from one actor or one reactor thread.
struct deferred_state : std::enable_shared_from_this<deferred_state> {
  ~deferred_state();

  /// callback/errback: the first result; a second one throws `already_called_error`.
  void fire(step_result r);

  /// Appends a step; runs it at once when the result is already there.
  void add(chain_step s);

  /// Cancels: runs the canceller, then fails with `reason` unless the canceller fired.
  void cancel(failure reason);

  /// Whether the result is there and no step is running or waiting.
  bool ready() const {
    return called && !paused && !running;
  }

  /// Takes the result out: from now on it is the taker's to handle (or report).
  step_result take();

  void run();
  void apply(step_result r);
  void resume(step_result r);

  /// A new step of `kind`, named `label` (or numbered).
  chain_step make_step(const char* kind, const std::string& label) {
    chain_step s;
    s.kind = kind;
    s.label = label;
    s.index = ++step_count;
    return s;
  }

  bool called = false;
  bool running = false;
  bool paused = false;
  bool cancelled = false;
  bool is_failure = false;
  std::any value;
  failure err;
  /// steps[next_step..] are still to run; most chains have one or two, kept inline.
  boost::container::small_vector<chain_step, 2> steps;
  size_t next_step = 0;
  size_t step_count = 0;
  std::function<void()> canceller;
  std::weak_ptr<deferred_state> waiting_on;
  delayed_call timeout;
};

template <class U>
struct is_deferred : std::false_type {};

template <class U>
struct is_deferred<deferred<U>> : std::true_type {};

/// The value type a step's return type gives the chain: deferred<U> → U, else itself.
template <class U>
struct unwrap {
  using type = U;
};

template <class U>
struct unwrap<deferred<U>> {
  using type = U;
};

/// Calls `f(xs...)` and packs what it returned.
template <class F, class... Xs>
step_result invoke_step(F& f, Xs&&... xs) {
  using R = std::invoke_result_t<F&, Xs...>;
  if constexpr (std::is_void_v<R>) {
    f(std::forward<Xs>(xs)...);
    return step_result::of_value({});
  } else if constexpr (is_deferred<R>::value) {
    return step_result::of_chain(f(std::forward<Xs>(xs)...).state());
  } else {
    return step_result::of_value(std::any{f(std::forward<Xs>(xs)...)});
  }
}

/// The stored value of a chain of `T` (thrown as a failure when a consumer already took it).
template <class T>
T&& value_of(std::any& v) {
  auto* p = std::any_cast<T>(&v);
  if (p == nullptr)
    throw std::logic_error("deferred result was already consumed (by co_await or chaining)");
  return std::move(*p);
}

/// Calls a callback with the chain's value (or with nothing for a chain of void).
template <class T, class F>
step_result call_with_value(F& f, std::any& v) {
  if constexpr (std::is_void_v<T>)
    return invoke_step(f);
  else
    return invoke_step(f, value_of<T>(v));
}

template <class T, class F>
struct callback_result {
  using type = std::invoke_result_t<F&, T&&>;
};

template <class F>
struct callback_result<void, F> {
  using type = std::invoke_result_t<F&>;
};

/// What a callback returns for a chain of `T`.
template <class T, class F>
using callback_result_t = typename callback_result<T, F>::type;

/// Records an unhandled failure: logged at error level and kept for `ply::testing`.
void report_unhandled(const failure& f);

} // namespace detail

/// A result that is not there yet (Twisted's Deferred): callbacks and errbacks chain on it, and
/// each may change the value's type (`add_callback` returns the new handle). Copies of a handle
/// share one chain. A failure that reaches the end of the chain unhandled is logged when the last
/// handle goes away. Single-threaded: use a deferred from one actor or one reactor thread.
template <class T>
class deferred {
public:
  using value_type = T;
  struct promise_type;

  deferred() : st_(std::make_shared<detail::deferred_state>()) {
  }

  explicit deferred(detail::deferred_state_ptr st) : st_(std::move(st)) {
  }

  /// Fires the chain with a value (none for `deferred<void>`); a second fire throws
  /// `already_called_error` (silently ignored after `cancel`, as a late answer is expected then).
  template <class... Us>
  void callback(Us&&... xs) {
    auto keep = st_;  // a callback may drop this very handle
    if constexpr (std::is_void_v<T>) {
      static_assert(sizeof...(Us) == 0, "deferred<void>::callback takes no value");
      keep->fire(detail::step_result::of_value({}));
    } else {
      keep->fire(detail::step_result::of_value(std::any{T(std::forward<Us>(xs)...)}));
    }
  }

  /// Fires the chain with a failure.
  void errback(failure f) {
    auto keep = st_;
    keep->fire(detail::step_result::of_failure(std::move(f)));
  }

  void errback(caf::error err) {
    errback(failure{std::move(err)});
  }

  /// Whether the chain has its first result.
  bool called() const {
    return st_->called;
  }

  /// Cancels the operation: the canceller runs, and unless it fired the deferred, the chain fails
  /// with `cancelled_error`. Waiting on a nested deferred, it cancels that one.
  void cancel() {
    auto keep = st_;
    keep->cancel(failure::of(cancelled_error{"deferred cancelled"}));
  }

  /// What `cancel` does to the underlying operation (abort a request, stop a timer).
  deferred& set_canceller(std::function<void()> fn) {
    st_->canceller = std::move(fn);
    return *this;
  }

  /// Adds a callback `f(T) -> U` (or `f() -> U` for void); `U` may be a deferred, which the chain
  /// waits for. A throwing callback switches the chain to failure.
  template <class F>
  auto add_callback(F f, const std::string& name = {}) {
    using R = detail::callback_result_t<T, F>;
    using U = typename detail::unwrap<R>::type;
    auto s = st_->make_step("callback", name);
    s.on_value = [f = std::move(f)](std::any& v) mutable {
      return detail::call_with_value<T>(f, v);
    };
    deferred<U> next{st_};  // also keeps the chain alive while the step may run at once
    next.state()->add(std::move(s));
    return next;
  }

  /// Adds an errback `f(const failure&) -> T` (or a deferred of T): it recovers with a value, or
  /// throws (`f.trap<E>()`, or any exception) to pass a failure on to the next errback.
  template <class F>
  deferred<T> add_errback(F f, const std::string& name = {}) {
    using R = std::invoke_result_t<F&, failure&>;
    static_assert(std::is_same_v<typename detail::unwrap<R>::type, T>,
                  "an errback must recover with the chain's value type (or throw)");
    auto s = st_->make_step("errback", name);
    s.on_failure = [f = std::move(f)](failure& err) mutable { return detail::invoke_step(f, err); };
    deferred<T> next{st_};
    next.state()->add(std::move(s));
    return next;
  }

  /// Adds a callback and an errback as one step (Twisted's addCallbacks): `cb` runs on a value,
  /// `eb` on a failure, never both, and neither sees what the other returned.
  template <class CB, class EB>
  auto add_callbacks(CB cb, EB eb, const std::string& name = {}) {
    using U1 = typename detail::unwrap<detail::callback_result_t<T, CB>>::type;
    using U2 = typename detail::unwrap<std::invoke_result_t<EB&, failure&>>::type;
    static_assert(std::is_same_v<U1, U2>, "callback and errback must produce the same type");
    auto s = st_->make_step("callbacks", name);
    s.on_value = [cb = std::move(cb)](std::any& v) mutable {
      return detail::call_with_value<T>(cb, v);
    };
    s.on_failure = [eb = std::move(eb)](failure& err) mutable {
      return detail::invoke_step(eb, err);
    };
    deferred<U1> next{st_};
    next.state()->add(std::move(s));
    return next;
  }

  /// Adds `f(outcome<T>) -> U` for both results (Twisted's addBoth): what it returns replaces the
  /// result, so a failure counts as handled unless `f` re-raises it.
  template <class F>
  auto add_both(F f, const std::string& name = {}) {
    using R = std::invoke_result_t<F&, outcome<T>>;
    using U = typename detail::unwrap<R>::type;
    auto shared = std::make_shared<F>(std::move(f));
    auto s = st_->make_step("both", name);
    s.on_value = [shared](std::any& v) {
      if constexpr (std::is_void_v<T>)
        return detail::invoke_step(*shared, outcome<void>{});
      else
        return detail::invoke_step(*shared, outcome<T>{detail::value_of<T>(v)});
    };
    s.on_failure = [shared](failure& err) { return detail::invoke_step(*shared, outcome<T>{err}); };
    deferred<U> next{st_};  // also keeps the chain alive while the step may run at once
    next.state()->add(std::move(s));
    return next;
  }

  /// Fails with `timeout_error` (and cancels the operation) unless the chain fires within `d` on
  /// clock `clk`, which must run on this deferred's thread.
  deferred& add_timeout(clock& clk, duration d) {
    if (st_->called)
      return *this;  // nothing left to time out
    // The pending timeout keeps the chain alive (as Twisted's reactor does): firing or
    // cancelling the call releases it.
    auto ms = std::chrono::duration_cast<std::chrono::milliseconds>(d).count();
    st_->timeout = clk.call_later(d, [st = st_, ms] {
      if (!st->called)
        st->cancel(failure::of(timeout_error{"timed out after " + std::to_string(ms) + " ms"}));
    });
    return *this;
  }

  /// The chain behind this handle.
  const detail::deferred_state_ptr& state() const {
    return st_;
  }

private:
  detail::deferred_state_ptr st_;
};

// -- coroutines -----------------------------------------------------------------------------------

namespace detail {

/// Links a coroutine's deferred to the deferred it awaits, so that cancelling the one cancels the
/// other (as Twisted's ensureDeferred does).
struct coroutine_link {
  std::weak_ptr<deferred_state> awaiting;
};

template <class T>
struct promise_return {
  deferred<T> result;
  void return_value(T v) {
    result.callback(std::move(v));
  }
};

template <>
struct promise_return<void> {
  deferred<void> result;
  void return_void() {
    result.callback();
  }
};

/// Resumes a coroutine once; destroys its frame if the awaited deferred goes away unfired.
struct coroutine_resumer {
  explicit coroutine_resumer(std::coroutine_handle<> h) : handle(h) {
  }
  ~coroutine_resumer() {
    if (!resumed)
      handle.destroy();
  }
  void resume() {
    resumed = true;
    handle.resume();
  }
  std::coroutine_handle<> handle;
  bool resumed = false;
};

template <class T>
struct deferred_awaiter {
  deferred_state_ptr st;
  step_result res;

  bool await_ready() {
    if (st->ready()) {
      res = st->take();
      return true;
    }
    return false;
  }

  template <class P>
  void await_suspend(std::coroutine_handle<P> h) {
    if constexpr (requires { h.promise().link; })
      h.promise().link->awaiting = st;
    auto resumer = std::make_shared<coroutine_resumer>(h);
    chain_step s;
    s.kind = "co_await";
    s.on_value = [this, resumer](std::any& v) {
      res = step_result::of_value(std::move(v));
      resumer->resume();
      return step_result::of_value({});
    };
    s.on_failure = [this, resumer](failure& f) {
      res = step_result::of_failure(f);
      resumer->resume();
      return step_result::of_value({});
    };
    // The frame must not own the awaited chain: whoever fires it does (or drops it).
    auto keep = std::move(st);
    keep->add(std::move(s));
  }

  T await_resume() {
    if (res.kind() == step_result::fail)
      res.err().raise();
    if constexpr (!std::is_void_v<T>)
      return value_of<T>(res.val());
  }
};

} // namespace detail

/// A coroutine returning `deferred<T>` (Twisted's inlineCallbacks): `co_await` other deferreds,
/// `co_return` the value; an escaping exception fails the deferred.
template <class T>
struct deferred<T>::promise_type : detail::promise_return<T> {
  std::shared_ptr<detail::coroutine_link> link = std::make_shared<detail::coroutine_link>();

  deferred<T> get_return_object() {
    this->result.set_canceller([l = link] {
      if (auto awaited = l->awaiting.lock())
        awaited->cancel(failure::of(cancelled_error{"deferred cancelled"}));
    });
    return this->result;
  }
  std::suspend_never initial_suspend() noexcept {
    return {};
  }
  std::suspend_never final_suspend() noexcept {
    return {};
  }
  void unhandled_exception() {
    this->result.errback(failure::current());
  }
};

/// `co_await d`: the value, or the failure thrown as its original exception (or as `failure`).
template <class T>
detail::deferred_awaiter<T> operator co_await(deferred<T> d) {
  return detail::deferred_awaiter<T>{d.state(), {}};
}

// -- helpers --------------------------------------------------------------------------------------

/// An already fired deferred (Twisted's succeed).
template <class T>
deferred<T> succeed(T value) {
  deferred<T> d;
  d.callback(std::move(value));
  return d;
}

inline deferred<void> succeed() {
  deferred<void> d;
  d.callback();
  return d;
}

/// An already failed deferred (Twisted's fail).
template <class T>
deferred<T> fail(failure f) {
  deferred<T> d;
  d.errback(std::move(f));
  return d;
}

/// Calls `f()` and always returns a deferred: of its value, its deferred, or its exception.
template <class F>
auto maybe_deferred(F f) {
  using R = std::invoke_result_t<F&>;
  using U = typename detail::unwrap<R>::type;
  try {
    if constexpr (detail::is_deferred<R>::value)
      return f();
    else if constexpr (std::is_void_v<R>)
      return (f(), succeed());
    else
      return succeed<U>(f());
  } catch (...) {
    return fail<U>(failure::current());
  }
}

/// Runs `f` after `delay` on `clk` and fires with what it returns; cancelling stops the timer.
template <class F>
auto defer_later(clock& clk, duration delay, F f) {
  using U = std::invoke_result_t<F&>;
  deferred<U> d;
  auto call = clk.call_later(delay, [d, f = std::move(f)]() mutable {
    try {
      if constexpr (std::is_void_v<U>) {
        f();
        d.callback();
      } else {
        d.callback(f());
      }
    } catch (...) {
      d.errback(failure::current());
    }
  });
  d.set_canceller([call]() mutable { call.cancel(); });
  return d;
}

/// All results in order, or the first failure (Twisted's gatherResults with consumeErrors): the
/// other failures count as handled.
template <class T>
deferred<std::vector<T>> gather(std::vector<deferred<T>> ds) {
  static_assert(!std::is_void_v<T>, "gather needs values");
  struct state {
    std::vector<std::optional<T>> values;
    size_t left;
    bool done = false;
    deferred<std::vector<T>> result;
  };
  auto st = std::make_shared<state>();
  st->values.resize(ds.size());
  st->left = ds.size();
  if (ds.empty())
    st->result.callback(std::vector<T>{});
  for (size_t i = 0; i < ds.size(); ++i)
    ds[i].add_both([st, i](outcome<T> o) {
      if (st->done)
        return;
      if (!o.ok()) {
        st->done = true;
        st->result.errback(o.error());
        return;
      }
      st->values[i] = std::move(o.value());
      if (--st->left == 0) {
        st->done = true;
        std::vector<T> out;
        for (auto& v : st->values)
          out.push_back(std::move(*v));
        st->result.callback(std::move(out));
      }
    });
  return st->result;
}

/// Every outcome in order, each with its success flag (Twisted's DeferredList with consumeErrors).
template <class T>
deferred<std::vector<outcome<T>>> deferred_list(std::vector<deferred<T>> ds) {
  static_assert(!std::is_void_v<T>, "deferred_list needs values");
  struct state {
    std::vector<std::optional<outcome<T>>> outcomes;
    size_t left;
    deferred<std::vector<outcome<T>>> result;
  };
  auto st = std::make_shared<state>();
  st->outcomes.resize(ds.size());
  st->left = ds.size();
  if (ds.empty())
    st->result.callback(std::vector<outcome<T>>{});
  for (size_t i = 0; i < ds.size(); ++i)
    ds[i].add_both([st, i](outcome<T> o) {
      st->outcomes[i].emplace(std::move(o));
      if (--st->left == 0) {
        std::vector<outcome<T>> out;
        for (auto& v : st->outcomes)
          out.push_back(std::move(*v));
        st->result.callback(std::move(out));
      }
    });
  return st->result;
}

/// The first value (with its index); the others are cancelled then. Fails only if all fail, with
/// the last failure.
template <class T>
deferred<std::pair<size_t, T>> race(std::vector<deferred<T>> ds) {
  static_assert(!std::is_void_v<T>, "race needs values");
  struct state {
    std::vector<deferred<T>> all;
    size_t failed = 0;
    bool done = false;
    deferred<std::pair<size_t, T>> result;
  };
  auto st = std::make_shared<state>();
  st->all = ds;
  for (size_t i = 0; i < ds.size(); ++i)
    ds[i].add_both([st, i](outcome<T> o) {
      if (st->done)
        return;
      if (o.ok()) {
        st->done = true;
        st->result.callback(std::make_pair(i, std::move(o.value())));
        for (size_t j = 0; j < st->all.size(); ++j)
          if (j != i)
            st->all[j].cancel();
        st->all.clear();
      } else if (++st->failed == st->all.size()) {
        st->done = true;
        st->result.errback(o.error());
        st->all.clear();
      }
    });
  return st->result;
}

} // namespace ply
