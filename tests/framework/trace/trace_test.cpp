// SPDX-License-Identifier: MIT
#include "ply/trace.hpp"

#include <catch2/catch.hpp>

#include <unistd.h>

#include <fstream>
#include <map>

#include <nlohmann/json.hpp>

#include "ply/factory.hpp"
#include "ply/protocol.hpp"
#include "ply/testing/memory_transport.hpp"
#include "ply/testing/test_system.hpp"

using namespace ply;
using testing::memory_transport;
using testing::test_system;

namespace {

class traced_echo : public protocol {
public:
  const char* name() const override {
    return "traced_echo";
  }
  void data_received(bytes data) override {
    transport().write(data);
  }
};

/// The trace without what changes from run to run (ids, times, addresses): kinds, actors
/// renamed in order of appearance, messages, sizes, and causes as event positions.
std::vector<std::string> normalized(const std::string& path) {
  std::ifstream in{path};
  std::vector<nlohmann::json> events;
  for (std::string line; std::getline(in, line);)
    events.push_back(nlohmann::json::parse(line));
  std::map<uint64_t, std::string> actors;
  std::map<uint64_t, size_t> position;  // event id -> index in the trace
  auto actor = [&](uint64_t id) {
    if (id == 0)
      return std::string{"-"};
    auto [i, added] = actors.emplace(id, "A" + std::to_string(actors.size() + 1));
    return i->second;
  };
  std::vector<std::string> out;
  for (size_t i = 0; i < events.size(); ++i)
    position[events[i]["id"].get<uint64_t>()] = i;
  for (auto& e : events) {
    auto ev = e["ev"].get<std::string>();
    std::string s = ev;
    if (e.contains("actor"))
      s += " " + actor(e["actor"].get<uint64_t>());
    if (e.contains("from"))
      s += " from " + actor(e["from"].get<uint64_t>());
    for (auto key : {"msg", "type", "reason", "state"})
      if (e.contains(key))
        s += " " + e[key].get<std::string>();
    if (e.contains("size"))
      s += " size " + std::to_string(e["size"].get<uint64_t>());
    if (e.contains("parent"))
      s += " parent " + actor(e["parent"].get<uint64_t>());
    for (auto key : {"cause", "send"})
      if (e.contains(key))
        s += std::string{" "} + key + " @" + std::to_string(position[e[key].get<uint64_t>()]);
    out.push_back(s);
  }
  return out;
}

} // namespace

TEST_CASE("a deterministic run records the golden trace", "[trace]") {
  auto path = "/tmp/ply-unit-trace-" + std::to_string(::getpid()) + ".jsonl";
  {
    test_system ts;
    REQUIRE(trace::start(path, "unit"));
    auto t = memory_transport::make();
    auto f = ts.spawn<detail::protocol_factory<factory, traced_echo>>(std::tuple<>{});
    t->connect_through(f);
    ts.run();
    t->feed("hello");
    ts.run();
    t->close();
    ts.run();
    CHECK(t->written() == "hello");
    caf::anon_send_exit(f, caf::exit_reason::user_shutdown);
    ts.run();
    trace::stop();
  }
  auto got = normalized(path);
  ::unlink(path.c_str());
  // Actors are renamed in order of appearance: A1 the factory, A2 its protocol actor. Causes
  // point at the position of the causing event.
  const std::string factory_type =
    "ply::detail::protocol_factory<ply::factory, (anonymous namespace)::traced_echo>";
  std::vector<std::string> golden{
    "meta",
    "spawn A1 " + factory_type + " parent -",
    "conn_made A2",
    "recv A1 from - plymade size 16",
    "spawn A2 traced_echo parent A1",
    "recv A2 from A1 plymade size 24 cause @3",
    "recv A2 from - plydata size 13",
    "recv A2 from - plylost size 16",
    "exit A2 traced_echo normal",
    "recv A1 from A2 plylost size 16 cause @7",
    "recv A1 from A2 @down size 8",
    "recv A1 from - @exit size 8",
    "exit A1 " + factory_type + " exit_reason(user_shutdown)",
  };
  CHECK(got == golden);
}

TEST_CASE("tracing off records nothing and costs no file", "[trace]") {
  CHECK_FALSE(trace::on());
  CHECK(trace::record("custom", "\"x\":1") == 0);
  CHECK(trace::path_from("given.jsonl") == "given.jsonl");
}

TEST_CASE("trace strings are escaped as JSON", "[trace]") {
  CHECK(trace::quote("a\"b\\c\n\x01") == "\"a\\\"b\\\\c\\n\\u0001\"");
}

TEST_CASE("trace strings are valid UTF-8 whatever bytes a peer sent", "[trace]") {
  // Valid sequences stay as they are; each byte that is not part of one becomes U+FFFD.
  CHECK(trace::quote("caf\xc3\xa9 \xe2\x82\xac \xf0\x9f\x99\x82") == "\"caf\xc3\xa9 \xe2\x82\xac \xf0\x9f\x99\x82\"");
  CHECK(trace::quote("a\xff" "b") == "\"a\\ufffdb\"");
  CHECK(trace::quote("\xc3") == "\"\\ufffd\"");                    // cut short
  CHECK(trace::quote("\xc0\xaf") == "\"\\ufffd\\ufffd\"");         // overlong '/'
  CHECK(trace::quote("\xed\xa0\x80") == "\"\\ufffd\\ufffd\\ufffd\"");  // a surrogate
  CHECK(trace::quote("\xf4\x90\x80\x80") == "\"\\ufffd\\ufffd\\ufffd\\ufffd\"");  // past U+10FFFF
  // Every byte string quotes to JSON that parses back.
  std::string all;
  for (int i = 0; i < 256; ++i)
    all += static_cast<char>(i);
  for (size_t cut = 0; cut < all.size(); cut += 7) {
    auto parsed = nlohmann::json::parse(trace::quote(all.substr(cut) + all.substr(0, cut)), nullptr,
                                        false);
    CHECK_FALSE(parsed.is_discarded());
  }
}
