// SPDX-License-Identifier: MIT
#pragma once

#include <chrono>
#include <optional>
#include <string>

#include <caf/message_handler.hpp>

#include "ply/actor_deferred.hpp"
#include "ply/bytes.hpp"
#include "ply/connection.hpp"
#include "ply/deferred.hpp"
#include "ply/detail/traced_actor.hpp"
#include "ply/message.hpp"
#include "ply/transport.hpp"

namespace ply {

/// A protocol actor: one per connection, as Twisted's Protocol. Override the hooks named for the
/// events; write through `transport()`. It is a CAF actor, so it can also `send`, `request` and
/// handle messages of its own (`extra_behavior`). It runs on the reactor thread that owns its
/// socket whenever it can, so its writes go straight to the socket.
///
/// ```
/// class echo : public ply::protocol {
///   void data_received(ply::bytes data) override { transport().write(data); }
/// };
/// ```
class protocol : public detail::traced_actor {
public:
  protocol();
  ~protocol() override;

  /// The connection is up; `transport()` is valid from here on.
  virtual void connection_made();

  /// Bytes arrived from the peer, in order.
  virtual void data_received(bytes data);

  /// The connection ended (`errc::connection_done` when closed cleanly). Called exactly once,
  /// whatever ended the connection; the actor quits afterwards. When it ended cleanly while
  /// requests this actor made are still awaiting their responses (the peer sent a request, then
  /// closed its side), their handlers run first, with the transport still writable: an answer
  /// computed elsewhere still reaches a peer that half-closed (waiting at most
  /// `response_drain_limit`). Input held by `hold_input_until` is handled first too.
  virtual void connection_lost(const caf::error& reason);

  /// The transport's write buffer went over its high-water mark: stop producing.
  virtual void pause_producing();

  /// The write buffer drained below its low-water mark: produce again.
  virtual void resume_producing();

  /// Handlers for this actor's own messages, tried after the framework's.
  virtual caf::message_handler extra_behavior();

  /// The connection's transport (a transport that drops writes before `connection_made`).
  ply::transport& transport();

  /// A shared handle to the transport, to give to another actor that writes into it (a proxy);
  /// null before `connection_made`.
  transport_ptr transport_handle() const {
    return transport_;
  }

  /// The factory that built this protocol (invalid in bare tests).
  const caf::actor& factory() const {
    return factory_;
  }

  /// Asks `to` (the factory, any actor) and returns a deferred of its answer, of type `R` (void
  /// for none); it fails with the answer's error, or `timeout_error` after `ask_timeout`.
  /// `co_await` it in a coroutine, or add callbacks.
  template <class R = void, class... Ts>
  deferred<R> ask(const caf::actor& to, Ts&&... xs) {
    return ply::request<R>(this, to, ask_timeout, std::forward<Ts>(xs)...);
  }

  /// Holds the connection's input until `d` has fired and the callbacks it runs at once have run:
  /// what the peer sends meanwhile waits (a `line_receiver`'s further lines too), and is handled
  /// afterwards, in order. So a line that asks can finish before the next one begins, with no
  /// state machine. Reading stops meanwhile (`transport::hold_reading`, apart from the protocol's
  /// own pause); what was already on its way waits, up to `max_held_input`. A `d` that never fires
  /// holds the input for good: give it a timeout (`ask` has one). Returns `d` with the release
  /// chained, to add callbacks to.
  template <class T>
  deferred<T> hold_input_until(deferred<T> d) {
    hold_input();
    if constexpr (std::is_void_v<T>) {
      return d.add_callbacks([this] { release_input_soon(); },
                             [this](failure& f) {
                               release_input_soon();
                               f.raise();
                             });
    } else {
      return d.add_callbacks(
        [this](T x) {
          release_input_soon();
          return x;
        },
        [this](failure& f) -> T {
          release_input_soon();
          f.raise();
        });
    }
  }

  /// Whether the input is held (`hold_input_until`).
  bool input_held() const {
    return holds_ > 0;
  }

  /// Like `become`, but keeps the framework's handlers for the connection's events.
  void become_protocol(caf::message_handler handler);

  /// "conn N actor M", for log lines.
  std::string log_prefix() const;

  const char* name() const override;

  /// How long `ask` waits for an answer.
  static constexpr auto ask_timeout = std::chrono::seconds(30);

  /// What may arrive while the input is held (reads already on their way when reading stopped)
  /// before the connection is closed with `errc::protocol_error`.
  static constexpr size_t max_held_input = 1024 * 1024;

protected:
  /// The input is released: handles what waited (a `line_receiver` frames its buffered lines).
  virtual void input_released(bytes held);

  /// The framework's handlers for the connection's events; subclasses for other transports add
  /// theirs (`process_protocol`).
  virtual caf::message_handler framework_handlers();

  /// The connection ended and `connection_lost` ran: the actor quits (a process protocol waits
  /// for the exit status too).
  virtual void connection_done();

  /// Handles the message, then ends a cleanly closed connection once no response is awaited.
  caf::invoke_message_result consume(caf::mailbox_element& x) override;

  caf::behavior make_behavior() override;

  /// An actor that ends without its connection having ended (it quit, or was killed) aborts the
  /// connection, so no socket outlives its protocol; then it lets go of the transport.
  void on_exit() override;

private:
  void hold_input();
  /// Too much came while the input was held: the connection is closed.
  void abort_held_input();
  /// Releases one hold after the current message (so after the callbacks that follow).
  void release_input_soon();
  void release_input();
  void handle_lost(caf::error reason);
  void end_connection(caf::error reason);
  bool awaits_responses() const;

  transport_ptr transport_;
  caf::actor factory_;
  bool lost_ = false;
  int holds_ = 0;
  bytes held_;  ///< data that came while the input was held
  /// Set while a cleanly ended connection waits for this actor's outstanding responses.
  std::optional<caf::error> draining_;
};

/// How long a cleanly ended connection waits for the responses its protocol still awaits.
inline constexpr auto response_drain_limit = std::chrono::seconds(30);

} // namespace ply
