// SPDX-License-Identifier: MIT
#pragma once

#include <atomic>
#include <cstdint>
#include <memory>
#include <string>
#include <vector>

#include <caf/atom.hpp>
#include <caf/make_message.hpp>

namespace ply::trace {

/// Schema version written in every trace's first record (see tools/trace/SCHEMA.md).
constexpr int schema_version = 1;

/// Starts recording to `path` (JSON lines, one event a line), naming this process `node` in every
/// event. A background thread writes; recording never blocks an actor: when the writer falls
/// behind, events are dropped and a `dropped` record says how many. Returns false (with a one-line
/// reason in `error`) when the file cannot be opened.
bool start(const std::string& path, const std::string& node, std::string* error = nullptr);

/// Flushes what is recorded and stops. Called again or without `start`, it does nothing.
void stop();

/// Whether recording is on: every recording point checks this first, so a process that does not
/// trace pays one relaxed atomic load per event.
bool on();

/// Renames this process in the events that follow (a cluster node learns its name late).
void set_node(const std::string& node);

/// The trace path from `--trace` or, when that is empty, the `PLY_TRACE` environment variable.
std::string path_from(const std::string& option);

/// An event id that crosses nodes: the node's name and the event's number there. Cluster messages
/// carry one so a chain can be followed from one node's trace into another's.
struct context {
  std::string node;
  uint64_t event = 0;
};

/// The event being handled on this thread (empty when none): the cause of what is sent now.
context current();

/// Inside a handler: the message being handled was caused by `cause` on another node.
void caused_by(const context& cause);

/// What `carry` wraps a message in.
using carry_atom = caf::atom_constant<caf::atom("ply_carry")>;

/// A message for an actor on another node that carries this thread's trace context: a ply actor
/// (protocol or factory) that receives it unwraps it and records the cause on the sending node, so
/// `ply-trace follow` crosses nodes. Send it as is: `send(remote, trace::carry(my_atom::value, x))`.
/// With tracing off (or no event being handled) it is the plain message.
template <class... Ts>
caf::message carry(Ts&&... xs) {
  auto ctx = on() ? current() : context{};
  if (ctx.event == 0)
    return caf::make_message(std::forward<Ts>(xs)...);
  return caf::make_message(carry_atom::value, std::move(ctx.node), ctx.event,
                           caf::make_message(std::forward<Ts>(xs)...));
}

/// Records a framework event with free-form fields already in JSON (`"key": value, ...`).
/// Returns the event's id (0 when off). For ply's own recording points and for user code that
/// wants its own events in the trace.
uint64_t record(const char* kind, const std::string& json_fields);

/// Escapes `s` as a JSON string, quotes included.
std::string quote(const std::string& s);

/// A live ply actor (protocol or factory) as `ply-trace top` shows it; counted whether or not a
/// trace is recorded (two relaxed atomic increments per message).
struct live_actor {
  uint64_t id = 0;
  std::string type;
  uint64_t handled = 0;  ///< messages handled so far
  uint64_t queued = 0;   ///< messages waiting in its mailbox
};

/// Every live ply actor of this process.
std::vector<live_actor> live_actors();

/// Messages handled by ply actors since the process started, the dead ones included.
uint64_t messages_handled();

namespace detail {

/// The counters of one ply actor, a member of it (no allocation of its own): linked into the
/// registry of live actors while the actor runs.
struct live_entry {
  uint64_t id = 0;
  const std::string* type = nullptr;  ///< interned
  std::atomic<uint64_t> enqueued{0};
  std::atomic<uint64_t> handled{0};
  live_entry* prev = nullptr;
  live_entry* next = nullptr;
  bool linked = false;

  live_entry() = default;
  live_entry(const live_entry&) = delete;
  live_entry& operator=(const live_entry&) = delete;
  ~live_entry();
};

void live_started(live_entry& e, uint64_t id, const std::string& type);

inline void live_enqueued(live_entry& e) {
  e.enqueued.fetch_add(1, std::memory_order_relaxed);
}

inline void live_handled(live_entry& e) {
  e.handled.fetch_add(1, std::memory_order_relaxed);
}

void live_ended(live_entry& e);

} // namespace detail

} // namespace ply::trace
