// SPDX-License-Identifier: MIT
#include "finger/finger.hpp"

#include <CLI/CLI.hpp>
#include <fstream>

#include <spdlog/spdlog.h>

#include <ply/actor_deferred.hpp>
#include <ply/line_receiver.hpp>
#include <ply/services.hpp>

#include "text.hpp"

namespace ply::actors::finger {

namespace {

using query_atom = caf::atom_constant<caf::atom("fg_query")>;
using reload_atom = caf::atom_constant<caf::atom("fg_reload")>;

/// One finger connection: reads one query line, answers it, closes (RFC 1288).
class connection : public line_receiver {
public:
  connection() {
    set_max_length(512);
  }

  const char* name() const override {
    return "ply.finger.connection";
  }

  void line_received(std::string_view line) override {
    if (answered_)
      return;
    answered_ = true;
    ply::request<std::string>(this, factory(), std::chrono::seconds(5), query_atom::value,
                              std::string{line})
      .add_errback([](failure&) { return std::string{"Internal error in server"}; })
      .add_callback([this](const std::string& text) {
        transport().write(text);
        transport().lose_connection();
      });
  }

  void line_length_exceeded(std::string_view) override {
    send_line("Query too long");
    transport().lose_connection();
  }

private:
  bool answered_ = false;
};

class users_hub : public factory {
public:
  users_hub(std::string path, std::chrono::seconds reload) : path_(std::move(path)), reload_(reload) {
  }

  const char* name() const override {
    return "ply.finger.users";
  }

  void start_factory() override {
    load();
    if (reload_.count() > 0)
      delayed_send(this, reload_, reload_atom::value);
  }

  caf::actor build_protocol(const ply::address&) override {
    return spawn_protocol<connection>();
  }

  caf::message_handler extra_behavior() override {
    return {
      [this](query_atom, const std::string& line) { return answer(parse_query(line)); },
      [this](reload_atom) {
        load();
        delayed_send(this, reload_, reload_atom::value);
      },
    };
  }

private:
  void load() {
    if (path_.empty())
      return;
    size_t skipped = 0;
    auto users = read_users(path_, &skipped);
    if (!users) {
      spdlog::warn("finger: cannot read {}: keeping {} user(s)", path_, users_.size());
      return;
    }
    if (*users != users_ || skipped > 0)
      spdlog::info("finger: {} user(s) from {}{}", users->size(), path_,
                   skipped > 0 ? " (" + std::to_string(skipped) + " malformed line(s) skipped)"
                               : std::string{});
    users_ = std::move(*users);
  }

  std::string answer(const query& q) {
    if (!q.valid)
      return "Invalid query\r\n";
    if (q.forward)
      return "Finger forwarding service denied\r\n";
    if (q.user.empty()) {
      std::string out = "Login     Status\r\n";
      for (auto& [name, status] : users_) {
        auto padded = name;
        padded.resize(std::max<size_t>(10, name.size() + 1), ' ');
        out += padded + status + "\r\n";
      }
      return out;
    }
    auto i = users_.find(q.user);
    if (i == users_.end())
      return "No such user " + q.user + "\r\n";
    return "Login: " + i->first + "\r\n" + i->second + "\r\n";
  }

  std::string path_;
  std::chrono::seconds reload_;
  std::map<std::string, std::string> users_;
};

} // namespace

std::optional<std::map<std::string, std::string>> read_users(const std::string& path,
                                                             size_t* skipped) {
  std::ifstream in{path};
  if (!in)
    return std::nullopt;
  std::map<std::string, std::string> users;
  std::string line;
  size_t bad = 0;
  while (std::getline(in, line)) {
    auto text = trim_blanks(line);
    if (text.empty() || text.front() == '#')
      continue;
    auto colon = text.find(':');
    auto name = colon == std::string_view::npos ? std::string_view{} : trim_blanks(text.substr(0, colon));
    if (name.empty() || name.find_first_of(" \t@/") != std::string_view::npos
        || has_control_chars(text)) {
      ++bad;
      continue;
    }
    users[std::string{name}] = std::string{trim_blanks(text.substr(colon + 1))};
  }
  if (skipped)
    *skipped = bad;
  return users;
}

factory_maker finger_factory(std::string users_file, std::chrono::seconds reload) {
  return factory::of<users_hub>(std::move(users_file), reload);
}

void register_plugin(plugin_registry& reg) {
  reg.add(plugin{"finger", "A finger server (RFC 1288) answering from a users file",
                 [](CLI::App& cmd) -> service_builder {
                   auto port = std::make_shared<std::string>("tcp:79");
                   auto users = std::make_shared<std::string>();
                   auto reload = std::make_shared<int>(30);
                   cmd.add_option("--port", *port, "Endpoint to listen on")->capture_default_str();
                   cmd.add_option("--users", *users, "File of 'NAME: STATUS' lines")
                     ->required()
                     ->check(CLI::ExistingFile);
                   cmd.add_option("--reload", *reload,
                                  "Seconds between re-reads of the users file (0: never)")
                     ->capture_default_str()
                     ->check(CLI::Range(0, 86400));
                   return [port, users, reload](const std::string& name) -> service_ptr {
                     return std::make_unique<stream_server>(
                       name, *port, finger_factory(*users, std::chrono::seconds(*reload)));
                   };
                 }});
}

} // namespace ply::actors::finger
