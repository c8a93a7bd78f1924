// Clusters as on several machines: each node on a host of its own (a network namespace with its
// own network stack), clients on yet another, links pulled and the network split for real.
#include <signal.h>

#include <catch2/catch.hpp>

#include <chrono>
#include <map>
#include <memory>
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

/// `argv` as one line for the shell (words without spaces or quotes).
std::string command_line(const std::vector<std::string>& argv) {
  std::string out;
  for (auto& a : argv)
    out += (out.empty() ? "" : " ") + a;
  return out;
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
  std::vector<std::unique_ptr<process>> nodes;
  for (size_t i = 0; i < 3; ++i)
    nodes.push_back(start_node(lab, i, "chat", chat_port));
  for (auto& n : nodes)
    REQUIRE(wait_for_log(*n, "rooms now shared with node", 2, 10s));
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
  CHECK_THAT(alice->read_until("bob has left the channel.\r\n"),
             Catch::EndsWith("bob has left the channel.\r\n"));
  CHECK_THAT(carol->read_until("bob has left the channel.\r\n"),
             Catch::EndsWith("bob has left the channel.\r\n"));
  CHECK(std::chrono::steady_clock::now() - killed < gone_within);
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
  auto a = start_node(lab, 0, "pubsub", 6379, {"--resp"});
  auto b = start_node(lab, 1, "pubsub", 6379, {"--resp"});
  REQUIRE(wait_for_log(*a, "topics now shared with node", 1, 10s));
  auto redis = [&](size_t node, const std::string& args) {
    return command_line(lab.in(clients, {"redis-cli", "-h", netns_lab::address(node), "-p",
                                         "6379"}))
           + " " + args;
  };
  auto out = "/tmp/ply-netns-pubsub-" + std::to_string(::getpid());
  shell("(timeout 6 " + redis(0, "subscribe news") + " > " + out + " 2>&1 &)");
  // The subscription on a is counted on b once a has told it.
  std::string got;
  for (int i = 0; i < 100 && got != "1\n"; ++i) {
    got = shell(redis(1, "publish news across-hosts"));
    if (got != "1\n")
      std::this_thread::sleep_for(50ms);
  }
  CHECK(got == "1\n");
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
  std::vector<std::unique_ptr<process>> nodes;
  for (size_t i = 0; i < 5; ++i)
    nodes.push_back(start_node(lab, i, "chat", chat_port));
  for (auto& n : nodes)
    REQUIRE(wait_for_log(*n, "rooms now shared with node", 4, 10s));
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

    auto healed = std::chrono::steady_clock::now();
    lab.heal();
    CHECK(all_see(everyone, 5, reformed_within));
    WARN("re-formed after "
         << std::chrono::duration_cast<std::chrono::milliseconds>(std::chrono::steady_clock::now()
                                                                   - healed)
                .count()
         << " ms");
    // Whole again: nothing said during the split arrives twice, and new lines reach everyone.
    std::map<std::string, socket_client*> all;
    for (size_t i = 0; i < 5; ++i)
      all[names[i]] = everyone[i];
    everyone_speaks(all, 10);
  }
}
