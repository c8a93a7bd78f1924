// SPDX-License-Identifier: MIT
// plyd kv with real clients: memccapable's ASCII conformance tests, nc for the line commands, curl
// for the JSON view, all on one store; and side by side with memcached on random traffic.
#include <signal.h>
#include <unistd.h>

#include <catch2/catch.hpp>

#include <deque>
#include <memory>
#include <random>
#include <regex>
#include <thread>

#include <nlohmann/json.hpp>

#include "process.hpp"
#include "socket_client.hpp"

using namespace ply::test;

namespace {

const std::string local = "tcp:0:interface=127.0.0.1";

} // namespace

TEST_CASE("plyd kv passes memccapable's ASCII tests and shares one store over three protocols",
          "[kv]") {
  process kv{{bin("plyd"), "kv", "--port", local, "--memcached", local, "--http", local}};
  auto lines = kv.port(0);
  auto memcached = kv.port(1);
  auto http = kv.port(2);
  REQUIRE(http != 0);
  auto m = std::to_string(memcached);

  auto conformance = shell("memccapable -a -h 127.0.0.1 -p " + m + " 2>&1", 60);
  INFO(conformance);
  CHECK(conformance.find("All tests passed") != std::string::npos);
  CHECK(conformance.find("[FAIL]") == std::string::npos);

  // Set with memcached's protocol, read with the line protocol and over HTTP.
  CHECK(nc(memcached, "flush_all\\r\\nset greeting 0 0 5\\r\\nhello\\r\\nquit\\r\\n")
        == "OK\r\nSTORED\r\n");
  CHECK(nc(lines, "get greeting\\nset other two words\\ncount\\nquit\\n")
        == "VALUE hello\r\nSTORED\r\n2\r\nbye\r\n");
  auto items = nlohmann::json::parse(shell("curl -s http://127.0.0.1:" + std::to_string(http)
                                           + "/items"));
  CHECK(items == nlohmann::json{{"greeting", "hello"}, {"other", "two words"}});
  auto stats = nlohmann::json::parse(shell("curl -s http://127.0.0.1:" + std::to_string(http)
                                           + "/stats"));
  CHECK(stats["curr_items"] == 2);
  CHECK(stats["cmd_set"].get<int>() >= 2);

  // Bad input: an answer, and the server keeps serving.
  CHECK(nc(memcached, "set k 0 0 nope\\r\\nGET k\\r\\nget k\\r\\nquit\\r\\n")
        == "CLIENT_ERROR bad command line format\r\nERROR\r\nEND\r\n");
  auto junk = shell("head -c 100000 /dev/urandom | tr -d '\\n' | nc -q 2 127.0.0.1 " + m, 10);
  CHECK(junk.find("CLIENT_ERROR line too long") != std::string::npos);
  CHECK(nc(memcached, "get greeting\\r\\nquit\\r\\n") == "VALUE greeting 0 5\r\nhello\r\nEND\r\n");
  CHECK(kv.alive());
}

TEST_CASE("plyd kv explains bad options", "[kv]") {
  process none{{bin("plyd"), "kv", "--port", ""}};
  CHECK(none.wait() == 2);
  CHECK(none.log().find("give at least one of --port, --memcached, --http") != std::string::npos);
}

namespace {

/// Seeded random memcached traffic: valid commands on a few keys, and the malformed ones clients
/// send (token counts, numbers, limits). Every exptime is 0, far ahead or already past, so that
/// the answers do not depend on timing.
class memcached_traffic {
public:
  explicit memcached_traffic(uint32_t seed) : rng_(seed) {
  }

  std::string next() {
    switch (pick(14)) {
      case 0:
      case 1:
      case 2:
        return storage(pick_of({"set", "add", "replace", "append", "prepend"}));
      case 3:
        return storage("cas");
      case 4:
      case 5:
        return retrieval(pick_of({"get", "gets"}), false);
      case 6:
        return retrieval(pick_of({"gat", "gats"}), true);
      case 7:
        return words({"delete", key()}, {"0"}) + noreply() + "\r\n";
      case 8:
      case 9:
      {
        bool incr = pick(2) == 0;
        return words({incr ? "incr" : "decr", key(), number(incr)}, {}) + noreply() + "\r\n";
      }
      case 10:
        return words({"touch", key(), exptime()}, {}) + noreply() + "\r\n";
      case 11:
        return pick(8) == 0 ? "flush_all" + noreply() + "\r\n" : storage("set");
      case 12:
        return pick_of({"bogus k\r\n", "\r\n", "GET k0\r\n", "verbosity\r\n", "verbosity 1\r\n",
                        "verbosity x\r\n", "get\r\n", "gat\r\n", "delete\r\n", "stats nope\r\n",
                        "flush_all x\r\n"});
      default:
        return pick(20) == 0 ? big_item() : storage("set");
    }
  }

private:
  size_t pick(size_t n) {
    return std::uniform_int_distribution<size_t>{0, n - 1}(rng_);
  }
  std::string pick_of(std::initializer_list<const char*> xs) {
    return *(xs.begin() + pick(xs.size()));
  }
  std::string key() {
    if (pick(30) == 0)
      return std::string(251, 'k');
    std::string k{"k"};
    k += std::to_string(pick(5));
    return k;
  }
  /// A delta. 2^64 - 1 only for decr: see value().
  std::string number(bool incr) {
    if (incr)
      return pick_of({"0", "1", "7", "100", "18446744073709551616", "-1", "x"});
    return pick_of({"0", "1", "7", "100", "18446744073709551615", "18446744073709551616", "-1",
                    "x"});
  }
  std::string exptime() {
    return pick_of({"0", "0", "100000", "-1", "x"});
  }
  std::string flags() {
    return pick_of({"0", "0", "5", "4294967295", "4294967296", "-1"});
  }
  std::string noreply() {
    return pick(6) == 0 ? " noreply" : "";
  }
  std::string value() {
    switch (pick(4)) {
      case 0:
        return std::to_string(pick(1000));
      case 1:
        // No number of 2^63 or more, and none that 1,500 increments of 100 could take there:
        // memcached 1.6.18 looks for a '-' in such a number with strchr, which reads on past
        // the item into whatever memory follows, so its answer is not its own to predict.
        return pick_of({" 12", "007", "12 ", "+3", "-1", "", "9223372036854000000", "1 2"});
      default:
        return std::string(pick(20), static_cast<char>('a' + pick(26)));
    }
  }
  /// `ws`, sometimes with a word left out or an extra one (`extra`, or "x") added.
  std::string words(std::vector<std::string> ws, std::vector<std::string> extra) {
    auto p = pick(12);
    if (p == 0 && ws.size() > 1)
      ws.pop_back();
    else if (p == 1)
      ws.push_back(extra.empty() ? "x" : extra.front());
    else if (p == 2)
      ws.push_back("x y");
    std::string out;
    for (auto& w : ws)
      out += (out.empty() ? "" : " ") + w;
    return out;
  }
  std::string storage(const std::string& cmd) {
    auto v = value();
    auto length = std::to_string(v.size());
    // Not a length, or one too short (the rest of the value is then read as a command; a longer
    // one would take the next command as data).
    if (pick(15) == 0)
      length = v.size() >= 2 ? "0" : pick_of({"x", "-1"});
    std::vector<std::string> ws{cmd, key(), flags(), exptime(), length};
    if (cmd == "cas")
      ws.push_back(pick_of({"999999999", "0", "x"}));
    return words(ws, {}) + noreply() + "\r\n" + v + "\r\n";
  }
  std::string retrieval(const std::string& cmd, bool touch) {
    // Appended a word at a time: GCC 12 warns (wrongly, -Wrestrict) of `" " + std::string`.
    std::string out = cmd;
    if (touch)
      out.append(" ").append(exptime());
    for (size_t n = pick(4); n > 0; --n)
      out.append(" ").append(key());
    return out + "\r\n";
  }
  /// An item about memcached's 1 MB limit, which counts the item's overhead.
  std::string big_item() {
    auto k = key();
    if (k.size() > 2)
      k = "k0";
    auto f = pick_of({"0", "1"});
    size_t limit = 1024 * 1024 - 59 - k.size() - (f == std::string{"0"} ? 0 : 4);
    auto size = limit - 1 + pick(3);  // just under, at, just over
    return "set " + k + " " + f + " 0 " + std::to_string(size) + "\r\n" + std::string(size, 'v')
           + "\r\n";
  }

  std::mt19937 rng_;
};

/// `reply` with the CAS uniques of "VALUE key flags bytes cas" lines masked.
std::string mask_cas(const std::string& reply) {
  static const std::regex value_line{R"((VALUE \S+ \d+ \d+) \d+\r\n)"};
  return std::regex_replace(reply, value_line, "$1 CAS\r\n");
}

std::string unix_socket_path(const std::string& name) {
  return "/tmp/ply-kv-diff-" + std::to_string(::getpid()) + "-" + name + ".sock";
}

/// Connects to the Unix socket at `path` once it accepts (bounded).
std::unique_ptr<socket_client> connect_when_up(const std::string& path) {
  for (int i = 0; i < 100; ++i) {
    try {
      return std::make_unique<socket_client>(path, 10000);
    } catch (const std::exception&) {
      std::this_thread::sleep_for(std::chrono::milliseconds(50));
    }
  }
  FAIL("nothing accepts on " << path);
  return nullptr;
}

} // namespace

TEST_CASE("plyd kv --memcached answers a seeded random stream of commands byte for byte as "
          "memcached does",
          "[kv]") {
  if (::access("/usr/bin/memcached", X_OK) != 0)
    FAIL("memcached is not installed (tools/ply test installs Debian's memcached)");
  auto mc_path = unix_socket_path("memcached");
  auto ply_path = unix_socket_path("ply");
  ::unlink(mc_path.c_str());
  ::unlink(ply_path.c_str());
  // Without the background LRU threads, whose passing references decide whether memcached
  // rewrites a counter in place (padded with spaces) or as a new item: the answers are
  // memcached's own, deterministic.
  std::vector<std::string> mc_args{"/usr/bin/memcached", "-s", mc_path, "-m", "64", "-o",
                                   "no_lru_crawler,no_lru_maintainer"};
  if (::geteuid() == 0)
    mc_args.insert(mc_args.end(), {"-u", "root"});  // memcached refuses to run as root without
  process mc{mc_args};
  process ply{{bin("plyd"), "kv", "--memcached", "unix:" + ply_path}};
  bool up = wait_for_log(ply, "listening on", 1, std::chrono::seconds(15));
  INFO(ply.log());
  REQUIRE(up);
  auto to_mc = connect_when_up(mc_path);
  auto to_ply = connect_when_up(ply_path);
  for (uint32_t seed : {1u, 2u, 3u, 4u, 5u}) {
    memcached_traffic traffic{seed};
    // A fresh start for each seed, so that a failure replays from its seed alone.
    for (auto* c : {to_mc.get(), to_ply.get()})
      c->send("flush_all\r\n");
    CHECK(to_mc->read_until("OK\r\n") == to_ply->read_until("OK\r\n"));
    std::deque<std::string> recent;  // what came before a difference, to replay it by hand
    for (int i = 0; i < 1500; ++i) {
      auto command = traffic.next();
      recent.push_back(command.substr(0, 80));
      if (recent.size() > 40)
        recent.pop_front();
      // "mn" answers "MN" once everything before it was answered: one command's reply, whole.
      to_mc->send(command + "mn\r\n");
      to_ply->send(command + "mn\r\n");
      auto expected = mask_cas(to_mc->read_until("MN\r\n"));
      auto got = mask_cas(to_ply->read_until("MN\r\n"));
      if (got != expected) {
        std::string before;
        for (auto& c : recent)
          before += c;
        INFO("seed " << seed << ", command " << i << ": " << command.substr(0, 120)
                     << "\nthe commands up to it:\n" << before);
        CHECK(got == expected);
        break;
      }
    }
  }
  mc.signal(SIGTERM);
  ply.signal(SIGTERM);
  CHECK(ply.wait() == 0);
  mc.wait();
  ::unlink(mc_path.c_str());
  ::unlink(ply_path.c_str());
}
