// SPDX-License-Identifier: MIT
// The seed examples as a user runs them: real binaries, real clients (nc, curl), loopback only.
#include <signal.h>

#include <catch2/catch.hpp>

#include <thread>

#include "socket_client.hpp"
#include "process.hpp"

using namespace ply::test;
using namespace std::chrono_literals;

namespace {

const std::string local = "tcp:0:interface=127.0.0.1";

/// What `NAME --version` prints first: "NAME (ply) 0.1.0".
Catch::Matchers::StdString::RegexMatcher version_line(const std::string& name) {
  return Catch::Matches(name + " \\(ply\\) [0-9]+\\.[0-9]+\\.[0-9]+\n[\\s\\S]*");
}

} // namespace

TEST_CASE("every example answers --help and --version and exits 0", "[examples]") {
  for (auto name : {"echo_server", "echo_client", "double_echo", "set_timeout", "set_interval",
                    "chat_server", "pubsub_server", "web_echo", "length_prefixed",
                    "deferred_callbacks", "deferred_errbacks", "nonblocking_delay", "finger_deferred",
                    "coroutine_chain", "udp_echo", "udp_daytime", "cluster_nodes", "weblog1",
                    "weblog2", "get_page", "three_pages", "fib_server", "starttls_server"}) {
    INFO(name);
    process p{{bin(name), "--help"}};
    CHECK(p.wait() == 0);
    CHECK_THAT(p.output(), Catch::Contains("Usage:"));
    process v{{bin(name), "--version"}};
    CHECK(v.wait() == 0);
    CHECK_THAT(v.output(), version_line(name));
  }
}

TEST_CASE("the tools and benchmark programs answer --version", "[examples]") {
  for (auto name : {"ply-trace", "ply-loadgen", "ply-fanout", "ply-deferred-bench",
                    "ply-remote-bench", "epoll_echo", "asio_echo", "tutorial_echo",
                    "tutorial_finger"}) {
    INFO(name);
    process v{{bin(name), "--version"}};
    CHECK(v.wait() == 0);
    CHECK_THAT(v.output(), version_line(name));
  }
}

TEST_CASE("listening examples take --port, and a bad one is exit code 2", "[examples]") {
  for (auto name : {"echo_server", "double_echo", "chat_server", "pubsub_server", "web_echo",
                    "length_prefixed", "finger_deferred"}) {
    INFO(name);
    process p{{bin(name), "--port", "tcp:not-a-port"}};
    CHECK(p.wait() == 2);
    CHECK_THAT(p.log(), Catch::Contains("bad endpoint 'tcp:not-a-port'"));
    // The reason, and nothing about a stop that never began.
    CHECK_THAT(p.log(), !Catch::Contains("setup failed") && !Catch::Contains("stopping"));
  }
  process unknown{{bin("echo_server"), "--no-such-option"}};
  CHECK(unknown.wait() == 2);
}

TEST_CASE("echo_server echoes to nc and a port in use is a clear error", "[examples]") {
  process server{{bin("echo_server"), "--port", local}};
  auto port = server.port();
  REQUIRE(port != 0);
  CHECK(nc(port, "hello\\nworld\\n") == "hello\nworld\n");
  process second{{bin("echo_server"), "--port", "tcp:" + std::to_string(port) + ":interface=127.0.0.1"}};
  CHECK(second.wait() == 2);
  CHECK_THAT(second.log(), Catch::Contains("Address already in use"));
}

TEST_CASE("echo_client talks to echo_server, and fails clearly when nothing listens",
          "[examples]") {
  process server{{bin("echo_server"), "--port", local}};
  auto port = server.port();
  REQUIRE(port != 0);
  process client{{bin("echo_client"), "--port", "tcp:host=127.0.0.1:port=" + std::to_string(port)}};
  CHECK(client.wait() == 0);
  CHECK_THAT(client.output(), Catch::Contains("Server said: Hello, world!"));
  server.signal(SIGTERM);
  CHECK(server.wait() == 0);
  process lonely{{bin("echo_client"), "--port", "tcp:host=127.0.0.1:port=" + std::to_string(port)}};
  CHECK(lonely.wait() != 0);
  CHECK_THAT(lonely.output(), Catch::Contains("Connection failed."));
  CHECK_THAT(lonely.log(), Catch::Contains("connection refused"));
}

TEST_CASE("double_echo prefixes every chunk in two languages from one process", "[examples]") {
  process server{{bin("double_echo"), "--port", local, "--port2", local}};
  auto hello = server.port(0);
  auto bonjour = server.port(1);
  REQUIRE(hello != 0);
  REQUIRE(bonjour != 0);
  CHECK(nc(hello, "x\\n") == "Hello, x\n");
  CHECK(nc(bonjour, "y\\n") == "Bonjour, y\n");
  // Every chunk: a second write, after the first was answered, is greeted again.
  socket_client c{hello};
  c.send("one\n");
  CHECK(c.read_until("\n") == "Hello, one\n");
  c.send("two\n");
  CHECK(c.read_until("\n") == "Hello, two\n");
}

TEST_CASE("set_timeout prints the time four times, then stops", "[examples]") {
  process p{{bin("set_timeout"), "--scale", "0.02"}};
  CHECK(p.wait() == 0);
  CHECK_THAT(p.output(), Catch::Matches("Running the reactor\\.\\.\\.\n"
                                        "(Current time is \\d\\d:\\d\\d:\\d\\d\n){4}"
                                        "Stopping reactor\nReactor stopped\\.\n"));
}

TEST_CASE("set_interval says hello world until its --count, then stops", "[examples]") {
  process p{{bin("set_interval"), "--interval", "0.02", "--count", "4"}};
  CHECK(p.wait() == 0);
  CHECK(p.output() == "hello world\nhello world\nhello world\nhello world\n");
}

TEST_CASE("chat_server: names, joins, lines to everyone else, leaves", "[examples]") {
  process server{{bin("chat_server"), "--port", local}};
  auto port = server.port();
  REQUIRE(port != 0);
  socket_client alice{port};
  CHECK(alice.read_until("\r\n") == "What's your name?\r\n");
  alice.send("alice\n");
  CHECK(alice.read_until("\r\n") == "Welcome, alice!\r\n");
  socket_client bob{port};
  CHECK(bob.read_until("\r\n") == "What's your name?\r\n");
  bob.send("alice\r\n");
  CHECK(bob.read_until("\r\n") == "Name taken, please choose another.\r\n");
  bob.send("bob\n");
  CHECK(bob.read_until("\r\n") == "Welcome, bob!\r\n");
  CHECK(alice.read_until("\r\n") == "bob has joined the channel.\r\n");
  alice.send("hi bob\n");
  CHECK(bob.read_until("\r\n") == "<alice> hi bob\r\n");
  bob.send("hello alice\n");
  CHECK(alice.read_until("\r\n") == "<bob> hello alice\r\n");
  // A line over the limit closes only that connection.
  socket_client mallory{port};
  CHECK(mallory.read_until("\r\n") == "What's your name?\r\n");
  mallory.send(std::string(20000, 'm'));
  CHECK(mallory.read_to_eof().second);
  bob.reset();
  CHECK(alice.read_until("\r\n") == "bob has left the channel.\r\n");
  alice.send("anyone?\n");
  server.signal(SIGTERM);
  CHECK(server.wait() == 0);
  CHECK(alice.read_to_eof().second);
}

TEST_CASE("pubsub_server sends every line to every client with the server's address, or with "
          "--sender the sender's",
          "[examples]") {
  for (bool by_sender : {false, true}) {
    INFO("--sender " << by_sender);
    std::vector<std::string> args{bin("pubsub_server"), "--port", local};
    if (by_sender)
      args.push_back("--sender");
    process server{args};
    auto port = server.port();
    REQUIRE(port != 0);
    socket_client a{port};
    socket_client b{port};
    // b is there once it hears its own line (a, accepted first, is there too).
    b.send("b is here\n");
    CHECK_THAT(b.read_until("\r\n"), Catch::EndsWith("> b is here\r\n"));
    a.send("news\n");
    auto at_b = b.read_until("news\r\n");
    at_b = at_b.substr(at_b.rfind('<'));
    auto server_address = "<127.0.0.1:" + std::to_string(port) + "> news\r\n";
    if (by_sender) {
      CHECK_THAT(at_b, Catch::Matches("<127\\.0\\.0\\.1:\\d+> news\r\n"));
      CHECK(at_b != server_address);
    } else {
      CHECK(at_b == server_address);
    }
    CHECK_THAT(a.read_until("news\r\n"), Catch::EndsWith(at_b));
  }
}

TEST_CASE("web_echo answers curl with the request's lines", "[examples]") {
  process server{{bin("web_echo"), "--port", local}};
  auto port = server.port();
  REQUIRE(port != 0);
  auto body = shell("curl -s -H \"X-Test: yes\" http://127.0.0.1:" + std::to_string(port) + "/path");
  CHECK_THAT(body, Catch::StartsWith("You said:\r\n\r\nGET /path HTTP/1.1\r\n"));
  CHECK_THAT(body, Catch::Contains("X-Test: yes"));
}

TEST_CASE("length_prefixed client and server exchange framed messages", "[examples]") {
  process server{{bin("length_prefixed"), "--port", local}};
  auto port = server.port();
  REQUIRE(port != 0);
  process client{{bin("length_prefixed"), "--connect",
                  "tcp:host=127.0.0.1:port=" + std::to_string(port), "--message", "one",
                  "--message", "two words"}};
  CHECK(client.wait() == 0);
  CHECK(client.output() == "echo: one\necho: two words\n");
  // An announced length over the limit closes that connection with a log line.
  auto reply = shell("printf \"\\xff\\xff\\xff\\xffjunk\" | nc -w 3 127.0.0.1 " + std::to_string(port) + " | wc -c");
  CHECK(reply == "0\n");
  CHECK_THAT(server.log(), Catch::Contains("exceeds the limit"));
}

TEST_CASE("SIGTERM and SIGINT stop a server gracefully: clients see EOF, exit code 0",
          "[examples]") {
  for (int sig : {SIGTERM, SIGINT}) {
    process server{{bin("echo_server"), "--port", local}};
    auto port = server.port();
    REQUIRE(port != 0);
    socket_client c{port};
    c.send("ping");
    CHECK(c.read_exactly(4) == "ping");
    auto started = std::chrono::steady_clock::now();
    server.signal(sig);
    CHECK(server.wait() == 0);
    CHECK(std::chrono::steady_clock::now() - started < 2s);
    CHECK(c.read_to_eof().second);
  }
}

TEST_CASE("udp_echo and udp_daytime answer nc -u datagrams", "[examples][udp]") {
  process echo{{bin("udp_echo"), "--port", "udp:0:interface=127.0.0.1"}};
  auto port = std::to_string(echo.port());
  CHECK(shell("printf 'hello datagram' | nc -u -w1 127.0.0.1 " + port) == "hello datagram");
  // Datagrams keep their boundaries: two sends, two answers.
  CHECK(shell("(printf one; sleep 0.2; printf two) | nc -u -w1 127.0.0.1 " + port) == "onetwo");
  process daytime{{bin("udp_daytime"), "--port", "udp:0:interface=127.0.0.1"}};
  auto text = shell("printf x | nc -u -w1 127.0.0.1 " + std::to_string(daytime.port()));
  CHECK_THAT(text, Catch::Matches(R"(\w+day, \w+ \d\d, \d{4} \d\d:\d\d:\d\d-UTC\r\n)"));
  process wrong{{bin("udp_echo"), "--port", "tcp:0"}};
  CHECK(wrong.wait() == 2);
  CHECK_THAT(wrong.log(), Catch::Contains("listen_udp wants udp:PORT"));
}

TEST_CASE("a program of one's own joins a cluster: two cluster_nodes see each other and pass "
          "shouts between them",
          "[examples]") {
  // Run by ply::run_application, not plyd: the cluster service loads CAF's middleman itself.
  process a{{bin("cluster_nodes"), "--port", local, "--cluster", "tcp:0"}};
  auto a_cluster = a.port(0);
  auto a_port = a.port(1);
  REQUIRE(a_port != 0);
  process b{{bin("cluster_nodes"), "--port", local, "--cluster", "tcp:0", "--join",
             "127.0.0.1:" + std::to_string(a_cluster)}};
  auto b_port = b.port(1);
  REQUIRE(b_port != 0);
  // The link comes up within the join's time; until then b knows no other node.
  std::string answer;
  for (int i = 0; i < 100 && answer.find("1 other node(s)") == std::string::npos; ++i) {
    answer = nc(b_port, "nodes\\n");
    if (answer.find("1 other node(s)") == std::string::npos)
      std::this_thread::sleep_for(100ms);
  }
  CHECK(answer == "1 other node(s): 127.0.0.1:" + std::to_string(a_cluster) + "\r\n");
  CHECK(nc(a_port, "hello\\n") == "say 'nodes' or 'shout TEXT'\r\n");
  // A shout on one node reaches the connections of both: a PLY_CLUSTER_MESSAGE between the halls.
  socket_client on_a{a_port, 10000};
  socket_client on_b{b_port, 10000};
  // a's hall may meet b's a little after b's met a's: ask a too (and both connections are there).
  std::string a_answer;
  for (int i = 0; i < 100 && a_answer.find("1 other node(s)") == std::string::npos; ++i) {
    on_a.send("nodes\n");
    a_answer = on_a.read_until("\r\n");
    if (a_answer.find("1 other node(s)") == std::string::npos)
      std::this_thread::sleep_for(100ms);
  }
  CHECK(a_answer == "1 other node(s): 127.0.0.1:" + std::to_string(b.port(0)) + "\r\n");
  on_b.send("shout hello from b\n");
  CHECK(on_b.read_until("\r\n") == "hello from b\r\n");
  CHECK(on_a.read_until("\r\n") == "hello from b\r\n");
  on_a.send("shout and back\n");
  CHECK(on_a.read_until("\r\n") == "and back\r\n");
  CHECK(on_b.read_until("\r\n") == "and back\r\n");
  // A clustered program with a bad --join is a one-line error and exit code 2.
  process bad{{bin("cluster_nodes"), "--port", local, "--cluster", "tcp:0", "--join", "nowhere"}};
  CHECK(bad.wait() == 2);
  CHECK_THAT(bad.log(), Catch::Contains("bad --join 'nowhere'"));
  process bad_port{{bin("cluster_nodes"), "--port", "tcp:not-a-port", "--cluster", "tcp:0"}};
  CHECK(bad_port.wait() == 2);
  CHECK_THAT(bad_port.log(), Catch::Contains("bad endpoint 'tcp:not-a-port'"));
  for (auto* p : {&a, &b}) {
    p->signal(SIGTERM);
    CHECK(p->wait() == 0);
  }
}

TEST_CASE("CAF options come from --caf-config FILE, and a file CAF cannot read is exit code 2",
          "[examples]") {
  auto good = "/tmp/ply-caf-" + std::to_string(::getpid()) + ".ini";
  auto bad = good + ".bad";
  shell("printf 'garbage [[[\\n' > " + bad);
  // The file counts: CAF starts as many scheduler threads as it says.
  auto threads_with = [&](int workers) {
    shell("printf '[scheduler]\\nmax-threads=" + std::to_string(workers) + "\\n' > " + good);
    process p{{bin("echo_server"), "--port", local, "--caf-config", good}};
    auto port = p.port();
    REQUIRE(port != 0);
    CHECK(nc(port, "configured\\n") == "configured\n");
    auto threads = std::stoi(shell("awk '/^Threads:/ { print $2 }' /proc/" +
                                   std::to_string(p.pid()) + "/status"));
    p.signal(SIGTERM);
    CHECK(p.wait() == 0);
    return threads;
  };
  CHECK(threads_with(6) - threads_with(1) == 5);
  process q{{bin("echo_server"), "--port", local, "--caf-config", bad}};
  CHECK(q.wait() == 2);
  CHECK_THAT(q.log(), Catch::Contains("cannot use CAF options from " + bad + ": parser_error"));
  process d{{bin("plyd"), "--caf-config", bad, "echo", "--port", local}};
  CHECK(d.wait() == 2);
  CHECK_THAT(d.log(), Catch::Contains("cannot use CAF options from " + bad));
  shell("rm -f " + good + " " + bad);
}
