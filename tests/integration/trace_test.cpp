// SPDX-License-Identifier: MIT
// Traces as people use them: record with --trace, then read them with ply-trace.
#include <signal.h>

#include <catch2/catch.hpp>

#include <fstream>
#include <memory>
#include <regex>
#include <sstream>
#include <thread>

#include "socket_client.hpp"
#include "process.hpp"

using namespace ply::test;
using namespace std::chrono_literals;

namespace {

const std::string local = "tcp:0:interface=127.0.0.1";

std::string tmp(const std::string& what) {
  return "/tmp/ply-trace-test-" + std::to_string(::getpid()) + "-" + what;
}

/// Runs echo_server with --trace `file`, echoes `input` (a printf format) once, and stops it.
void record_echo(const std::string& file, const std::string& input, const std::string& echoed) {
  process p{{bin("echo_server"), "--port", local, "--trace", file}};
  auto port = p.port();
  REQUIRE(port != 0);
  CHECK(nc(port, input) == echoed);
  p.signal(SIGTERM);
  CHECK(p.wait() == 0);
}

std::unique_ptr<socket_client> login(uint16_t port, const std::string& name) {
  auto c = std::make_unique<socket_client>(port);
  c->read_until("What's your name?\r\n");
  c->send(name + "\n");
  c->read_until("Welcome, " + name + "!\r\n");
  return c;
}

} // namespace

TEST_CASE("three traced chat nodes: ply-trace follow shows one line from the speaker to every "
          "listener on every node",
          "[trace][chat][cluster]") {
  std::vector<std::string> files{tmp("a.jsonl"), tmp("b.jsonl"), tmp("c.jsonl")};
  std::vector<std::unique_ptr<process>> nodes;
  std::vector<uint16_t> chat, cluster;
  for (size_t i = 0; i < 3; ++i) {
    std::vector<std::string> argv{bin("plyd"), "--trace", files[i], "chat", "--port", local,
                                  "--cluster", "tcp:0"};
    if (i > 0) {
      argv.push_back("--join");
      argv.push_back("127.0.0.1:" + std::to_string(cluster[0]));
    }
    nodes.push_back(std::make_unique<process>(argv));
    cluster.push_back(nodes.back()->port(0));
    chat.push_back(nodes.back()->port(1));
    REQUIRE(chat.back() != 0);
  }
  for (auto& n : nodes) {
    auto linked = wait_for_log(*n, "rooms now shared with node", 2, 10s);
    INFO(n->log());
    REQUIRE(linked);
  }
  auto alice = login(chat[0], "alice");
  auto bob = login(chat[1], "bob");
  auto carol = login(chat[2], "carol");
  alice->read_until("carol has joined the channel.\r\n");
  bob->read_until("carol has joined the channel.\r\n");
  alice->send("a traced line\n");
  CHECK_THAT(bob->read_until("\r\n"), Catch::Equals("<alice> a traced line\r\n"));
  CHECK_THAT(carol->read_until("\r\n"), Catch::Equals("<alice> a traced line\r\n"));
  for (auto& n : nodes) {
    n->signal(SIGTERM);
    CHECK(n->wait() == 0);
  }

  // The read that carried the line on node a: 14 bytes ("a traced line\n").
  auto bytes_in = shell(bin("ply-trace") + " filter " + files[0] + " --type bytes_in");
  std::string found;
  const std::regex read_of_14{
    R"re(\{"actor":\d+,"conn":\d+,"ev":"bytes_in","id":(\d+),"n":14,"node":"([^"]+)")re"};
  for (std::sregex_iterator it(bytes_in.begin(), bytes_in.end(), read_of_14), end; it != end; ++it)
    found = (*it)[2].str() + "#" + (*it)[1].str();
  REQUIRE_FALSE(found.empty());
  auto all = files[0] + " " + files[1] + " " + files[2];
  auto chain = shell(bin("ply-trace") + " follow " + all + " '" + found + "'");
  INFO(chain);
  // Every listener's connection actor, on nodes b and c, handled the line.
  auto node_b = "127.0.0.1:" + std::to_string(cluster[1]);
  auto node_c = "127.0.0.1:" + std::to_string(cluster[2]);
  CHECK(std::regex_search(chain, std::regex{node_b + R"(#\d+  recv  ply\.chat\.connection#\d+@)" +
                                            node_b + "  ch_line"}));
  CHECK(std::regex_search(chain, std::regex{node_c + R"(#\d+  recv  ply\.chat\.connection#\d+@)" +
                                            node_c + "  ch_line"}));
  // The read starts the trace; every event of the chain, on every node, belongs to it.
  CHECK_THAT(chain, Catch::StartsWith("trace " + found + "\n"));
  auto one_trace = shell(bin("ply-trace") + " filter " + all + " --trace '" + found + "'");
  CHECK_THAT(one_trace, Catch::Contains("\"node\":\"" + node_b + "\"") &&
                          Catch::Contains("\"node\":\"" + node_c + "\"") &&
                          Catch::Contains("\"trace\":\"" + found + "\""));
  // The hubs of b and c got the relay from a's hub.
  CHECK(std::regex_search(chain, std::regex{node_b + R"(#\d+  recv  ply\.chat\.hub#\d+@)" +
                                            node_b + "  ch_relays"}));

  // The other views read the same files without trouble.
  auto summary = shell(bin("ply-trace") + " summary " + all);
  CHECK_THAT(summary, Catch::Contains("ply.chat.hub") && Catch::Contains("ply.chat.connection"));
  CHECK_THAT(shell(bin("ply-trace") + " actors " + all),
             Catch::Contains("node " + node_b) && Catch::Contains("ply.chat.hub"));
  CHECK_THAT(shell(bin("ply-trace") + " sequence --mermaid " + all),
             Catch::StartsWith("sequenceDiagram"));
  auto chrome = tmp("chrome.json");
  CHECK(shell_status(bin("ply-trace") + " chrome " + all + " -o " + chrome) == 0);
  CHECK_THAT(shell("head -c 20 " + chrome), Catch::StartsWith("{\"displayTimeUnit\""));
  auto html = tmp("page.html");
  CHECK(shell_status(bin("ply-trace") + " html " + all + " -o " + html) == 0);
  CHECK_THAT(shell("grep -c 'ply.chat.hub' " + html), !Catch::Equals("0\n"));
  shell("rm -f " + all + " " + chrome + " " + html);
}

TEST_CASE("ply-trace skips a damaged line with a warning and reads on, and no events is exit code 2",
          "[trace]") {
  auto file = tmp("echo.jsonl");
  record_echo(file, "one\\ntwo\\n", "one\ntwo\n");
  auto good = shell(bin("ply-trace") + " summary " + file + " 2>&1");
  CHECK_THAT(good, Catch::Contains("echo") && Catch::Contains("unhandled failures: 0"));
  CHECK_THAT(good, !Catch::Contains("warning"));
  // A line cut short, then bytes that are no UTF-8 (as an older writer left them), then the
  // whole file again: the damaged lines are skipped, everything after them is read.
  shell("head -c $(( $(wc -c < " + file + ") / 2 )) " + file + " > " + file + ".cut");
  shell("printf '\\n{\"id\":9,\"ev\":\"x\",\"node\":\"\\xff\"}\\n' >> " + file + ".cut");
  shell("cat " + file + " >> " + file + ".cut");
  auto cut = shell(bin("ply-trace") + " summary " + file + ".cut 2>&1; echo rc=$?");
  CHECK_THAT(cut, Catch::Contains("warning: " + file + ".cut:")
                    && Catch::Contains("more lines skipped"));
  CHECK_THAT(cut, Catch::Contains("unhandled failures: 0") && Catch::Contains("rc=0"));
  // A file that holds no trace event, one that is not there, and bad usage: exit code 2.
  auto other = shell(bin("ply-trace") + " summary /etc/hostname 2>&1; echo rc=$?");
  CHECK_THAT(other, Catch::Contains("no trace event in /etc/hostname") && Catch::Contains("rc=2"));
  CHECK_THAT(shell(bin("ply-trace") + " summary /no/such.jsonl 2>&1; echo rc=$?"),
             Catch::Contains("rc=2"));
  CHECK_THAT(shell(bin("ply-trace") + " frobnicate 2>&1; echo rc=$?"), Catch::Contains("rc=2"));
  shell("rm -f " + file + " " + file + ".cut");
}

TEST_CASE("an unwritable trace file is a one-line error and exit code 2", "[trace]") {
  process p{{bin("echo_server"), "--port", local, "--trace", "/nonexistent/dir/t.jsonl"}};
  CHECK(p.wait() == 2);
  CHECK_THAT(p.log(), Catch::Contains("cannot write trace file /nonexistent/dir/t.jsonl"));
  process d{{bin("plyd"), "--trace", "/nonexistent/dir/t.jsonl", "echo", "--port", local}};
  CHECK(d.wait() == 2);
  CHECK_THAT(d.log(), Catch::Contains("cannot write trace file"));
}

TEST_CASE("ply-trace html: the page loads in headless Chromium without script errors and shows "
          "the actors",
          "[trace]") {
  auto file = tmp("html.jsonl");
  record_echo(file, "hi\\n", "hi\n");
  auto page = tmp("page.html");
  REQUIRE(shell_status(bin("ply-trace") + " html " + file + " -o " + page) == 0);
  // The page reports itself: data-status="ok" once every view rendered, "error" on a script error.
  auto dom = shell("chromium --headless --no-sandbox --disable-gpu --virtual-time-budget=5000 "
                   "--dump-dom file://" + page + " 2>/dev/null",
                   60);
  CHECK_THAT(dom, Catch::Contains("data-status=\"ok\""));
  CHECK_THAT(dom, Catch::Contains("echo#"));           // the protocol actor's row
  CHECK_THAT(dom, Catch::Contains("ply::factory") || Catch::Contains("protocol_factory"));
  CHECK_THAT(dom, Catch::Contains("class=\"slice\""));  // handled messages on the timeline
  // A page of part of the messages says how many it left out.
  REQUIRE(shell_status(bin("ply-trace") + " html --limit 1 " + file + " -o " + page) == 0);
  auto part = shell("chromium --headless --no-sandbox --disable-gpu --virtual-time-budget=5000 "
                    "--dump-dom file://" + page + " 2>/dev/null",
                    60);
  CHECK_THAT(part, Catch::Contains("data-status=\"ok\"") && Catch::Contains("(the first 1 of "));
  shell("rm -f " + file + " " + page);
}

TEST_CASE("ply-trace top shows the live actors of a plyd with --control", "[trace]") {
  process p{{bin("plyd"), "--control", local, "chat", "--port", local}};
  // The chat listens first, then the control service.
  auto chat_port = p.port(0);
  auto control_port = p.port(1);
  REQUIRE(control_port != 0);
  socket_client user{chat_port};
  user.read_until("\r\n");
  user.send("tess\n");
  user.read_until("Welcome, tess!\r\n");
  auto out = shell(bin("ply-trace") + " top --connect tcp:127.0.0.1:" +
                   std::to_string(control_port) + " --iterations 2 --interval 0.2 --no-clear");
  CHECK_THAT(out, Catch::Contains("ply-trace top: chat (pid"));
  CHECK_THAT(out, Catch::Contains("ply.chat.hub") && Catch::Contains("ply.chat.connection"));
  CHECK_THAT(out, Catch::Contains("QUEUED") && Catch::Contains("MSGS/S"));
  // Nothing to connect to: a one-line error and exit code 2.
  auto bad = shell(bin("ply-trace") + " top --connect tcp:127.0.0.1:1 --iterations 1 2>&1; "
                                      "echo rc=$?");
  CHECK_THAT(bad, Catch::Contains("cannot connect") && Catch::Contains("rc=2"));
}

TEST_CASE("ply-trace follows a causal chain of 200,000 messages both ways and filters one trace of it",
          "[trace]") {
  // A generated trace: a timer starts a ping-pong between two actors, each message sent while
  // handling the one before, then an unrelated message.
  constexpr uint64_t depth = 200000;
  auto file = tmp("deep.jsonl");
  {
    std::ofstream out{file};
    out << R"({"id":0,"t":0,"node":"deep:1","ev":"meta","schema":1,"pid":1,"start_unix_ns":0})"
        << "\n"
        << R"({"id":1,"t":1,"node":"deep:1","ev":"spawn","actor":7,"type":"ping","parent":0})"
        << "\n"
        << R"({"id":2,"t":2,"node":"deep:1","ev":"spawn","actor":8,"type":"pong","parent":7})"
        << "\n"
        << R"({"id":3,"t":3,"node":"deep:1","ev":"timer"})" << "\n";
    for (uint64_t i = 4; i < 4 + depth; ++i)
      out << R"({"id":)" << i << R"(,"t":)" << i * 10 << R"(,"node":"deep:1","ev":"recv","actor":)"
          << (i % 2 == 0 ? 7 : 8) << R"(,"from":)" << (i % 2 == 0 ? 8 : 7)
          << R"(,"msg":"ball","size":8,"cause":)" << i - 1
          << R"(,"sent_ns":1,"wait_ns":1,"handler_ns":1})" << "\n";
    out << R"({"id":)" << 4 + depth << R"(,"t":)" << (4 + depth) * 10
        << R"(,"node":"deep:1","ev":"recv","actor":7,"from":0,"msg":"other","size":1,"cause":0})"
        << "\n";
  }
  auto last = std::to_string(3 + depth);
  auto count = [](const std::string& text, const std::string& what) {
    size_t n = 0;
    for (auto at = text.find(what); at != std::string::npos; at = text.find(what, at + 1))
      ++n;
    return n;
  };
  // From the timer forward: every message of the chain, once each.
  auto forward = shell(bin("ply-trace") + " follow " + file + " 3", 120);
  CHECK_THAT(forward, Catch::StartsWith("trace deep:1#3\n"));
  CHECK(count(forward, "  recv  ") == depth);
  CHECK_THAT(forward, Catch::Contains("deep:1#" + last + "  recv  pong#8  ball  from ping#7"));
  // From the last message back: its trace is the timer's, shown up to 1,000 causes back.
  auto backward = shell(bin("ply-trace") + " follow " + file + " " + last, 120);
  CHECK_THAT(backward, Catch::StartsWith("trace deep:1#3\ncaused by:\n"));
  CHECK(count(backward, "  recv  ") == 1001);
  // One trace, all of it: the chain and its timer, not the unrelated message.
  auto one = shell(bin("ply-trace") + " filter --trace 'deep:1#3' " + file, 120);
  CHECK(count(one, "\"trace\":\"deep:1#3\"") == depth + 1);
  CHECK_THAT(one, !Catch::Contains("\"msg\":\"other\""));
  CHECK_THAT(shell(bin("ply-trace") + " actors " + file, 120),
             Catch::Contains("    ping#7\n      pong#8\n"));
  shell("rm -f " + file);
}
