// SPDX-License-Identifier: MIT
#include "trace/trace_hooks.hpp"

#include <cxxabi.h>

#include <algorithm>
#include <atomic>
#include <memory>
#include <set>
#include <mutex>
#include <unordered_map>

#include <caf/abstract_actor.hpp>
#include <caf/actor_control_block.hpp>
#include <caf/atom.hpp>
#include <caf/error.hpp>
#include <caf/mailbox_element.hpp>
#include <caf/type_erased_tuple.hpp>
#include <caf/type_nr.hpp>
#include <spdlog/fmt/fmt.h>

#include "ply/error.hpp"

namespace ply::trace::detail {

namespace {

/// What is known of a message between its enqueue and its handling.
struct pending_send {
  uint64_t cause;
  int64_t t;
  std::string cause_node;  ///< set when the cause is on another node
};

/// Causes on other nodes of unwrapped messages, until their enqueue records them.
thread_local std::string carried_node;
thread_local uint64_t carried_event = 0;

/// Messages still in a mailbox, by mailbox element.
std::mutex pending_mtx;
std::unordered_map<const caf::mailbox_element*, pending_send> pending;

/// What a message is called in a trace: its first atom, else its first element's type.
std::string message_name(const caf::type_erased_tuple& c) {
  if (c.size() == 0)
    return "()";
  auto nr = c.type_nr(0);
  if (nr == caf::type_nr<caf::atom_value>::value)
    return to_string(c.get_as<caf::atom_value>(0));
  if (nr != 0)
    return caf::numbered_type_names[nr - 1];
  auto* info = c.type(0).second;
  if (info == nullptr)
    return "?";
  int status = 0;
  std::unique_ptr<char, void (*)(void*)> name{
    abi::__cxa_demangle(info->name(), nullptr, nullptr, &status), std::free};
  return status == 0 && name ? name.get() : info->name();
}

/// Payload bytes: the sizes of string elements (ply's bytes and lines), 8 for anything else.
size_t message_size(const caf::type_erased_tuple& c) {
  size_t n = 0;
  for (size_t i = 0; i < c.size(); ++i)
    n += c.type_nr(i) == caf::type_nr<std::string>::value ? c.get_as<std::string>(i).size() : 8;
  return n;
}

std::string sender_fields(const caf::mailbox_element& e, const caf::abstract_actor* self) {
  if (!e.sender)
    return "\"from\":0";
  auto out = fmt::format("\"from\":{}", e.sender->id());
  if (e.sender->node() != self->node())
    out += ",\"from_node\":" + quote(to_string(e.sender->node()));
  return out;
}

} // namespace

/// The name an actor goes by in traces: its `name()`, or its class when that is the default.
std::string actor_type(const caf::abstract_actor* self, const char* name) {
  std::string n = name;
  if (n != "ply.protocol" && n != "ply.factory")
    return n;
  int status = 0;
  std::unique_ptr<char, void (*)(void*)> dm{
    abi::__cxa_demangle(typeid(*self).name(), nullptr, nullptr, &status), std::free};
  if (status != 0 || !dm)
    return n;
  std::string cls = dm.get();
  const std::string hosted = "ply::detail::hosted<";
  if (cls.rfind(hosted, 0) == 0 && cls.back() == '>')
    cls = cls.substr(hosted.size(), cls.size() - hosted.size() - 1);
  while (!cls.empty() && cls.back() == ' ')  // "hosted<x<y> >"
    cls.pop_back();
  return cls;
}

void on_enqueue(const caf::abstract_actor*, const caf::mailbox_element& e) {
  if (!on())
    return;
  // Only remembered here; the receive event carries it (one event per message, not two).
  auto cause = exchange_current(0);
  exchange_current(cause);
  auto t = now_ns();
  pending_send p{cause, t, {}};
  if (carried_event != 0) {
    p.cause = std::exchange(carried_event, 0);
    p.cause_node = std::move(carried_node);
  }
  std::lock_guard<std::mutex> guard{pending_mtx};
  pending[&e] = std::move(p);
}

caf::mailbox_element_ptr unwrap(caf::mailbox_element_ptr what) {
  auto& c = what->content();
  if (c.size() != 4 || c.type_nr(0) != caf::type_nr<caf::atom_value>::value ||
      c.get_as<caf::atom_value>(0) != carry_atom::value ||
      c.type_nr(3) != caf::type_nr<caf::message>::value)
    return what;
  if (on()) {
    carried_node = c.get_as<std::string>(1);
    carried_event = c.get_as<uint64_t>(2);
  }
  auto inner = c.get_as<caf::message>(3);
  return caf::make_mailbox_element(std::move(what->sender), what->mid, std::move(what->stages),
                                   std::move(inner));
}

void take_send(const caf::mailbox_element& e, uint64_t& cause, std::string& cause_node,
               int64_t& enqueued) {
  std::lock_guard<std::mutex> guard{pending_mtx};
  auto i = pending.find(&e);
  if (i == pending.end())
    return;
  cause = i->second.cause;
  cause_node = std::move(i->second.cause_node);
  enqueued = i->second.t;
  pending.erase(i);
}

std::string describe_message(const caf::abstract_actor* self, const caf::mailbox_element& e) {
  auto& c = e.content();
  std::string out;
  fmt::format_to(std::back_inserter(out), "\"actor\":{},{},\"msg\":{},\"size\":{}", self->id(),
                 sender_fields(e, self), quote(message_name(c)), message_size(c));
  return out;
}

void emit_recv(std::string fields, uint64_t id, int64_t start, int64_t handler_ns, uint64_t cause,
               const std::string& cause_node, int64_t enqueued) {
  fmt::format_to(std::back_inserter(fields), ",\"handler_ns\":{}", handler_ns);
  if (enqueued >= 0)
    fmt::format_to(std::back_inserter(fields), ",\"sent_ns\":{},\"wait_ns\":{}", enqueued,
                   start - enqueued);
  if (cause != 0)
    fmt::format_to(std::back_inserter(fields), ",\"cause\":{}", cause);
  if (!cause_node.empty())
    fmt::format_to(std::back_inserter(fields), ",\"cause_node\":{}", quote(cause_node));
  emit(id, start, "recv", fields);
}

void on_spawn(const caf::abstract_actor* self, const char* type, uint64_t parent) {
  if (!on())
    return;
  record("spawn", "\"actor\":" + std::to_string(self->id()) + ",\"type\":" +
                    quote(actor_type(self, type)) +
                    ",\"parent\":" + std::to_string(parent));
}

void on_exit(const caf::abstract_actor* self, const char* type, const caf::error& reason) {
  if (!on())
    return;
  record("exit", "\"actor\":" + std::to_string(self->id()) + ",\"type\":" +
                   quote(actor_type(self, type)) +
                   ",\"reason\":" + quote(reason ? describe(reason) : "normal"));
}

namespace {

std::mutex live_mtx;
live_entry* live_head = nullptr;
size_t live_count = 0;
std::set<std::string> live_types;  ///< interned type names
std::atomic<uint64_t> handled_by_dead{0};

void unlink(live_entry& e) {
  if (!e.linked)
    return;
  (e.prev ? e.prev->next : live_head) = e.next;
  if (e.next)
    e.next->prev = e.prev;
  e.linked = false;
  --live_count;
  handled_by_dead += e.handled.load(std::memory_order_relaxed);
}

} // namespace

live_entry::~live_entry() {
  std::lock_guard<std::mutex> guard{live_mtx};
  unlink(*this);
}

void live_started(live_entry& e, uint64_t id, const std::string& type) {
  std::lock_guard<std::mutex> guard{live_mtx};
  if (e.linked)
    return;
  e.id = id;
  e.type = &*live_types.insert(type).first;
  e.prev = nullptr;
  e.next = live_head;
  if (live_head)
    live_head->prev = &e;
  live_head = &e;
  e.linked = true;
  ++live_count;
}

void live_ended(live_entry& e) {
  std::lock_guard<std::mutex> guard{live_mtx};
  unlink(e);
}

} // namespace ply::trace::detail

namespace ply::trace {

std::vector<live_actor> live_actors() {
  std::vector<live_actor> out;
  std::lock_guard<std::mutex> guard{detail::live_mtx};
  out.reserve(detail::live_count);
  for (auto* e = detail::live_head; e != nullptr; e = e->next) {
    auto handled = e->handled.load(std::memory_order_relaxed);
    auto enqueued = e->enqueued.load(std::memory_order_relaxed);
    out.push_back({e->id, *e->type, handled, enqueued > handled ? enqueued - handled : 0});
  }
  std::sort(out.begin(), out.end(),
            [](const live_actor& a, const live_actor& b) { return a.id < b.id; });
  return out;
}

uint64_t messages_handled() {
  std::lock_guard<std::mutex> guard{detail::live_mtx};
  uint64_t n = detail::handled_by_dead.load();
  for (auto* e = detail::live_head; e != nullptr; e = e->next)
    n += e->handled.load(std::memory_order_relaxed);
  return n;
}

} // namespace ply::trace
