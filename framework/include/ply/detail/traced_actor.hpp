// SPDX-License-Identifier: MIT
#pragma once

#include <cstdint>

#include <caf/event_based_actor.hpp>

#include "ply/trace.hpp"

namespace ply::detail {

/// The framework's internal base of its actors (protocols, factories, datagram protocols): it
/// records each message they get and handle when tracing is on (`ply/trace.hpp`), and counts them
/// for `ply-trace top` whether or not a trace is recorded. Not meant for user code.
class traced_actor : public caf::event_based_actor {
public:
  explicit traced_actor(caf::actor_config& cfg);
  ~traced_actor() override;

  /// Traces the message when tracing is on, then enqueues it as CAF does.
  void enqueue(caf::mailbox_element_ptr what, caf::execution_unit* host) override;


protected:
  /// Traces the handling when tracing is on, then handles the message as CAF does.
  caf::invoke_message_result consume(caf::mailbox_element& x) override;

  /// The actor runs: it joins the live list and the trace (`parent`: the actor that made it, or
  /// 0). Called once, when its first real work begins.
  void trace_start(uint64_t parent);

  /// The actor ends (from `on_exit`).
  void trace_end();

private:
  friend class stream_connection;

  /// Handles `x` at once on the calling thread (`host`, which must be the caller's own), as if it
  /// had come through the mailbox, when the actor is idle: its mailbox empty and blocked,
  /// initialized and not ended, not detached, no response awaited, no skipped message waiting,
  /// no receive timeout, no trace being recorded. Returns false, without touching `x`, otherwise;
  /// the caller then enqueues it. Spares a reactor's read the mailbox and the resume (their
  /// allocations and atomics); the mailbox's own hand-over means no other thread runs the actor
  /// meanwhile, and messages keep their order.
  bool handle_now(caf::mailbox_element& x, caf::execution_unit* host);

  trace::detail::live_entry live_;
};

} // namespace ply::detail
