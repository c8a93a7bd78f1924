// SPDX-License-Identifier: MIT
#include "ply/protocol.hpp"

#include "trace/trace_hooks.hpp"

#include <cxxabi.h>

#include <caf/send.hpp>
#include <spdlog/spdlog.h>

#include "protocols/messages.hpp"
#include "ply/detail/hosted.hpp"
#include "ply/error.hpp"

namespace ply {

namespace {

/// The transport of a protocol that has none yet: drops writes with a log line.
class null_transport final : public transport {
public:
  void write(bytes_view data) override {
    spdlog::debug("dropped {} bytes written before connection_made", data.size());
  }
  void lose_connection() override {}
  void abort_connection() override {}
  address peer() const override { return {}; }
  address host() const override { return {}; }
  void pause_reading() override {}
  void resume_reading() override {}
  void set_write_watermarks(size_t, size_t) override {}
  uint64_t id() const override { return 0; }
  void attach(caf::actor) override {}
};

std::string demangle(const char* name) {
  int status = 0;
  std::unique_ptr<char, void (*)(void*)> out{abi::__cxa_demangle(name, nullptr, nullptr, &status),
                                             std::free};
  return status == 0 && out ? std::string{out.get()} : std::string{name};
}

} // namespace

protocol::protocol() : traced_actor(detail::take_actor_config()) {
  set_exception_handler([this](std::exception_ptr& eptr) -> caf::error {
    std::string what = "unknown exception";
    try {
      std::rethrow_exception(eptr);
    } catch (const std::exception& e) {
      what = e.what();
    } catch (...) {
    }
    auto reason = make_error(errc::protocol_error, "protocol actor " + demangle(typeid(*this).name())
                                                     + " threw: " + what);
    spdlog::error("[{}] {}; closing its connection", log_prefix(), describe(reason));
    if (transport_)
      transport_->abort_connection();
    if (!lost_) {
      lost_ = true;
      try {
        connection_lost(reason);
      } catch (...) {
        // Already failing: the first exception is the one reported.
      }
    }
    return reason;
  });
}

protocol::~protocol() = default;

void protocol::connection_made() {
  // nop
}

void protocol::data_received(bytes) {
  // nop
}

void protocol::connection_lost(const caf::error&) {
  // nop
}

void protocol::pause_producing() {
  // nop
}

void protocol::resume_producing() {
  // nop
}

caf::message_handler protocol::extra_behavior() {
  return {};
}

ply::transport& protocol::transport() {
  static null_transport none;
  if (transport_)
    return *transport_;
  return none;
}

std::string protocol::log_prefix() const {
  return "conn " + std::to_string(transport_ ? transport_->id() : 0) + " actor "
         + std::to_string(id());
}

const char* protocol::name() const {
  return "ply.protocol";
}

caf::message_handler protocol::framework_handlers() {
  return {
    [this](detail::made_atom, transport_ptr& t, caf::actor& f) {
      transport_ = std::move(t);
      factory_ = std::move(f);
      trace_start(factory_ ? factory_.id() : 0);
      connection_made();
    },
    [this](detail::data_atom, bytes& data) {
      if (lost_)
        return;
      if (holds_ == 0)
        data_received(std::move(data));
      else if (held_.size() + data.size() <= max_held_input)
        held_.append(data);
      else
        abort_held_input();
    },
    [this](detail::release_atom) { release_input(); },
    [this](detail::lost_atom, caf::error& reason) { handle_lost(std::move(reason)); },
    [this](detail::drain_atom) {
      if (draining_) {
        spdlog::debug("[{}] responses still awaited after {} s: ending the connection",
                      log_prefix(), response_drain_limit.count());
        end_connection(std::move(*draining_));
      }
    },
    [this](detail::pause_atom) { pause_producing(); },
    [this](detail::resume_atom) { resume_producing(); },
  };
}

void protocol::hold_input() {
  if (holds_++ == 0 && transport_)
    transport_->hold_reading(true);
}

void protocol::abort_held_input() {
  // Reading stopped when the input was held; only reads already on their way come after that.
  // More than this is a transport that does not stop, or a peer that outran it: refused.
  auto reason = make_error(errc::protocol_error, "more than " + std::to_string(max_held_input)
                                                   + " bytes arrived while the input was held");
  spdlog::warn("[{}] {}; closing the connection", log_prefix(), describe(reason));
  held_.clear();
  if (transport_)
    transport_->abort_connection();
}

void protocol::release_input_soon() {
  send(this, detail::release_atom::value);
}

void protocol::release_input() {
  if (holds_ == 0 || --holds_ > 0 || lost_)
    return;
  input_released(std::move(held_));
  held_.clear();
  // A hook that held the input again keeps the transport paused.
  if (holds_ == 0 && transport_)
    transport_->hold_reading(false);
}

void protocol::input_released(bytes held) {
  if (!held.empty())
    data_received(std::move(held));
}

bool protocol::awaits_responses() const {
  return !awaited_responses_.empty() || !multiplexed_responses_.empty();
}

void protocol::handle_lost(caf::error reason) {
  if (lost_ || draining_)
    return;
  // Input held for an answer still waits to be handled: the peer's last lines count too.
  if (is(reason, errc::connection_done) && transport_ && (awaits_responses() || holds_ > 0)) {
    spdlog::debug("[{}] connection closed by the peer: answering what is in flight first",
                  log_prefix());
    draining_ = std::move(reason);
    delayed_send(this, response_drain_limit, detail::drain_atom::value);
    return;
  }
  end_connection(std::move(reason));
}

void protocol::end_connection(caf::error reason) {
  draining_.reset();
  lost_ = true;
  spdlog::debug("[{}] connection lost: {}", log_prefix(), describe(reason));
  connection_lost(reason);
  // Flushes what the protocol wrote until now (the peer may only have closed its side).
  if (transport_)
    transport_->lose_connection();
  if (factory_)
    send(factory_, detail::lost_atom::value, std::move(reason));
  connection_done();
}

void protocol::connection_done() {
  quit();
}

caf::behavior protocol::make_behavior() {
  auto extra = extra_behavior();
  if (extra)
    return framework_handlers().or_else(extra);
  return framework_handlers();
}

caf::invoke_message_result protocol::consume(caf::mailbox_element& x) {
  auto result = traced_actor::consume(x);
  if (draining_ && !awaits_responses() && holds_ == 0)
    end_connection(std::move(*draining_));
  return result;
}

void protocol::on_exit() {
  trace_end();
  if (transport_ && !lost_) {
    spdlog::debug("[{}] protocol actor ended before its connection: aborting it", log_prefix());
    transport_->abort_connection();
  }
  transport_.reset();
  factory_ = nullptr;
}

void protocol::become_protocol(caf::message_handler handler) {
  become(framework_handlers().or_else(handler));
}

} // namespace ply
