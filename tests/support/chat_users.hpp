// SPDX-License-Identifier: MIT
#pragma once

// Chat users as the cluster tests drive them: log in, speak, and check what everyone heard.
#include <catch2/catch.hpp>

#include <chrono>
#include <map>
#include <memory>
#include <string>
#include <vector>

#include "socket_client.hpp"

namespace ply::test {

/// Logs `c` in under `name`; fails the test unless the node greets and welcomes it.
inline std::unique_ptr<socket_client> login(std::unique_ptr<socket_client> c,
                                            const std::string& name) {
  REQUIRE_THAT(c->read_until("\r\n"), Catch::Equals("What's your name?\r\n"));
  c->send(name + "\n");
  REQUIRE_THAT(c->read_until("\r\n"), Catch::Equals("Welcome, " + name + "!\r\n"));
  return c;
}

/// A user logged in under `name` on the loopback chat port `port`.
inline std::unique_ptr<socket_client> login(uint16_t port, const std::string& name,
                                            int timeout_ms = 3000) {
  return login(std::make_unique<socket_client>(port, timeout_ms), name);
}

/// Checks that each of `listeners` hears `name` leave the channel, and all of them within
/// `within` of `since` (when `name`'s node was killed, say).
inline void all_hear_leave(const std::vector<socket_client*>& listeners, const std::string& name,
                           std::chrono::steady_clock::time_point since,
                           std::chrono::steady_clock::duration within) {
  auto left = name + " has left the channel.\r\n";
  for (auto* listener : listeners)
    CHECK_THAT(listener->read_until(left), Catch::EndsWith(left));
  CHECK(std::chrono::steady_clock::now() - since < within);
}

/// How often `needle` occurs in `text`.
inline size_t count(const std::string& text, const std::string& needle) {
  size_t n = 0;
  for (auto pos = text.find(needle); pos != std::string::npos; pos = text.find(needle, pos + 1))
    ++n;
  return n;
}

/// Every user says `lines` lines at once. Returns what each then read, up to its answer to /who
/// (which comes after every line already relayed to its node), having checked that each heard
/// every other user's lines exactly once, in the order said, and none of its own.
inline std::map<std::string, std::string>
everyone_speaks(const std::map<std::string, socket_client*>& users, int lines) {
  auto line = [](const std::string& who, int i) {
    return "<" + who + "> line " + std::to_string(i) + " from " + who + "\r\n";
  };
  for (int i = 0; i < lines; ++i)
    for (auto& [name, client] : users)
      client->send("line " + std::to_string(i) + " from " + name + "\n");
  std::map<std::string, std::string> out;
  for (auto& [name, client] : users) {
    auto& seen = out[name];
    // Read until every other user's last line is in (one read may bring several of them).
    for (auto& [other, unused] : users)
      if (other != name && seen.find(line(other, lines - 1)) == std::string::npos)
        seen += client->read_until(line(other, lines - 1));
    client->send("/who\n");
    seen += client->read_until("\r\n");
    for (auto& [other, unused] : users) {
      size_t last = 0;
      for (int i = 0; i < lines; ++i) {
        auto text = line(other, i);
        INFO(name << " hearing " << other << " line " << i);
        if (other == name) {
          CHECK(count(seen, text) == 0);  // nobody hears themselves
          continue;
        }
        CHECK(count(seen, text) == 1);
        auto pos = seen.find(text);
        CHECK(pos >= last);  // in the order the speaker said them
        last = pos;
      }
    }
  }
  return out;
}

} // namespace ply::test
