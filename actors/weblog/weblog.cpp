// SPDX-License-Identifier: MIT
#include "weblog/weblog.hpp"

#include <deque>
#include <memory>

#include <CLI/CLI.hpp>
#include <spdlog/spdlog.h>

#include <ply/actor_deferred.hpp>
#include <ply/factory.hpp>
#include <ply/message.hpp>
#include <ply/protocol.hpp>
#include <ply/services.hpp>

#include "weblog/clf.hpp"
#include "weblog/log_tail.hpp"

namespace ply::actors::weblog {

namespace {

/// A client asks for the hits after the `seen`th; the answer says how far it now has seen.
PLY_MESSAGE(hits_after, uint64_t seen);
PLY_MESSAGE(hit_batch, uint64_t seen; std::string xml);
using push_atom = caf::atom_constant<caf::atom("wl_push")>;

/// One weblog client: `<hits>` at once, then what is new, pushed every `push` seconds or, with no
/// push, whenever the client sends something.
class client : public protocol {
public:
  explicit client(const options& opts) : opts_(opts) {
  }

  const char* name() const override {
    return "ply.weblog.client";
  }

  void connection_made() override {
    transport().set_output_limit(opts_.max_buffer);
    transport().write("<hits>\n");
    if (opts_.push > 0)
      push();
  }

  void data_received(bytes) override {
    if (opts_.push > 0)
      return;  // weblog2 pushes; what the client says does not matter
    // One question at a time: what the client sends meanwhile waits for the answer.
    hold_input_until(ask<hit_batch>(factory(), hits_after{seen_}))
      .add_callback([this](const hit_batch& b) { deliver(b, "<none/>\n"); });
  }

private:
  handlers extra_behavior() override {
    return {[this](push_atom) { push(); }};
  }

  /// Sends what is new, then comes back in `push` seconds (Twisted's callLater, rescheduled). A
  /// plain delayed message, not a timer the connection would wait for when it closes.
  void push() {
    ask<hit_batch>(factory(), hits_after{seen_}).add_callback([this](const hit_batch& b) {
      deliver(b, "");
      delayed_send(this, seconds_to_duration(opts_.push), push_atom::value);
    });
  }

  void deliver(const hit_batch& b, const char* if_none) {
    seen_ = b.seen;
    transport().write(b.xml.empty() ? std::string{if_none} : b.xml);
  }

  options opts_;
  uint64_t seen_ = 0;
};

/// The weblog's factory: reads the log every `tail` seconds and keeps the newest `keep` hits,
/// numbered, for its clients to ask for what they have not seen.
class weblog_hub : public factory {
public:
  weblog_hub(options opts, std::shared_ptr<log_tail> tail)
    : opts_(std::move(opts)), tail_(std::move(tail)), clock_(this) {
  }

  const char* name() const override {
    return "ply.weblog.hub";
  }

  void start_factory() override {
    reader_ = std::make_unique<looping_call>(clock_, [this] { read_log(); });
    reader_->start(seconds_to_duration(opts_.tail));
  }

  caf::actor build_protocol(const ply::address&) override {
    return spawn_protocol<client>(opts_);
  }

  handlers extra_behavior() override {
    return {[this](const hits_after& q) {
      hit_batch b{next_, {}};
      auto first = next_ - hits_.size();  // the number of the oldest hit kept
      for (auto i = std::max(q.seen, first); i < next_; ++i) {
        b.xml += hits_[i - first];
        b.xml += '\n';
      }
      return b;
    }};
  }

  void on_exit() override {
    reader_.reset();
    factory::on_exit();
  }

private:
  void read_log() {
    size_t skipped = 0;
    for (auto& line : tail_->poll()) {
      auto h = parse_clf(line);
      if (!h) {
        ++skipped;
        continue;
      }
      hits_.push_back(to_xml(*h));
      ++next_;
      if (hits_.size() > opts_.keep)
        hits_.pop_front();
    }
    if (skipped > 0)
      spdlog::info("weblog: {} line(s) of {} not in the Common Log Format, skipped", skipped,
                   tail_->path());
  }

  options opts_;
  std::shared_ptr<log_tail> tail_;
  actor_clock clock_;
  std::unique_ptr<looping_call> reader_;
  std::deque<std::string> hits_;  ///< the newest hits, as XML
  uint64_t next_ = 0;             ///< the number the next hit gets
};

} // namespace

factory_maker hub(const options& opts) {
  auto tail = std::make_shared<log_tail>(opts.log);
  return factory::of<weblog_hub>(opts, tail);
}

void register_plugin(plugin_registry& reg) {
  reg.add(plugin{
    "weblog", "Streams the hits of a web server's access log to its clients as XML",
    [](CLI::App& cmd) -> service_builder {
      auto port = std::make_shared<std::string>("tcp:8090");
      auto opts = std::make_shared<options>();
      cmd.add_option("--port", *port, "Endpoint to listen on")->capture_default_str();
      cmd.add_option("--log", opts->log, "The access log to follow (Common Log Format)")
        ->required();
      cmd.add_option("--tail", opts->tail, "Seconds between reads of the log")
        ->capture_default_str()
        ->check(CLI::Range(0.01, 3600.0));
      cmd.add_option("--push", opts->push,
                     "Seconds between pushes of what is new to each client (0: a client asks "
                     "by sending anything)")
        ->capture_default_str()
        ->check(CLI::Range(0.0, 3600.0));
      cmd.add_option("--keep", opts->keep, "The newest hits kept for clients")
        ->capture_default_str()
        ->check(CLI::Range(size_t{1}, size_t{100000}));
      return [port, opts](const std::string& name) -> service_ptr {
        return std::make_unique<stream_server>(name, *port, hub(*opts));
      };
    }});
}

} // namespace ply::actors::weblog
