#include "ply/detail/traced_actor.hpp"

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
