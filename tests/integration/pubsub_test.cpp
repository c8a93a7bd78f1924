// SPDX-License-Identifier: MIT
// plyd pubsub with real clients: redis-cli against RESP nodes of a cluster, nc in line mode.
#include <signal.h>
#include <unistd.h>

#include <catch2/catch.hpp>

#include <memory>
#include <thread>
#include <vector>

#include "socket_client.hpp"
#include "process.hpp"

using namespace ply::test;
using namespace std::chrono_literals;

namespace {

const std::string local = "tcp:0:interface=127.0.0.1";

std::string redis(uint16_t port, const std::string& args) {
  return shell("redis-cli -p " + std::to_string(port) + " " + args, 5);
}

/// Publishes until the answer (the number of receivers) is `expected`: subscriptions made on
/// other nodes take a moment to be counted here.
std::string publish_until(uint16_t port, const std::string& args, const std::string& expected) {
  std::string got;
  for (int i = 0; i < 100; ++i) {
    got = redis(port, "publish " + args);
    if (got == expected + "\n")
      break;
    std::this_thread::sleep_for(50ms);
  }
  return got;
}

/// Two pub/sub nodes of one cluster: `a` with a cluster port, `b` joined to it. `a_args` and
/// `b_args` follow the plugin's name (`--resp`); `faults`, when given, is both nodes' PLY_FAULTS.
struct two_nodes {
  two_nodes(std::vector<std::string> a_args, std::vector<std::string> b_args,
            const std::string& faults = {}) {
    auto argv = [&](std::vector<std::string> args, std::vector<std::string> more) {
      std::vector<std::string> out{bin("plyd"), "pubsub", "--port", local};
      if (!faults.empty())
        out.insert(out.begin(), {"/usr/bin/env", "PLY_FAULTS=" + faults});
      out.insert(out.end(), args.begin(), args.end());
      out.insert(out.end(), more.begin(), more.end());
      return out;
    };
    a = std::make_unique<process>(argv(a_args, {"--cluster", "tcp:0"}));
    auto a_cluster = a->port(0);
    a_port = a->port(1);
    REQUIRE(a_port != 0);
    b = std::make_unique<process>(argv(b_args, {"--join", "127.0.0.1:" + std::to_string(a_cluster)}));
    b_port = b->port(1);
    REQUIRE(b_port != 0);
  }

  std::unique_ptr<process> a;
  std::unique_ptr<process> b;
  uint16_t a_port = 0;
  uint16_t b_port = 0;
};

} // namespace

TEST_CASE("two RESP pub/sub nodes: redis-cli subscribes on one and publishes on the other",
          "[pubsub][cluster]") {
  two_nodes nodes{{"--resp"}, {"--resp"}};
  auto& a = *nodes.a;
  auto a_port = nodes.a_port;
  auto b_port = nodes.b_port;
  REQUIRE(wait_for_log(a, "topics now shared with node"));

  // Subscribers run in the background for a bounded time, their output in files.
  auto out = "/tmp/ply-pubsub-test-" + std::to_string(::getpid());
  shell("(timeout 6 redis-cli -p " + std::to_string(a_port) + " subscribe news > " + out +
        ".sub 2>&1 &)");
  shell("(timeout 6 redis-cli -p " + std::to_string(b_port) + " psubscribe 'ne*' 'x?z' > " + out +
        ".psub 2>&1 &)");
  // news: the subscriber on a and the pattern on b.
  CHECK(publish_until(b_port, "news hello", "2") == "2\n");
  CHECK(publish_until(a_port, "xyz pattern-only", "1") == "1\n");
  CHECK(redis(a_port, "publish nobody-listens x") == "0\n");
  std::this_thread::sleep_for(300ms);
  auto sub = shell("cat " + out + ".sub");
  auto psub = shell("cat " + out + ".psub");
  CHECK_THAT(sub, Catch::StartsWith("subscribe\nnews\n1\n"));
  CHECK_THAT(sub, Catch::Contains("message\nnews\nhello\n"));
  CHECK_THAT(sub, !Catch::Contains("pattern-only"));
  CHECK_THAT(psub, Catch::StartsWith("psubscribe\nne*\n1\npsubscribe\nx?z\n2\n"));
  CHECK_THAT(psub, Catch::Contains("pmessage\nne*\nnews\nhello\n"));
  CHECK_THAT(psub, Catch::Contains("pmessage\nx?z\nxyz\npattern-only\n"));
  shell("rm -f " + out + ".sub " + out + ".psub");

  // PING, unknown commands (an error, not a disconnect), QUIT.
  CHECK(redis(a_port, "ping") == "PONG\n");
  CHECK(redis(a_port, "ping hi") == "hi\n");
  CHECK_THAT(redis(a_port, "frobnicate now"),
             Catch::StartsWith("ERR unknown command 'frobnicate'"));
  socket_client c{a_port};
  c.send("FOO\r\n*1\r\n$4\r\nPING\r\n*1\r\n$4\r\nQUIT\r\n");
  auto [replies, eof] = c.read_to_eof();
  CHECK_THAT(replies, Catch::StartsWith("-ERR unknown command 'FOO'"));
  CHECK_THAT(replies, Catch::EndsWith("\r\n+PONG\r\n+OK\r\n"));
  CHECK(eof);
}

TEST_CASE("RESP bad input: a clear error, that connection closed, the others unaffected",
          "[pubsub]") {
  process p{{bin("plyd"), "pubsub", "--resp", "--port", local, "--max-bulk", "1024"}};
  auto port = p.port();
  REQUIRE(port != 0);
  socket_client bystander{port};
  bystander.send("SUBSCRIBE calm\r\n");
  bystander.read_until(":1\r\n");

  auto expect_closed = [&](const std::string& input, const std::string& error) {
    socket_client c{port};
    try {
      c.send(input);
    } catch (const std::exception&) {
      // The server may close before reading everything.
    }
    auto [got, eof] = c.read_to_eof();
    INFO("input starts with " << input.substr(0, 20));
    CHECK_THAT(got, Catch::EndsWith("-ERR Protocol error: " + error + "\r\n"));
    CHECK(eof);
  };
  expect_closed("*-5\r\n", "invalid multibulk length");
  expect_closed("*99999999999\r\n", "invalid multibulk length");
  expect_closed("*2\r\n$4\r\nPING\r\n$-3\r\n", "invalid bulk length");
  expect_closed("*2\r\n$7\r\nPUBLISH\r\n$100000\r\n", "invalid bulk length");
  std::string garbage;
  for (uint32_t i = 0; i < (1u << 20); ++i)
    garbage.push_back(static_cast<char>((i * 7919u + i / 13u) % 256u));
  expect_closed(garbage, "invalid inline request");

  CHECK(redis(port, "publish calm still-here") == "1\n");
  CHECK_THAT(bystander.read_until("still-here\r\n"), Catch::EndsWith("$4\r\ncalm\r\n$10\r\nstill-here\r\n"));
}

TEST_CASE("line-mode pub/sub: every line to every client, and topics", "[pubsub]") {
  process p{{bin("plyd"), "pubsub", "--port", local}};
  auto port = p.port();
  REQUIRE(port != 0);
  socket_client one{port};
  socket_client two{port};
  one.send("/sub news\n");
  CHECK_THAT(one.read_until("\r\n"), Catch::Equals("Subscribed to news.\r\n"));
  two.send("hello all\n");
  // The seed's behaviour: the line goes to every client, its sender included, with the source.
  CHECK_THAT(one.read_until("\r\n"), Catch::Matches("<127\\.0\\.0\\.1:\\d+> hello all\r\n"));
  CHECK_THAT(two.read_until("\r\n"), Catch::Matches("<127\\.0\\.0\\.1:\\d+> hello all\r\n"));
  two.send("/pub news extra extra\n");
  CHECK_THAT(one.read_until("\r\n"), Catch::Equals("[news] extra extra\r\n"));
  one.send("/frob\n");
  CHECK_THAT(one.read_until("\r\n"), Catch::StartsWith("Unknown command: /frob"));
}

TEST_CASE("two line-mode pub/sub nodes under injected faults (short reads and writes, EAGAIN "
          "storms) deliver every publication to every subscriber exactly once, in order",
          "[pubsub][cluster][faults]") {
  two_nodes nodes{{}, {}, "read=4,write=6,eagain=0.3"};
  auto a_port = nodes.a_port;
  auto b_port = nodes.b_port;
  REQUIRE(wait_for_log(*nodes.a, "topics now shared with node"));
  REQUIRE(wait_for_log(*nodes.b, "topics now shared with node"));
  std::vector<std::unique_ptr<socket_client>> subs;
  for (auto port : {a_port, a_port, b_port, b_port}) {
    subs.push_back(std::make_unique<socket_client>(port, 10000));
    subs.back()->send("/sub news\n");
    REQUIRE_THAT(subs.back()->read_until("\r\n"), Catch::Equals("Subscribed to news.\r\n"));
  }
  socket_client pub_a{a_port, 10000};
  socket_client pub_b{b_port, 10000};
  // Both publishers reach every subscriber before the count starts.
  pub_a.send("/pub news ready a\n");
  pub_b.send("/pub news ready b\n");
  for (auto& s : subs) {
    auto got = s->read_until("ready a\r\n");
    if (got.find("ready b") == std::string::npos)
      s->read_until("ready b\r\n");
  }
  const int n = 40;
  for (int i = 0; i < n; ++i) {
    pub_a.send("/pub news " + std::to_string(i) + " from a\n");
    pub_b.send("/pub news " + std::to_string(i) + " from b\n");
  }
  for (size_t k = 0; k < subs.size(); ++k) {
    auto seen = subs[k]->read_until("[news] " + std::to_string(n - 1) + " from a\r\n");
    if (seen.find("[news] " + std::to_string(n - 1) + " from b\r\n") == std::string::npos)
      seen += subs[k]->read_until("[news] " + std::to_string(n - 1) + " from b\r\n");
    for (auto from : {"a", "b"}) {
      size_t last = 0;
      for (int i = 0; i < n; ++i) {
        auto text = "[news] " + std::to_string(i) + " from " + from + "\r\n";
        INFO("subscriber " << k << " getting " << text);
        size_t times = 0;
        for (auto pos = seen.find(text); pos != std::string::npos; pos = seen.find(text, pos + 1))
          ++times;
        CHECK(times == 1);
        auto pos = seen.find(text);
        CHECK(pos >= last);
        last = pos;
      }
    }
  }
}

TEST_CASE("a RESP publication with line breaks reaches line-mode subscribers of the cluster as one "
          "line",
          "[pubsub][cluster]") {
  two_nodes nodes{{}, {"--resp"}};
  auto a_port = nodes.a_port;
  auto b_port = nodes.b_port;
  socket_client sub{a_port};
  sub.send("/sub news\n");
  REQUIRE_THAT(sub.read_until("\r\n"), Catch::Equals("Subscribed to news.\r\n"));
  CHECK(publish_until(b_port, "news ok", "1") == "1\n");
  CHECK_THAT(sub.read_until("\r\n"), Catch::Equals("[news] ok\r\n"));
  // A bulk string may hold anything; a line-mode reader sees it as one line.
  socket_client pub{b_port};
  pub.send("*3\r\n$7\r\nPUBLISH\r\n$4\r\nnews\r\n$16\r\nhi\r\n<admin> lies\r\n");
  CHECK(pub.read_until("\r\n") == ":1\r\n");
  CHECK_THAT(sub.read_until("\r\n"), Catch::Equals("[news] hi?" "?<admin> lies\r\n"));
}

TEST_CASE("redis-py gets the same PUBSUB, CLIENT, HELLO and RESET answers from a ply node as "
          "from redis-server, and PUBSUB counts the subscribers of the whole cluster",
          "[pubsub][cluster]") {
  auto script = std::string{PLY_SOURCE_DIR} + "/tests/integration/clients/resp_pubsub.py";
  auto socket = "/tmp/ply-redis-" + std::to_string(::getpid()) + ".sock";
  process redis_server{{"/usr/bin/redis-server", "--port", "0", "--unixsocket", socket,
                        "--save", "", "--appendonly", "no"}};
  for (int i = 0; i < 100 && ::access(socket.c_str(), F_OK) != 0; ++i)
    std::this_thread::sleep_for(50ms);
  two_nodes nodes{{"--resp"}, {"--resp"}};
  REQUIRE(wait_for_log(*nodes.a, "topics now shared with node"));
  auto a = std::to_string(nodes.a_port);
  auto b = std::to_string(nodes.b_port);
  // Python's redis module is Debian's (python3-redis): /usr/bin/python3, whatever else is on PATH.
  CHECK(shell("/usr/bin/python3 " + script + " diff " + socket + " " + a + " 2>&1", 30)
        == "same\n");
  CHECK(shell("/usr/bin/python3 " + script + " cluster " + a + " " + b + " 2>&1", 30)
        == "counted\n");
  redis_server.signal(SIGTERM);
  redis_server.wait();
  ::unlink(socket.c_str());
}
