// SPDX-License-Identifier: MIT
// The chat and pub/sub hubs keep their promises when their connections' transports misbehave:
// short reads, writes held by EAGAIN storms, and resets. Every connected member gets every line
// once, in order, and a reset member leaves exactly once.
#include <catch2/catch.hpp>

#include <map>

#include "chat/chat.hpp"
#include "pubsub/pubsub.hpp"
#include "ply/faults.hpp"
#include "ply/testing/memory_transport.hpp"
#include "ply/testing/test_system.hpp"

using namespace ply;
using testing::memory_transport;
using testing::test_system;

namespace {

size_t count(const std::string& text, const std::string& needle) {
  size_t n = 0;
  for (auto pos = text.find(needle); pos != std::string::npos; pos = text.find(needle, pos + 1))
    ++n;
  return n;
}

fault_plan plan(const std::string& text) {
  auto p = fault_plan::parse(text);
  REQUIRE(p);
  return *p;
}

/// Each member's copy of what everyone said: once each, and in the order it was said.
void check_heard(const std::map<std::string, std::shared_ptr<memory_transport>>& members,
                 const std::map<std::string, std::string>& seen, int lines,
                 const std::function<std::string(const std::string&, int)>& line_of,
                 bool hears_self) {
  for (auto& [name, t] : members) {
    auto& text = seen.at(name);
    for (auto& [other, unused] : members) {
      size_t last = 0;
      for (int i = 0; i < lines; ++i) {
        auto line = line_of(other, i);
        INFO(name << " hearing " << other << " line " << i);
        if (other == name && !hears_self) {
          CHECK(count(text, line) == 0);
          continue;
        }
        REQUIRE(count(text, line) == 1);
        auto pos = text.find(line);
        CHECK(pos >= last);
        last = pos;
      }
    }
  }
}

} // namespace

TEST_CASE("chat under transport faults: every line once and in order, a reset member leaves once",
          "[chat][faults]") {
  test_system ts;
  auto hub = actors::chat::hub(actors::chat::options{})(ts.sys());
  std::map<std::string, std::shared_ptr<memory_transport>> members;
  for (auto name : {"ann", "ben", "cat", "dan"}) {
    auto t = memory_transport::make({"192.0.2.1", static_cast<uint16_t>(40000 + members.size())});
    t->connect_through(hub);
    ts.run();
    t->inject(plan("read=3,eagain=0.4,seed=" + std::to_string(7 + members.size())));
    t->feed(std::string{name} + "\n");
    ts.run();
    CHECK_THAT(t->written(), Catch::Contains(std::string{"Welcome, "} + name + "!\r\n"));
    members[name] = t;
  }
  for (auto& [name, t] : members)
    t->take_written();
  const int lines = 40;
  auto line_of = [](const std::string& who, int i) {
    return "<" + who + "> line " + std::to_string(i) + " from " + who + "\r\n";
  };
  // Everyone speaks at once; what each says arrives in pieces of 1 to 3 bytes.
  for (int i = 0; i < lines; ++i)
    for (auto& [name, t] : members)
      t->feed("line " + std::to_string(i) + " from " + name + "\n");
  ts.run();
  std::map<std::string, std::string> seen;
  for (auto& [name, t] : members)
    seen[name] = t->take_written();
  check_heard(members, seen, lines, line_of, false);

  // ann's connection is reset in the middle of a line: the others hear she left, once.
  auto ann = members["ann"];
  members.erase("ann");
  ann->inject(plan("read=2,reset=0.5,seed=1"));
  ann->feed("half a li");
  ann->close(make_error(errc::connection_lost, "reset"));  // if the injected reset missed
  ts.run();
  for (auto& [name, t] : members) {
    auto text = t->take_written();
    INFO(name << " saw: " << text);
    CHECK(count(text, "ann has left the channel.\r\n") == 1);
    CHECK(count(text, "half a li") == 0);
  }
  // The rest go on.
  members["ben"]->feed("still here\n");
  ts.run();
  CHECK(members["cat"]->take_written() == "<ben> still here\r\n");
  CHECK(members["dan"]->take_written() == "<ben> still here\r\n");
  caf::anon_send_exit(hub, caf::exit_reason::user_shutdown);
  ts.run();
}

TEST_CASE("pub/sub under transport faults: every publication once and in order to each client",
          "[pubsub][faults]") {
  test_system ts;
  auto hub = actors::pubsub::hub(actors::pubsub::options{})(ts.sys());
  std::map<std::string, std::shared_ptr<memory_transport>> clients;
  std::map<std::string, std::string> peer_of;
  for (uint16_t k = 0; k < 4; ++k) {
    ply::address peer{"192.0.2.1", static_cast<uint16_t>(41000 + k)};
    auto t = memory_transport::make(peer);
    t->connect_through(hub);
    ts.run();
    t->inject(plan("read=5,eagain=0.4,seed=" + std::to_string(20 + k)));
    auto name = "c" + std::to_string(k);
    clients[name] = t;
    peer_of[name] = peer.to_string();
  }
  const int lines = 40;
  auto line_of = [&](const std::string& who, int i) {
    return "<" + peer_of[who] + "> message " + std::to_string(i) + " of " + who + "\r\n";
  };
  for (int i = 0; i < lines; ++i)
    for (auto& [name, t] : clients)
      t->feed("message " + std::to_string(i) + " of " + name + "\n");
  ts.run();
  std::map<std::string, std::string> seen;
  for (auto& [name, t] : clients)
    seen[name] = t->take_written();
  check_heard(clients, seen, lines, line_of, true);
  // A reset client is dropped; the others still get everything.
  auto gone = clients["c0"];
  clients.erase("c0");
  gone->close(make_error(errc::connection_lost, "reset"));
  ts.run();
  clients["c1"]->feed("after\n");
  ts.run();
  for (auto& [name, t] : clients)
    CHECK(t->take_written() == "<" + peer_of["c1"] + "> after\r\n");
  CHECK(gone->take_written().empty());
  caf::anon_send_exit(hub, caf::exit_reason::user_shutdown);
  ts.run();
}
