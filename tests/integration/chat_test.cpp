// SPDX-License-Identifier: MIT
// plyd chat as people use it: nc-like clients on several nodes of a cluster.
#include <signal.h>

#include <catch2/catch.hpp>

#include <atomic>
#include <map>
#include <memory>
#include <thread>

#include "chat_users.hpp"
#include "socket_client.hpp"
#include "process.hpp"
#include "tcp_proxy.hpp"

using namespace ply::test;
using namespace std::chrono_literals;

namespace {

const std::string local = "tcp:0:interface=127.0.0.1";

/// A chat node: the cluster's "listening on" line comes first, then the chat's.
struct node {
  std::unique_ptr<process> proc;
  uint16_t cluster = 0;
  uint16_t chat = 0;

  /// `faults`, when given, is the node's PLY_FAULTS.
  explicit node(std::vector<std::string> extra = {}, const std::string& faults = {}) {
    std::vector<std::string> argv{bin("plyd"), "chat", "--port", local, "--cluster", "tcp:0"};
    if (!faults.empty())
      argv.insert(argv.begin(), {"/usr/bin/env", "PLY_FAULTS=" + faults});
    argv.insert(argv.end(), extra.begin(), extra.end());
    proc = std::make_unique<process>(argv);
    cluster = proc->port(0);
    chat = proc->port(1);
  }

  std::string join_arg() const {
    return "127.0.0.1:" + std::to_string(cluster);
  }
};

/// A node is noticed gone within 5 s. ThreadSanitizer slows every node several times over (and
/// the heartbeats with them): there the bound is looser, and the read timeouts with it.
#if defined(__SANITIZE_THREAD__)
constexpr auto gone_within = 15s;
constexpr int slow_read_ms = 20000;
#else
constexpr auto gone_within = 5s;
constexpr int slow_read_ms = 8000;
#endif

} // namespace

TEST_CASE("three chat nodes: every line reaches every member exactly once, in order, /who spans "
          "the cluster, a killed node's users leave within 5 s",
          "[chat][cluster]") {
  node a;
  node b{{"--join", a.join_arg()}};
  node c{{"--join", b.join_arg()}};  // learns about a from b: membership spreads
  REQUIRE(a.chat != 0);
  REQUIRE(b.chat != 0);
  REQUIRE(c.chat != 0);
  for (auto* n : {&a, &b, &c})
    REQUIRE(wait_for_log(*n->proc, "rooms now shared with node", 2, 10s));

  auto alice = login(a.chat, "alice");
  auto bob = login(b.chat, "bob");
  auto carol = login(c.chat, "carol");
  CHECK_THAT(alice->read_until("carol has joined the channel.\r\n"),
             Catch::Contains("bob has joined the channel.\r\n"));
  CHECK_THAT(bob->read_until("\r\n"), Catch::Equals("carol has joined the channel.\r\n"));

  // Everyone speaks 30 lines at once.
  auto seen = everyone_speaks({{"alice", alice.get()}, {"bob", bob.get()}, {"carol", carol.get()}},
                              30);
  for (auto& [name, text] : seen) {
    INFO(name);
    auto who = text.substr(text.rfind("Online"));
    CHECK_THAT(who, Catch::StartsWith("Online (3): alice [lobby"));
    CHECK_THAT(who, Catch::Contains("bob [lobby") && Catch::Contains("carol [lobby"));
  }

  // /msg reaches a user on another node; /me goes to the room.
  alice->send("/msg carol psst\n");
  CHECK_THAT(carol->read_until("\r\n"), Catch::Equals("*alice* psst\r\n"));
  bob->send("/me waves\n");
  CHECK_THAT(carol->read_until("\r\n"), Catch::Equals("* bob waves\r\n"));
  CHECK_THAT(alice->read_until("\r\n"), Catch::Equals("* bob waves\r\n"));

  // Names are unique across the cluster.
  {
    socket_client dup{c.chat};
    dup.read_until("\r\n");
    dup.send("alice\n");
    CHECK_THAT(dup.read_until("\r\n"), Catch::Equals("Name taken, please choose another.\r\n"));
  }

  // kill -9 b: bob leaves in a's and c's view within 5 s.
  auto killed = std::chrono::steady_clock::now();
  b.proc->signal(SIGKILL);
  all_hear_leave({alice.get(), carol.get()}, "bob", killed, gone_within);
  // The rest go on.
  alice->send("still here\n");
  CHECK_THAT(carol->read_until("\r\n"), Catch::Equals("<alice> still here\r\n"));
  carol->send("/who\n");
  CHECK_THAT(carol->read_until("\r\n"), Catch::StartsWith("Online (2): alice [lobby"));
}

TEST_CASE("chat rooms, commands and refusals", "[chat]") {
  process p{{bin("plyd"), "chat", "--port", local, "--max-line", "1024"}};
  auto port = p.port();
  REQUIRE(port != 0);
  auto ann = login(port, "ann");
  auto ben = login(port, "ben");
  ann->read_until("ben has joined the channel.\r\n");

  ben->send("/join dev\n");
  CHECK_THAT(ben->read_until("\r\n"), Catch::Equals("You are now in dev.\r\n"));
  CHECK_THAT(ann->read_until("\r\n"), Catch::Equals("ben has left the channel.\r\n"));
  ann->send("/rooms\n");
  CHECK_THAT(ann->read_until("\r\n"), Catch::Equals("Rooms: dev (1) lobby (1)\r\n"));
  ann->send("only the lobby hears this\n/join dev\n");
  CHECK_THAT(ann->read_until("\r\n"), Catch::Equals("You are now in dev.\r\n"));
  CHECK_THAT(ben->read_until("\r\n"), Catch::Equals("ann has joined the channel.\r\n"));
  ann->send("/msg nobody hi\n");
  CHECK_THAT(ann->read_until("\r\n"), Catch::Equals("No such user: nobody\r\n"));
  ann->send("/frobnicate\n");
  CHECK_THAT(ann->read_until("\r\n"), Catch::StartsWith("Unknown command: /frobnicate"));

  // Bad names are refused with a reason, and the user may try again.
  socket_client bad{port};
  bad.read_until("\r\n");
  bad.send(std::string(40, 'x') + "\n");
  CHECK_THAT(bad.read_until("\r\n"), Catch::StartsWith("Name refused: longer than 32 bytes"));
  bad.send("two words\n");
  CHECK_THAT(bad.read_until("\r\n"), Catch::StartsWith("Name refused: it contains spaces"));
  bad.send("bell\x07\n");
  CHECK_THAT(bad.read_until("\r\n"),
             Catch::StartsWith("Line refused: it contains control characters"));
  CHECK(bad.read_to_eof().second);

  // A line over the limit (here 1 KiB; 1 MiB sent) closes only that connection.
  {
    socket_client big{port};
    big.read_until("\r\n");
    big.send("huge\n");
    big.read_until("\r\n");
    try {
      big.send(std::string(1 << 20, 'a') + "\n");
    } catch (const std::exception&) {
      // The server may close before it has read everything.
    }
    auto [rest, eof] = big.read_to_eof();
    CHECK_THAT(rest, Catch::Contains("Line refused: longer than 1024 bytes"));
    CHECK(eof);
  }
  // Binary garbage closes that connection too.
  {
    socket_client junk{port};
    junk.read_until("\r\n");
    std::string garbage;
    for (int i = 0; i < 4096; ++i)
      garbage.push_back(static_cast<char>((i * 7919) % 256));
    try {
      junk.send(garbage);
    } catch (const std::exception&) {
    }
    CHECK(junk.read_to_eof().second);
  }
  // The others are unaffected.
  ben->read_until("huge has joined the channel.\r\n");
  ann->send("/quit\n");
  auto [bye, eof] = ann->read_to_eof();
  CHECK_THAT(bye, Catch::EndsWith("Bye!\r\n"));
  CHECK(eof);
  CHECK_THAT(ben->read_until("ann has left the channel.\r\n"),
             Catch::EndsWith("ann has left the channel.\r\n"));
}

TEST_CASE("a chat client that does not read is cut off, the others are not slowed", "[chat]") {
  process p{{bin("plyd"), "chat", "--port", local, "--max-buffer", "65536"}};
  auto port = p.port();
  REQUIRE(port != 0);
  auto talker = login(port, "talker");
  auto reader = login(port, "reader");
  auto sleeper = std::make_unique<socket_client>(port, 3000, 4096);
  sleeper->read_until("\r\n");
  sleeper->send("sleeper\n");  // ... and never reads again
  talker->read_until("sleeper has joined the channel.\r\n");

  // The reader drains in the background while the talker floods the room, until the sleeper
  // is cut off (the kernel's socket buffers take a few megabytes first).
  std::atomic<size_t> heard{0};
  std::thread drain{[&] {
    // One read may bring several lines: count them all.
    for (;;) {
      auto got = reader->read_until("\r\n");
      for (size_t at = got.find("<talker> line "); at != std::string::npos;
           at = got.find("<talker> line ", at + 1))
        ++heard;
      if (got.empty() || got.find("<talker> END\r\n") != std::string::npos)
        break;
    }
  }};
  std::string pad(1000, '.');
  size_t said = 0;
  bool cut = false;
  while (!cut && said < 40000) {
    for (int i = 0; i < 500; ++i, ++said)
      talker->send("line " + std::to_string(said) + " " + pad + "\n");
    // A talker no faster than its listeners: the reader keeps up, the sleeper does not read.
    for (int i = 0; i < 500 && heard < said; ++i)
      std::this_thread::sleep_for(10ms);
    cut = p.log().find("chat user 'sleeper' is not reading") != std::string::npos;
  }
  talker->send("END\n");
  drain.join();
  CHECK(cut);
  CHECK(heard == said);  // the reader missed nothing
  CHECK(sleeper->read_to_eof().second);
}

TEST_CASE("cluster links over TLS: only nodes with the cluster's certificate join, garbage on the cluster "
          "port breaks no link",
          "[chat][cluster]") {
  auto dir = "/tmp/ply-tls-test-" + std::to_string(::getpid());
  REQUIRE(shell_status("mkdir -p " + dir + " && cd " + dir +
                       " && openssl req -x509 -newkey rsa:2048 -nodes -days 1 -subj /CN=ply-ca"
                       " -keyout ca.key -out ca.pem"
                       " && openssl req -newkey rsa:2048 -nodes -subj /CN=node -keyout node.key"
                       " -out node.csr"
                       " && openssl x509 -req -in node.csr -CA ca.pem -CAkey ca.key"
                       " -CAcreateserial -days 1 -out node.pem"
                       " && openssl req -x509 -newkey rsa:2048 -nodes -days 1 -subj /CN=intruder"
                       " -keyout bad.key -out bad.pem",
                       30) == 0);
  std::vector<std::string> good{"--cluster-tls", dir + "/node.pem", dir + "/node.key",
                                dir + "/ca.pem"};
  node a{good};
  auto join_good = good;
  join_good.insert(join_good.end(), {"--join", a.join_arg()});
  node b{join_good};
  REQUIRE(wait_for_log(*a.proc, "rooms now shared with node"));
  CHECK_THAT(a.proc->log(), Catch::Contains("(TLS)"));

  node intruder{{"--cluster-tls", dir + "/bad.pem", dir + "/bad.key", dir + "/bad.pem", "--join",
                 a.join_arg()}};
  node plain{{"--join", a.join_arg()}};
  CHECK(wait_for_log(*intruder.proc, "cannot reach " + a.join_arg()));
  CHECK(wait_for_log(*plain.proc, "cannot reach " + a.join_arg()));
  shell("head -c 3000 /dev/urandom | nc -N -w 1 127.0.0.1 " + std::to_string(a.cluster));

  auto ann = login(a.chat, "ann");
  auto bo = login(b.chat, "bo");
  ann->read_until("bo has joined the channel.\r\n");
  bo->send("over TLS\n");
  CHECK_THAT(ann->read_until("\r\n"), Catch::Equals("<bo> over TLS\r\n"));
  CHECK_THAT(a.proc->log(), !Catch::Contains("is gone"));
  shell("rm -rf " + dir);
}

// No ": " far into a test's name: Catch indents a failure's header by its position, and one past
// the width of the console makes the reporter loop.
TEST_CASE("two chat nodes under injected faults (short reads and writes, EAGAIN storms) deliver "
          "every line to every member exactly once, in order",
          "[chat][cluster][faults]") {
  const std::string faults = "read=5,write=7,eagain=0.3";
  node a{{}, faults};
  node b{{"--join", a.join_arg()}, faults};
  REQUIRE(a.chat != 0);
  REQUIRE(b.chat != 0);
  REQUIRE(wait_for_log(*a.proc, "injecting faults: read=5,write=7,eagain=0.3"));
  for (auto* n : {&a, &b})
    REQUIRE(wait_for_log(*n->proc, "rooms now shared with node", 1, 10s));
  std::map<std::string, std::unique_ptr<socket_client>> users;
  // Read timeouts of 10 s: faults and a sanitizer's slowdown together make for slow nodes.
  users["ann"] = login(a.chat, "ann", 10000);
  users["ben"] = login(b.chat, "ben", 10000);
  users["cat"] = login(a.chat, "cat", 10000);
  users["dan"] = login(b.chat, "dan", 10000);
  // Everyone has seen everyone arrive before the lines start.
  users["ann"]->read_until("dan has joined the channel.\r\n");
  users["ben"]->read_until("dan has joined the channel.\r\n");
  users["cat"]->read_until("dan has joined the channel.\r\n");
  std::map<std::string, socket_client*> speakers;
  for (auto& [name, client] : users)
    speakers[name] = client.get();
  everyone_speaks(speakers, 40);
}

TEST_CASE("cluster faults: a dropped link, a frozen node (SIGSTOP) and a killed one are noticed "
          "within 5 s, the others keep serving, and the node rejoins when it is back (or restarted)",
          "[chat][cluster][faults]") {
  node a;
  REQUIRE(a.chat != 0);
  // b joins through a proxy that can cut the link between a and b.
  tcp_proxy link{a.cluster};
  process b{{bin("plyd"), "chat", "--port", local, "--join",
             "127.0.0.1:" + std::to_string(link.port())}};
  auto b_chat = b.port(1);
  REQUIRE(b_chat != 0);
  // c joins once a and b are linked through the proxy: a then knows b when c's membership news
  // arrives, and does not dial b directly (a second link that the proxy could not cut).
  REQUIRE(wait_for_log(b, "rooms now shared with node", 1, 10s));
  REQUIRE(wait_for_log(*a.proc, "rooms now shared with node", 1, 10s));
  node c{{"--join", a.join_arg()}};
  REQUIRE(c.chat != 0);
  REQUIRE(wait_for_log(*a.proc, "rooms now shared with node", 2, 10s));
  REQUIRE(wait_for_log(*c.proc, "rooms now shared with node", 1, 10s));

  // Whether all three users are in the /who of each of `users` within `tries` quarter seconds.
  auto all_online = [](int tries, std::vector<socket_client*> users) {
    for (int i = 0; i < tries; ++i) {
      std::this_thread::sleep_for(250ms);
      bool everyone = true;
      for (auto* u : users) {
        u->send("/who\n");
        // Past the lines about users leaving and joining, to the answer.
        std::string line;
        do
          line = u->read_until("\r\n");
        while (!line.empty() && line.rfind("Online (", 0) != 0);
        UNSCOPED_INFO("/who: " << line);
        everyone = everyone && line.rfind("Online (3)", 0) == 0;
      }
      if (everyone)
        return true;
    }
    return false;
  };

  // Slow enough to see a node go.
  auto alice = login(a.chat, "alice", slow_read_ms);
  auto carol = login(c.chat, "carol", slow_read_ms);
  alice->read_until("carol has joined the channel.\r\n");
  auto bob = login(b_chat, "bob", slow_read_ms);
  alice->read_until("bob has joined the channel.\r\n");
  carol->read_until("bob has joined the channel.\r\n");

  SECTION("a dropped link") {
    auto cut = std::chrono::steady_clock::now();
    link.drop();
    CHECK_THAT(alice->read_until("bob has left the channel.\r\n"),
               Catch::EndsWith("bob has left the channel.\r\n"));
    auto noticed = std::chrono::steady_clock::now() - cut;
    WARN("noticed after " << std::chrono::duration_cast<std::chrono::milliseconds>(noticed).count()
                          << " ms");
    CHECK(noticed < gone_within);
    // The rest of the cluster goes on.
    alice->send("a and c still talk\n");
    CHECK_THAT(carol->read_until("a and c still talk\r\n"),
               Catch::EndsWith("<alice> a and c still talk\r\n"));
    // The link comes back, and b is with everyone again (a may also have dialled b directly).
    link.restore();
    CHECK(all_online(40, {alice.get(), bob.get(), carol.get()}));
    bob->send("back again\n");
    CHECK_THAT(alice->read_until("back again\r\n"), Catch::EndsWith("<bob> back again\r\n"));
  }

  SECTION("a killed node, restarted") {
    c.proc->signal(SIGKILL);
    CHECK_THAT(alice->read_until("carol has left the channel.\r\n"),
               Catch::EndsWith("carol has left the channel.\r\n"));
    node again{{"--join", a.join_arg()}};
    REQUIRE(again.chat != 0);
    REQUIRE(wait_for_log(*again.proc, "rooms now shared with node", 2, 10s));
    auto carol2 = login(again.chat, "carol", slow_read_ms);
    CHECK_THAT(alice->read_until("carol has joined the channel.\r\n"),
               Catch::EndsWith("carol has joined the channel.\r\n"));
    CHECK_THAT(bob->read_until("carol has joined the channel.\r\n"),
               Catch::EndsWith("carol has joined the channel.\r\n"));
    carol2->send("new process, same name\n");
    CHECK_THAT(bob->read_until("same name\r\n"), Catch::EndsWith("<carol> new process, same name\r\n"));
  }

  SECTION("a frozen node") {
    auto frozen = std::chrono::steady_clock::now();
    c.proc->signal(SIGSTOP);
    CHECK_THAT(alice->read_until("carol has left the channel.\r\n"),
               Catch::EndsWith("carol has left the channel.\r\n"));
    auto noticed = std::chrono::steady_clock::now() - frozen;
    WARN("noticed after " << std::chrono::duration_cast<std::chrono::milliseconds>(noticed).count()
                          << " ms");
    CHECK(noticed < gone_within);
    CHECK_THAT(bob->read_until("carol has left the channel.\r\n"),
               Catch::EndsWith("carol has left the channel.\r\n"));
    alice->send("without c\n");
    CHECK_THAT(bob->read_until("without c\r\n"), Catch::EndsWith("<alice> without c\r\n"));
    // Thawed, c finds its links gone, dials its seed again and rejoins, with carol: back in
    // everyone's /who.
    c.proc->signal(SIGCONT);
    auto back = all_online(60, {alice.get(), bob.get(), carol.get()});
    if (!back)
      WARN("a:\n" << a.proc->log() << "\nb:\n" << b.log() << "\nc:\n" << c.proc->log());
    CHECK(back);
    carol->send("thawed\n");
    CHECK_THAT(alice->read_until("thawed\r\n"), Catch::EndsWith("<carol> thawed\r\n"));
    CHECK_THAT(bob->read_until("thawed\r\n"), Catch::EndsWith("<carol> thawed\r\n"));
  }
}
