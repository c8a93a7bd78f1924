// SPDX-License-Identifier: MIT
#include "ply/detail/traced_actor.hpp"

#include <tuple>

#include <caf/execution_unit.hpp>

#include "trace/trace_hooks.hpp"

namespace ply::detail {

traced_actor::traced_actor(caf::actor_config& cfg) : caf::event_based_actor(cfg) {
  // nop
}

traced_actor::~traced_actor() = default;

void traced_actor::enqueue(caf::mailbox_element_ptr what, caf::execution_unit* host) {
  trace::detail::live_enqueued(live_);
  what = trace::detail::unwrap(std::move(what));
  trace::detail::on_enqueue(this, *what);
  caf::event_based_actor::enqueue(std::move(what), host);
}

bool traced_actor::handle_now(caf::mailbox_element& x, caf::execution_unit* host) {
  // A recorded trace sees every message through enqueue and consume.
  if (trace::on() || host == nullptr)
    return false;
  // Blocked -> empty makes this thread the actor's runner, as a sender that wakes it would.
  if (!mailbox().try_unblock())
    return false;
  auto& normal = std::get<normal_queue_index>(mailbox().queue().queues());
  // (A behavior with a receive timeout is left to CAF, which re-arms it after each message.)
  // (A detached actor runs on a thread of its own, never on the reactor's.)
  auto idle = normal.cache().empty() && awaited_responses_.empty()
              && getf(is_initialized_flag) && !getf(is_terminated_flag)
              && !getf(is_detached_flag) && !bhvr_stack_.empty()
              && !bhvr_stack_.back().timeout().valid();
  if (idle) {
    trace::detail::live_enqueued(live_);
    context(host);
    switch (reactivate(x)) {
      case activation_result::terminated:
        return true;  // finalized: the mailbox is closed
      case activation_result::skipped:
        // Its behavior does not take it now: it waits among the skipped ones, as it would have.
        push_to_cache(caf::make_mailbox_element(std::move(x.sender), x.mid, std::move(x.stages),
                                                x.move_content_to_message()));
        break;
      default:
        break;
    }
  }
  // Messages that came meanwhile found the mailbox unblocked and did not schedule the actor.
  if (!mailbox().try_block()) {
    intrusive_ptr_add_ref(ctrl());
    host->exec_later(this);
  }
  return idle;
}

caf::invoke_message_result traced_actor::consume(caf::mailbox_element& x) {
  trace::detail::live_handled(live_);
  return trace::detail::on_consume(this, x, [&] { return caf::event_based_actor::consume(x); });
}

void traced_actor::trace_start(uint64_t parent) {
  trace::detail::live_started(live_, id(), trace::detail::actor_type(this, name()));
  trace::detail::on_spawn(this, name(), parent);
}

void traced_actor::trace_end() {
  trace::detail::on_exit(this, name(), fail_state());
  trace::detail::live_ended(live_);
}

} // namespace ply::detail
