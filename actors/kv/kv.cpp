// SPDX-License-Identifier: MIT
#include "kv/kv.hpp"

#include <CLI/CLI.hpp>
#include <memory>
#include <string>
#include <vector>

#include <caf/allowed_unsafe_message_type.hpp>
#include <caf/event_based_actor.hpp>
#include <caf/send.hpp>
#include <nlohmann/json.hpp>
#include <spdlog/spdlog.h>

#include <ply/line_framer.hpp>
#include <ply/protocol.hpp>
#include <ply/reactor.hpp>
#include <ply/services.hpp>

#include "web/web.hpp"

namespace ply::actors::kv {

/// Requests that arrived together; they stay in this process (the store is a local actor).
using batch = std::vector<request>;

} // namespace ply::actors::kv

CAF_ALLOW_UNSAFE_MESSAGE_TYPE(ply::actors::kv::batch)

namespace ply::actors::kv {

namespace {

using exec_atom = caf::atom_constant<caf::atom("kv_exec")>;
using line_atom = caf::atom_constant<caf::atom("kv_line")>;
using opened_atom = caf::atom_constant<caf::atom("kv_open")>;
using closed_atom = caf::atom_constant<caf::atom("kv_close")>;
using items_atom = caf::atom_constant<caf::atom("kv_items")>;
using stats_atom = caf::atom_constant<caf::atom("kv_stats")>;

class store_actor : public caf::event_based_actor {
public:
  store_actor(caf::actor_config& cfg, store::options opts)
    : caf::event_based_actor(cfg), store_(opts) {
  }

  const char* name() const override {
    return "ply.kv.store";
  }

  caf::behavior make_behavior() override {
    return {
      [this](exec_atom, const batch& requests) {
        std::string out;
        for (auto& r : requests)
          store_.execute(r, out);
        return out;
      },
      [this](line_atom, const std::string& line) {
        std::string out;
        store_.execute_line(line, out);
        return out;
      },
      [this](opened_atom) { store_.connection_opened(); },
      [this](closed_atom) { store_.connection_closed(); },
      [this](items_atom) { return store_.items_json().dump(); },
      [this](stats_atom) { return store_.stats_json().dump(); },
    };
  }

private:
  store store_;
};

/// What kv connections share: answers come back in request order, the connection closes after
/// the answers to what came before a `quit` (or a fatal protocol error), and a client that does
/// not read its answers stops being read.
class kv_connection : public protocol {
public:
  explicit kv_connection(caf::actor store) : store_(std::move(store)) {
  }

  void connection_made() override {
    send(store_, opened_atom::value);
  }

  void connection_lost(const caf::error&) override {
    send(store_, closed_atom::value);
  }

  void pause_producing() override {
    transport().pause_reading();
  }

  void resume_producing() override {
    transport().resume_reading();
  }

protected:
  /// Sends `msg` to the store; its answer is written when it comes.
  template <class... Ts>
  void ask(Ts&&... xs) {
    ++in_flight_;
    request(store_, caf::infinite, std::forward<Ts>(xs)...)
      .then(
        [this](std::string& reply) {
          transport().write(reply);
          answered();
        },
        [this](caf::error& err) {
          spdlog::warn("[{}] the store failed: {}", log_prefix(), to_string(err));
          transport().abort_connection();
        });
  }

  /// Closes once the answers before now are written, with `last_line` after them.
  void finish(std::string last_line = {}) {
    closing_ = true;
    last_line_ = std::move(last_line);
    if (in_flight_ == 0)
      close_now();
  }

  bool closing_ = false;

private:
  void answered() {
    if (--in_flight_ == 0 && closing_)
      close_now();
  }

  void close_now() {
    if (!last_line_.empty())
      transport().write(last_line_ + "\r\n");
    transport().lose_connection();
  }

  caf::actor store_;
  size_t in_flight_ = 0;
  std::string last_line_;
};

class memcached_connection : public kv_connection {
public:
  memcached_connection(caf::actor store, parser::limits limits)
    : kv_connection(std::move(store)), parser_(limits) {
  }

  const char* name() const override {
    return "ply.kv.memcached";
  }

  void data_received(bytes data) override {
    if (closing_)
      return;
    batch requests;
    bool quit = false;
    auto err = parser_.feed(data, [&](kv::request& r) {
      if (quit)
        return;
      if (r.what == kv::request::op::quit)
        quit = true;
      else
        requests.push_back(std::move(r));
    });
    if (!requests.empty())
      ask(exec_atom::value, std::move(requests));
    if (!err.empty()) {
      spdlog::info("[{}] closing: {}", log_prefix(), err);
      finish(err);
    } else if (quit) {
      finish();
    }
  }

private:
  parser parser_;
};

class line_connection : public kv_connection {
public:
  explicit line_connection(caf::actor store) : kv_connection(std::move(store)) {
  }

  const char* name() const override {
    return "ply.kv.lines";
  }

  void data_received(bytes data) override {
    if (closing_)
      return;
    auto st = lines_.feed(data, [this](std::string_view line) {
      if (closing_)
        return false;
      if (line == "quit")
        finish("bye");
      else
        ask(line_atom::value, std::string{line});
      return true;
    });
    if (st == line_framer::status::too_long && !closing_)
      finish("ERROR line too long");
  }

private:
  line_framer lines_{"\n", 64 * 1024};
};

/// `plyd kv`: one store actor for the life of the service, shared by every listener.
class kv_server : public multi_service {
public:
  kv_server(std::string name, std::string port, std::string memcached, std::string http,
            store::options opts)
    : multi_service(name), opts_(opts), store_(std::make_shared<caf::actor>()) {
    auto store = store_;
    if (!port.empty())
      add(std::make_unique<stream_server>(name, port, [store](caf::actor_system& sys) {
        return line_factory(*store)(sys);
      }));
    if (!memcached.empty())
      add(std::make_unique<stream_server>(name + "-memcached", memcached,
                                       [store](caf::actor_system& sys) {
                                         return memcached_factory(*store, {})(sys);
                                       }));
    if (!http.empty())
      add(std::make_unique<stream_server>(name + "-http", http, [store](caf::actor_system& sys) {
        return web::site_factory(http_root(*store))(sys);
      }));
  }

  void start_service(reactor& r) override {
    *store_ = spawn_store(r.system(), opts_);
    multi_service::start_service(r);
  }

  deferred<void> stop_service() override {
    auto store = store_;
    return multi_service::stop_service().add_callback([store] {
      caf::anon_send_exit(*store, caf::exit_reason::user_shutdown);
      *store = caf::actor{};
    });
  }

private:
  /// The seed's web view of the cache: `/` (a short page), `/items` and `/stats` as JSON.
  static web::resource_ptr http_root(caf::actor store) {
    auto root = std::make_shared<web::static_text>(
      "text/html; charset=utf-8",
      "<!doctype html><title>ply kv</title><h1>ply kv</h1>"
      "<p><a href=\"/items\">items</a> &middot; <a href=\"/stats\">stats</a></p>\n");
    auto ask = [store](caf::atom_value what) {
      return std::make_shared<web::actor_resource>(
        store, caf::make_message(what), "application/json");
    };
    root->put_child("items", ask(items_atom::value));
    root->put_child("stats", ask(stats_atom::value));
    return root;
  }

  store::options opts_;
  std::shared_ptr<caf::actor> store_;
};

} // namespace

caf::actor spawn_store(caf::actor_system& sys, store::options opts) {
  return sys.spawn<store_actor>(opts);
}

factory_maker memcached_factory(caf::actor store, parser::limits limits) {
  return factory::for_protocol<memcached_connection>(std::move(store), limits);
}

factory_maker line_factory(caf::actor store) {
  return factory::for_protocol<line_connection>(std::move(store));
}

void register_plugin(plugin_registry& reg) {
  reg.add(plugin{
    "kv", "A key-value cache: line commands, memcached's text protocol, and JSON over HTTP",
    [](CLI::App& cmd) -> service_builder {
      auto port = std::make_shared<std::string>("tcp:8003");
      auto memcached = std::make_shared<std::string>();
      auto http = std::make_shared<std::string>();
      auto opts = std::make_shared<store::options>();
      cmd.add_option("--port", *port, "Endpoint for line commands (empty: none)")
        ->capture_default_str();
      cmd.add_option("--memcached", *memcached,
                     "Endpoint for memcached's text protocol, e.g. tcp:11211");
      cmd.add_option("--http", *http, "Endpoint for the items and stats as JSON, e.g. tcp:8080");
      cmd.add_option("--max-memory", opts->max_bytes,
                     "Bytes of keys and values kept; least recently used items go beyond it")
        ->capture_default_str()
        ->check(CLI::Range(size_t{1024}, size_t{1} << 40));
      return [port, memcached, http, opts](const std::string& name) -> service_ptr {
        if (port->empty() && memcached->empty() && http->empty())
          throw std::runtime_error("kv: give at least one of --port, --memcached, --http");
        return std::make_unique<kv_server>(name, *port, *memcached, *http, *opts);
      };
    }});
}

} // namespace ply::actors::kv
