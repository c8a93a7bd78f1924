// SPDX-License-Identifier: MIT
#pragma once

#include <cstdint>
#include <string>

#include <caf/fwd.hpp>
#include <caf/invoke_message_result.hpp>
#include <caf/mailbox_element.hpp>

#include "ply/trace.hpp"

namespace ply::trace::detail {

uint64_t exchange_current(uint64_t event);
uint64_t next_id();
int64_t now_ns();
void emit(uint64_t id, int64_t t, const char* kind, const std::string& json_fields);

/// A message carried from another node (`trace::carry`) is unwrapped before it enters the
/// mailbox, its cause there remembered for the `recv` event. Anything else passes unchanged.
caf::mailbox_element_ptr unwrap(caf::mailbox_element_ptr what);

/// A message is put into `self`'s mailbox: remembers when, and its cause (the event handled on
/// the sending thread), for the `recv` event.
void on_enqueue(const caf::abstract_actor* self, const caf::mailbox_element& e);

void take_send(const caf::mailbox_element& e, uint64_t& cause, std::string& cause_node,
               int64_t& enqueued);
/// The fields naming a message's receiver, sender, name and size.
std::string describe_message(const caf::abstract_actor* self, const caf::mailbox_element& e);
void emit_recv(std::string fields, uint64_t id, int64_t start, int64_t handler_ns, uint64_t cause,
               const std::string& cause_node, int64_t enqueued);

/// Handles a message through `consume`, recording a `recv` event with its cause, the mailbox
/// wait and the handler's time; what the handler sends is caused by it.
template <class F>
caf::invoke_message_result on_consume(const caf::abstract_actor* self, caf::mailbox_element& e,
                                      F consume) {
  if (!on())
    return consume();
  uint64_t cause = 0;
  std::string cause_node;
  int64_t enqueued = -1;
  take_send(e, cause, cause_node, enqueued);
  auto fields = describe_message(self, e);  // before the handler moves its contents away
  auto id = next_id();
  auto start = now_ns();
  auto outer = exchange_current(id);
  auto result = consume();
  exchange_current(outer);
  emit_recv(std::move(fields), id, start, now_ns() - start, cause, cause_node, enqueued);
  return result;
}


/// The name an actor goes by in traces and `ply-trace top`: its `name()`, or its class when that
/// is the framework's default.
std::string actor_type(const caf::abstract_actor* self, const char* name);

/// An actor of `type` started (its parent: the actor that spawned it, 0 for none).
void on_spawn(const caf::abstract_actor* self, const char* type, uint64_t parent);

/// An actor of `type` ended with `reason`.
void on_exit(const caf::abstract_actor* self, const char* type, const caf::error& reason);

} // namespace ply::trace::detail
