// SPDX-License-Identifier: MIT
// Clusters as on several machines: each node on a host of its own (a network namespace with its
// own network stack), clients on yet another, links pulled and the network split for real.
#include <signal.h>

#include <catch2/catch.hpp>

#include <algorithm>
#include <chrono>
#include <map>
#include <memory>
#include <optional>
#include <regex>
#include <set>
#include <thread>

#include "chat_users.hpp"
#include "netns_lab.hpp"
#include "process.hpp"

using namespace ply::test;
using namespace std::chrono_literals;

namespace {

constexpr uint16_t chat_port = 7000;
constexpr uint16_t cluster_port = 9000;

/// A node is noticed gone within 5 s, and the cluster re-forms within 10 s of a heal;
/// ThreadSanitizer slows the heartbeats several times over, so there the bounds are looser.
#if defined(__SANITIZE_THREAD__)
constexpr auto gone_within = 15s;
constexpr auto reformed_within = 30s;
constexpr int read_ms = 20000;
#else
constexpr auto gone_within = 5s;
constexpr auto reformed_within = 10s;
constexpr int read_ms = 8000;
#endif

/// Whether the lab can be made; if not, the test says why and passes without running.
bool lab_possible() {
  auto why = netns_lab::unavailable();
  if (!why.empty())
    WARN("skipped: " << why);
  return why.empty();
}

/// `plyd PLUGIN` on host `i` of `lab`, its cluster on the host's address, joined to host 0.
std::unique_ptr<process> start_node(const netns_lab& lab, size_t i, const std::string& plugin,
                                    uint16_t port, std::vector<std::string> extra = {}) {
  std::vector<std::string> argv{bin("plyd"), plugin, "--port", "tcp:" + std::to_string(port),
                                "--cluster", "tcp:" + std::to_string(cluster_port) + ":interface="
                                               + netns_lab::address(i)};
  if (i != 0)
    argv.insert(argv.end(),
                {"--join", netns_lab::address(0) + ":" + std::to_string(cluster_port)});
  argv.insert(argv.end(), extra.begin(), extra.end());
  return std::make_unique<process>(lab.in(i, argv));
}

/// `n` nodes of `plugin` on hosts 0 to n-1 (see start_node), each linked to the n-1 others (it
/// logged `linked`, its line for a peer, n-1 times) before this returns.
std::vector<std::unique_ptr<process>> start_cluster(const netns_lab& lab, size_t n,
                                                    const std::string& plugin, uint16_t port,
                                                    const std::string& linked,
                                                    std::vector<std::string> extra = {}) {
  std::vector<std::unique_ptr<process>> nodes;
  for (size_t i = 0; i < n; ++i)
    nodes.push_back(start_node(lab, i, plugin, port, extra));
  for (auto& node : nodes)
    REQUIRE(wait_for_log(*node, linked, n - 1, 10s));
  return nodes;
}

/// `argv` as one line for the shell (words without spaces or quotes).
std::string command_line(const std::vector<std::string>& argv) {
  std::string out;
  for (auto& a : argv)
    out += (out.empty() ? "" : " ") + a;
  return out;
}

/// Whether `PUBLISH news MESSAGE`, sent from host `from` to the RESP node at `ipv4`, answers
/// `expected` receivers within `within` (subscriptions elsewhere take a moment to count).
bool published(const netns_lab& lab, size_t from, const std::string& ipv4,
               const std::string& message, const std::string& expected,
               std::chrono::milliseconds within) {
  auto deadline = std::chrono::steady_clock::now() + within;
  auto publish = command_line(lab.in(from, {"redis-cli", "-h", ipv4, "-p", "6379", "publish",
                                            "news", message}));
  std::string got;
  for (;;) {
    got = shell(publish);
    if (got == expected + "\n" || std::chrono::steady_clock::now() > deadline)
      break;
    std::this_thread::sleep_for(50ms);
  }
  UNSCOPED_INFO(ipv4 << " counted " << got);
  return got == expected + "\n";
}

/// The answer to /who, past any lines about users coming and going.
std::string who(socket_client& user) {
  user.send("/who\n");
  std::string line;
  do
    line = user.read_until("\r\n");
  while (!line.empty() && line.rfind("Online (", 0) != 0);
  return line;
}

/// Whether each of `users` sees `online` users in its /who within `within`.
bool all_see(const std::vector<socket_client*>& users, size_t online,
             std::chrono::milliseconds within) {
  auto deadline = std::chrono::steady_clock::now() + within;
  auto want = "Online (" + std::to_string(online) + ")";
  for (;;) {
    bool all = true;
    for (auto* u : users) {
      auto line = who(*u);
      UNSCOPED_INFO("/who: " << line);
      all = all && line.rfind(want, 0) == 0;
    }
    if (all)
      return true;
    if (std::chrono::steady_clock::now() > deadline)
      return false;
    std::this_thread::sleep_for(250ms);
  }
}

} // namespace

TEST_CASE("three chat nodes on hosts of their own, users on a fourth: every line reaches every "
          "member exactly once, in order, and a killed node's users leave within 5 s",
          "[chat][cluster][netns]") {
  if (!lab_possible())
    return;
  netns_lab lab{4};
  const size_t clients = 3;
  auto nodes = start_cluster(lab, 3, "chat", chat_port, "rooms now shared with node");
  CHECK_THAT(nodes[0]->log(), Catch::Contains("198.18.0.2:9000")
                                && Catch::Contains("198.18.0.3:9000"));

  auto on = [&](size_t node, const std::string& name) {
    return login(lab.connect(clients, netns_lab::address(node), chat_port, read_ms), name);
  };
  auto alice = on(0, "alice");
  auto bob = on(1, "bob");
  auto carol = on(2, "carol");
  alice->read_until("carol has joined the channel.\r\n");
  bob->read_until("carol has joined the channel.\r\n");
  auto seen = everyone_speaks({{"alice", alice.get()}, {"bob", bob.get()}, {"carol", carol.get()}},
                              30);
  for (auto& [name, text] : seen) {
    INFO(name);
    CHECK_THAT(text.substr(text.rfind("Online")), Catch::StartsWith("Online (3): alice [lobby"));
  }

  auto killed = std::chrono::steady_clock::now();
  nodes[1]->signal(SIGKILL);
  all_hear_leave({alice.get(), carol.get()}, "bob", killed, gone_within);
  alice->send("still here\n");
  CHECK_THAT(carol->read_until("\r\n"), Catch::Equals("<alice> still here\r\n"));
}

TEST_CASE("two RESP pub/sub nodes on hosts of their own: redis-cli on a third subscribes on one "
          "and publishes on the other",
          "[pubsub][cluster][netns]") {
  if (!lab_possible())
    return;
  netns_lab lab{3};
  const size_t clients = 2;
  auto nodes = start_cluster(lab, 2, "pubsub", 6379, "topics now shared with node", {"--resp"});
  auto out = "/tmp/ply-netns-pubsub-" + std::to_string(::getpid());
  shell("(timeout 6 "
        + command_line(lab.in(clients, {"redis-cli", "-h", netns_lab::address(0), "-p", "6379",
                                        "subscribe", "news"}))
        + " > " + out + " 2>&1 &)");
  // The subscription on the first node is counted on the second once the first has told it.
  CHECK(published(lab, clients, netns_lab::address(1), "across-hosts", "1", 7s));
  std::this_thread::sleep_for(300ms);
  CHECK_THAT(shell("cat " + out), Catch::StartsWith("subscribe\nnews\n1\n")
                                     && Catch::Contains("message\nnews\nacross-hosts\n"));
  shell("rm -f " + out);
}

TEST_CASE("a link pulled and a network split 3 + 2: each side notices within 5 s and keeps "
          "serving, and the cluster re-forms by itself within 10 s of the heal",
          "[chat][cluster][netns][partition]") {
  if (!lab_possible())
    return;
  netns_lab lab{5};
  auto nodes = start_cluster(lab, 5, "chat", chat_port, "rooms now shared with node");
  // One user per node, connected from inside the node's host: the split cuts nodes, not users.
  const std::vector<std::string> names{"ann", "ben", "cat", "dan", "eve"};
  std::vector<std::unique_ptr<socket_client>> users;
  std::vector<socket_client*> everyone;
  for (size_t i = 0; i < 5; ++i) {
    users.push_back(login(lab.connect(i, "127.0.0.1", chat_port, read_ms), names[i]));
    everyone.push_back(users.back().get());
  }
  REQUIRE(all_see(everyone, 5, reformed_within));

  SECTION("one node's link down, then up") {
    auto pulled = std::chrono::steady_clock::now();
    lab.set_link(4, false);
    CHECK(all_see({everyone.begin(), everyone.begin() + 4}, 4, gone_within));
    CHECK(all_see({everyone[4]}, 1, gone_within));
    WARN("noticed after " << std::chrono::duration_cast<std::chrono::milliseconds>(
                               std::chrono::steady_clock::now() - pulled)
                               .count()
                          << " ms");
    lab.set_link(4, true);
    CHECK(all_see(everyone, 5, reformed_within));
  }

  SECTION("3 + 2, then healed") {
    auto split = std::chrono::steady_clock::now();
    lab.split({3, 4});
    std::vector<socket_client*> big{everyone[0], everyone[1], everyone[2]};
    std::vector<socket_client*> small{everyone[3], everyone[4]};
    CHECK(all_see(big, 3, gone_within));
    CHECK(all_see(small, 2, gone_within));
    WARN("both sides noticed after "
         << std::chrono::duration_cast<std::chrono::milliseconds>(std::chrono::steady_clock::now()
                                                                   - split)
                .count()
         << " ms");
    // Each side keeps talking: every line to every member of the speaker's side, once, in order.
    everyone_speaks({{"ann", everyone[0]}, {"ben", everyone[1]}, {"cat", everyone[2]}}, 20);
    everyone_speaks({{"dan", everyone[3]}, {"eve", everyone[4]}}, 20);
    // Each side gives out the name "zed": one on node 1 (198.18.0.2:9000), one on node 4.
    auto zed_big = login(lab.connect(1, "127.0.0.1", chat_port, read_ms), "zed");
    auto zed_small = login(lab.connect(4, "127.0.0.1", chat_port, read_ms), "zed");

    auto healed = std::chrono::steady_clock::now();
    lab.heal();
    // The name stays with the node whose name sorts first (README, "Clusters"): the other zed is
    // told why and disconnected.
    auto [why, closed] = zed_small->read_to_eof();
    CHECK_THAT(why, Catch::Contains("Your name zed was also given out on node 198.18.0.2:9000"));
    CHECK(closed);
    everyone.push_back(zed_big.get());
    CHECK(all_see(everyone, 6, reformed_within));
    WARN("re-formed after "
         << std::chrono::duration_cast<std::chrono::milliseconds>(std::chrono::steady_clock::now()
                                                                   - healed)
                .count()
         << " ms");
    // Whole again: nothing said during the split arrives twice, and new lines reach everyone.
    std::map<std::string, socket_client*> all{{"zed", zed_big.get()}};
    for (size_t i = 0; i < 5; ++i)
      all[names[i]] = everyone[i];
    everyone_speaks(all, 10);
  }
}

TEST_CASE("pub/sub across a split network: subscriptions on the other side stop counting, and "
          "count again after the heal",
          "[pubsub][cluster][netns][partition]") {
  if (!lab_possible())
    return;
  netns_lab lab{3};
  auto nodes = start_cluster(lab, 3, "pubsub", 6379, "topics now shared with node", {"--resp"});
  // A subscriber on every node, from inside the node's host.
  auto out = "/tmp/ply-netns-split-" + std::to_string(::getpid());
  for (size_t i = 0; i < 3; ++i)
    shell("(" + command_line(lab.in(i, {"timeout", "60", "redis-cli", "-p", "6379", "subscribe",
                                        "news"}))
          + " > " + out + "." + std::to_string(i) + " 2>&1 &)");
  // PUBLISH answers how many subscribers of the cluster got it.
  auto counted_within = [&](size_t node, const std::string& expected, auto within) {
    return published(lab, node, "127.0.0.1", "x", expected, within);
  };
  CHECK(counted_within(0, "3", 5s));
  lab.split({2});
  CHECK(counted_within(0, "2", gone_within));
  CHECK(counted_within(2, "1", gone_within));
  lab.heal();
  CHECK(counted_within(0, "3", reformed_within));
  CHECK(counted_within(2, "3", reformed_within));
  for (size_t i = 0; i < 3; ++i)
    shell("rm -f " + out + "." + std::to_string(i));
}

namespace {

/// The log lines of nodes that share rooms with a node, and that noticed a node gone.
const std::regex shared{R"(rooms now shared with node (\S+))"};
const std::regex gone{R"(node (\S+) is gone with)"};

/// How many different nodes `p`'s log names in lines of `kind` (a link that flapped counts once).
size_t logged(process& p, const std::regex& kind) {
  std::set<std::string> nodes;
  auto text = p.log();
  for (auto it = std::sregex_iterator(text.begin(), text.end(), kind); it != std::sregex_iterator();
       ++it)
    nodes.insert((*it)[1]);
  return nodes.size();
}

/// Waits until each of `nodes` logged lines of `kind` about `times` nodes; how long that took, or
/// nothing on timeout.
std::optional<std::chrono::milliseconds>
all_logged(const std::vector<process*>& nodes, const std::regex& kind, size_t times,
           std::chrono::milliseconds within) {
  auto start = std::chrono::steady_clock::now();
  for (auto* n : nodes)
    while (logged(*n, kind) < times) {
      if (std::chrono::steady_clock::now() - start > within)
        return std::nullopt;
      std::this_thread::sleep_for(20ms);
    }
  return std::chrono::duration_cast<std::chrono::milliseconds>(std::chrono::steady_clock::now()
                                                               - start);
}

} // namespace

TEST_CASE("sixteen chat nodes: converged within 5 s, a seventeenth seen by all within 2 s, four "
          "killed at once noticed within 5 s, heartbeat traffic and line latency measured",
          "[chat][cluster][netns][sixteen]") {
  if (!lab_possible())
    return;
  // Sanitizers slow each of the 17 nodes (ThreadSanitizer several times over): there, twice or
  // three times the time.
#if defined(__SANITIZE_THREAD__)
  constexpr int slack = 3;
#elif defined(__SANITIZE_ADDRESS__)
  constexpr int slack = 2;
#else
  constexpr int slack = 1;
#endif
  netns_lab lab{17};
  std::vector<std::unique_ptr<process>> nodes;
  for (size_t i = 0; i < 16; ++i)
    nodes.push_back(start_node(lab, i, "chat", chat_port));
  std::vector<process*> sixteen;
  for (auto& n : nodes)
    sixteen.push_back(n.get());
  auto converged = all_logged(sixteen, shared, 15, slack * 5s);
  if (!converged)
    for (size_t i = 0; i < 16; ++i)
      if (logged(*nodes[i], shared) < 15)
        WARN("node " << i << " shares rooms with " << logged(*nodes[i], shared) << " nodes:\n"
                     << nodes[i]->log());
  REQUIRE(converged);
  WARN("16 nodes converged " << converged->count() << " ms after the last start");

  // Heartbeats alone, measured on node 5's cable for 3 s.
  auto before = lab.bytes(5);
  std::this_thread::sleep_for(3s);
  auto idle = lab.bytes(5) - before;
  WARN("idle cluster traffic of one node among 16: " << idle / 3 << " bytes/s (in and out)");
  CHECK(idle / 3 < 64 * 1024);

  // A seventeenth node.
  nodes.push_back(start_node(lab, 16, "chat", chat_port));
  auto joined = all_logged(sixteen, shared, 16, slack * 2s);
  CHECK(joined);
  if (joined)
    WARN("the 17th node was seen by all 16 after " << joined->count() << " ms");

  // 100 users over the first 12 nodes (those that stay) and the 17th; one speaks.
  std::vector<std::unique_ptr<socket_client>> users;
  std::vector<size_t> stays{0, 1, 2, 3, 4, 5, 6, 7, 8, 9, 10, 11, 16};
  for (size_t u = 0; u < 100; ++u) {
    auto node = stays[u % stays.size()];
    auto name = std::to_string(u);
    name.insert(name.begin(), 'u');  // not "u" + ...: GCC 12 warns of it (wrongly, -Wrestrict)
    users.push_back(login(lab.connect(node, "127.0.0.1", chat_port, slack * 8000), name));
  }
  auto& speaker = *users[0];
  // Everyone is in everyone's room once the speaker's /who counts them all.
  REQUIRE(all_see({&speaker, users[99].get()}, 100, slack * 5s));
  std::vector<double> latencies_ms;
  for (int line = 0; line < 50; ++line) {
    auto text = "latency probe " + std::to_string(line);
    auto said = std::chrono::steady_clock::now();
    speaker.send(text + "\n");
    for (size_t u = 1; u < users.size(); ++u)
      REQUIRE_THAT(users[u]->read_until(text + "\r\n"), Catch::EndsWith(text + "\r\n"));
    latencies_ms.push_back(
      std::chrono::duration<double, std::milli>(std::chrono::steady_clock::now() - said).count());
  }
  std::sort(latencies_ms.begin(), latencies_ms.end());
  WARN("a line from one speaker to the last of 99 listeners on 13 nodes: p50 "
       << latencies_ms[latencies_ms.size() / 2] << " ms, p99 "
       << latencies_ms[latencies_ms.size() * 99 / 100] << " ms (read in turn by one thread)");

  // Four killed at once.
  for (size_t i = 12; i < 16; ++i)
    nodes[i]->signal(SIGKILL);
  std::vector<process*> rest;
  for (auto i : stays)
    rest.push_back(nodes[i].get());
  auto noticed = all_logged(rest, gone, 4, slack * 5s);
  CHECK(noticed);
  if (noticed)
    WARN("4 nodes killed at once: all 13 others noticed after " << noticed->count() << " ms");
  speaker.send("after the four\n");
  CHECK_THAT(users[99]->read_until("after the four\r\n"), Catch::EndsWith("after the four\r\n"));
}

TEST_CASE("a node frozen for 30 s (SIGSTOP) does not give its users the lines it missed as new "
          "when it resumes, and rejoins",
          "[chat][cluster][netns][partition]") {
  if (!lab_possible())
    return;
  netns_lab lab{3};
  auto nodes = start_cluster(lab, 3, "chat", chat_port, "rooms now shared with node");
  auto alice = login(lab.connect(0, "127.0.0.1", chat_port, read_ms), "alice");
  auto bob = login(lab.connect(1, "127.0.0.1", chat_port, read_ms), "bob");
  auto carol = login(lab.connect(2, "127.0.0.1", chat_port, read_ms), "carol");
  REQUIRE(all_see({alice.get(), bob.get(), carol.get()}, 3, reformed_within));

  auto frozen = std::chrono::steady_clock::now();
  nodes[2]->signal(SIGSTOP);
  // Said before the others notice: relayed to the frozen node, where it waits in a socket.
  alice->send("said while carol's node sleeps\n");
  CHECK_THAT(bob->read_until("sleeps\r\n"), Catch::EndsWith("<alice> said while carol's node sleeps\r\n"));
  CHECK_THAT(alice->read_until("carol has left the channel.\r\n"),
             Catch::EndsWith("carol has left the channel.\r\n"));
  std::this_thread::sleep_until(frozen + 30s);
  nodes[2]->signal(SIGCONT);
  // Carol's node wakes to a stale view (its first answers still list everyone), notices that
  // the others are gone, and rejoins. What carol reads meanwhile has nothing of what was said
  // while her node slept.
  std::string carol_read;
  while (count(carol_read, "has left the channel.") < 2) {
    auto line = carol->read_until("\r\n");
    if (line.empty())
      break;
    carol_read += line;
  }
  CHECK(count(carol_read, "has left the channel.") == 2);
  CHECK_THAT(carol_read, !Catch::Contains("sleeps"));
  CHECK(all_see({alice.get(), bob.get(), carol.get()}, 3, reformed_within));
  // The line waited in a socket of the sleeping node, which drops it on waking (unless CAF closed
  // that link before reading it: then it is gone all the same).
  if (!wait_for_log(*nodes[2], "too late to deliver as new"))
    WARN("the frozen node did not read the line it missed");
  // And the cluster talks again, carol included.
  alice->send("good morning\n");
  auto morning = carol->read_until("good morning\r\n");
  if (morning.find("good morning") == std::string::npos)
    for (size_t i = 0; i < nodes.size(); ++i)
      WARN("node " << i << ":\n" << nodes[i]->log());
  CHECK_THAT(morning, Catch::EndsWith("<alice> good morning\r\n"));
}
