// SPDX-License-Identifier: MIT
#pragma once

#include <exception>
#include <stdexcept>
#include <string>
#include <vector>

#include <caf/error.hpp>

#include "ply/error.hpp"

namespace ply {

/// A deferred's timeout fired (`add_timeout`), or a request timed out.
class timeout_error : public std::runtime_error {
public:
  using std::runtime_error::runtime_error;
};

/// A deferred was cancelled.
class cancelled_error : public std::runtime_error {
public:
  using std::runtime_error::runtime_error;
};

/// A deferred was fired a second time.
class already_called_error : public std::logic_error {
public:
  using std::logic_error::logic_error;
};

/// Why a deferred failed (Twisted's Failure): an exception or a `caf::error`, its message, and the
/// chain steps it passed through — the asynchronous traceback. Throwable, so that an errback can
/// re-raise it (`trap`) and a coroutine can catch it.
class failure : public std::exception {
public:
  failure();
  explicit failure(caf::error err);
  explicit failure(std::exception_ptr ex);

  /// A failure of exception `e`.
  template <class E>
  static failure of(E e) {
    return failure{std::make_exception_ptr(std::move(e))};
  }

  /// The exception being handled right now (inside a catch block or unhandled_exception).
  static failure current();

  /// Whether this is an exception of type `E` (or derived). `timeout_error` and
  /// `cancelled_error` also match the equivalent `caf::error` codes (a request timeout, say).
  template <class E>
  bool is() const {
    if constexpr (std::is_same_v<E, timeout_error>) {
      if (is_timeout_code())
        return true;
    } else if constexpr (std::is_same_v<E, cancelled_error>) {
      if (ply::is(error_, errc::cancelled))
        return true;
    }
    if (!exception_)
      return false;
    try {
      std::rethrow_exception(exception_);
    } catch (const E&) {
      return true;
    } catch (...) {
      return false;
    }
  }

  /// Whether this is the ply error `code`.
  bool is(errc code) const;

  /// Whether this is one of the exception types `Es` (Twisted's `check`).
  template <class... Es>
  bool check() const {
    return (is<Es>() || ...);
  }

  /// Re-raises this failure unless it is one of `Es` (Twisted's `trap`): an errback that handles
  /// only some failures lets the others pass on to the next errback.
  template <class... Es>
  void trap() const {
    if (!check<Es...>())
      throw *this;
  }

  /// Rethrows the original exception, or this failure when it came from a `caf::error`.
  [[noreturn]] void raise() const;

  /// A human-readable message.
  const std::string& message() const {
    return message_;
  }

  /// The failure as a `caf::error`, for CAF responses.
  caf::error error() const;

  std::exception_ptr exception() const {
    return exception_;
  }

  /// The chain steps this failure passed through, in order.
  const std::vector<std::string>& steps() const {
    return steps_;
  }

  void add_step(std::string step) {
    steps_.push_back(std::move(step));
  }

  /// The message and the steps, one per line: the asynchronous traceback.
  std::string traceback() const;

  const char* what() const noexcept override {
    return message_.empty() ? "no failure" : message_.c_str();
  }

private:
  bool is_timeout_code() const;

  caf::error error_;
  std::exception_ptr exception_;
  std::string message_;
  std::vector<std::string> steps_;
};

} // namespace ply
