// SPDX-License-Identifier: MIT
#pragma once

#include <cstddef>
#include <string>
#include <type_traits>

#include <caf/actor.hpp>
#include <caf/message_handler.hpp>
#include <caf/meta/type_name.hpp>

namespace ply {

/// A handle to an actor (a factory, a protocol, any CAF actor): what `send` and `ask` take.
using actor = caf::actor;

/// The handlers an actor adds for its own messages (`extra_behavior`).
using handlers = caf::message_handler;

namespace detail {

/// Converts to any field type, to count an aggregate's fields.
struct any_field {
  template <class T>
  operator T() const;
};

template <class T, class... Fields>
concept brace_initializable = requires { T{Fields{}...}; };

/// How many fields message `T` (an aggregate) has.
template <class T, class... Fields>
constexpr size_t message_fields() {
  if constexpr (std::is_empty_v<T>)
    return 0;
  else if constexpr (sizeof...(Fields) < 9 && brace_initializable<T, Fields..., any_field>)
    return message_fields<T, Fields..., any_field>();
  else
    return sizeof...(Fields);
}

/// CAF's inspection of a message declared with PLY_MESSAGE: its fields in order.
template <class Inspector, class T>
typename Inspector::result_type inspect_fields(Inspector& f, T& x, const char* name) {
  constexpr auto n = message_fields<T>();
  static_assert(n <= 8, "a PLY_MESSAGE has at most 8 fields");
  auto tn = caf::meta::type_name(name);
  if constexpr (n == 0) {
    return f(tn);
  } else if constexpr (n == 1) {
    auto& [a] = x;
    return f(tn, a);
  } else if constexpr (n == 2) {
    auto& [a, b] = x;
    return f(tn, a, b);
  } else if constexpr (n == 3) {
    auto& [a, b, c] = x;
    return f(tn, a, b, c);
  } else if constexpr (n == 4) {
    auto& [a, b, c, d] = x;
    return f(tn, a, b, c, d);
  } else if constexpr (n == 5) {
    auto& [a, b, c, d, e] = x;
    return f(tn, a, b, c, d, e);
  } else if constexpr (n == 6) {
    auto& [a, b, c, d, e, g] = x;
    return f(tn, a, b, c, d, e, g);
  } else if constexpr (n == 7) {
    auto& [a, b, c, d, e, g, h] = x;
    return f(tn, a, b, c, d, e, g, h);
  } else {
    auto& [a, b, c, d, e, g, h, i] = x;
    return f(tn, a, b, c, d, e, g, h, i);
  }
}

} // namespace detail

} // namespace ply

/// Declares message type `name` with the fields that follow, in one line:
///
/// ```
/// PLY_MESSAGE(login, std::string name);
/// PLY_MESSAGE(move_to, std::string room; int seat);
/// ...
/// send(factory(), login{"alice"});             // and in the factory: [this](const login& l) { ... }
/// ```
///
/// It is a plain struct (brace-initialized, up to 8 fields); ply makes it printable and
/// serializable for CAF by its fields, in order, so it may also cross a cluster: declare that
/// with `PLY_CLUSTER_MESSAGE(name)` (`ply/cluster_message.hpp`). Inside an actor a name of CAF's
/// actor members (`join`, `leave`, `send`, `monitor`, `quit`, ...) means that member: pick
/// another.
/// With GCC 12, build a message outside a `co_await` expression
/// (`auto d = ask<R>(to, msg{...}); co_await std::move(d);`): that compiler moves a temporary
/// made inside one bit by bit, which breaks its strings.
#define PLY_MESSAGE(name, ...)                                                                     \
  struct name {                                                                                    \
    __VA_ARGS__;                                                                                   \
    template <class Inspector>                                                                     \
    friend typename Inspector::result_type inspect(Inspector& f, name& x) {                        \
      return ::ply::detail::inspect_fields(f, x, #name);                                           \
    }                                                                                              \
  }
