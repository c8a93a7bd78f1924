// SPDX-License-Identifier: MIT
#include "ply/deferred.hpp"

#include <spdlog/spdlog.h>

#include "ply/trace.hpp"

namespace ply {

namespace detail {

deferred_state::~deferred_state() {
  timeout.cancel();
  if (called && is_failure && !paused)
    report_unhandled(err);
}

std::string chain_step::name() const {
  if (!label.empty())
    return std::string{kind} + " '" + label + "'";
  if (index == 0)
    return kind;
  return std::string{kind} + " #" + std::to_string(index);
}

void deferred_state::fire(step_result r) {
  if (called) {
    if (cancelled)
      return;  // the operation answered after it was cancelled: expected, not an error
    throw already_called_error{"deferred fired twice (callback or errback after it already had a "
                               "result)"};
  }
  called = true;
  timeout.cancel();
  if (trace::on())
    trace::record("deferred", r.kind() == step_result::fail
                                ? "\"state\":\"failed\",\"what\":" + trace::quote(r.err().message())
                                : std::string{"\"state\":\"fired\""});
  apply(std::move(r));
  run();
}

void deferred_state::add(chain_step s) {
  steps.push_back(std::move(s));
  run();
}

void deferred_state::cancel(failure reason) {
  if (!called) {
    cancelled = true;
    if (canceller) {
      auto fn = std::move(canceller);
      canceller = nullptr;
      fn();
    }
    if (!called) {
      fire(step_result::of_failure(std::move(reason)));
    } else if (is_failure && err.is<cancelled_error>() && !reason.is<cancelled_error>()) {
      // A timeout that cancelled: report the timeout, not the cancellation it caused.
      err = std::move(reason);
    }
  } else if (paused) {
    if (auto nested = waiting_on.lock())
      nested->cancel(std::move(reason));
  }
}

step_result deferred_state::take() {
  auto r = is_failure ? step_result::of_failure(std::move(err)) : step_result::of_value(std::move(value));
  is_failure = false;
  value.reset();
  err = failure{};
  return r;
}

void deferred_state::apply(step_result r) {
  switch (r.kind()) {
    case step_result::value:
      value = std::move(r.val());
      is_failure = false;
      break;
    case step_result::fail:
      err = std::move(r.err());
      is_failure = true;
      break;
    case step_result::chain: {
      auto nested = std::move(r.nested());
      if (nested.get() == this) {
        err = failure::of(std::logic_error{"a callback returned the deferred it belongs to"});
        is_failure = true;
        break;
      }
      if (nested->ready()) {
        apply(nested->take());
        break;
      }
      // Wait for the nested deferred; its result becomes ours (and is handled there).
      paused = true;
      waiting_on = nested;
      chain_step s;
      s.kind = "resume outer chain";
      auto self = shared_from_this();
      s.on_value = [self](std::any& v) {
        self->resume(step_result::of_value(std::move(v)));
        return step_result::of_value({});
      };
      s.on_failure = [self](failure& f) {
        self->resume(step_result::of_failure(f));
        return step_result::of_value({});
      };
      nested->add(std::move(s));
      break;
    }
  }
}

void deferred_state::resume(step_result r) {
  paused = false;
  waiting_on.reset();
  apply(std::move(r));
  run();
}

void deferred_state::run() {
  if (running || paused || !called)
    return;
  // Callers hold a strong reference while this runs (handles keep a copy, nested chains are
  // held by their resume step), so a step that drops the last outside handle is safe.
  running = true;
  while (next_step < steps.size() && !paused) {
    auto s = std::move(steps[next_step++]);
    if (is_failure && !s.on_failure) {
      err.add_step(s.name() + " (skipped)");
      continue;
    }
    if (!is_failure && !s.on_value)
      continue;
    try {
      apply(is_failure ? s.on_failure(err) : s.on_value(value));
    } catch (...) {
      auto f = failure::current();
      f.add_step(s.name() + (is_failure ? " (re-raised)" : " (raised)"));
      err = std::move(f);
      is_failure = true;
      value.reset();
    }
  }
  if (next_step == steps.size()) {
    steps.clear();
    next_step = 0;
  }
  running = false;
}

} // namespace detail

} // namespace ply
