// SPDX-License-Identifier: MIT
// The weblog article's servers with real clients: curl requests to plyd web, whose access log
// plyd weblog follows, arrive as <hit/> lines at every weblog client, also across a log rotation.
#include <signal.h>
#include <unistd.h>

#include <catch2/catch.hpp>

#include <cstdio>
#include <thread>

#include "process.hpp"
#include "socket_client.hpp"

using namespace ply::test;
using namespace std::chrono_literals;

namespace {

const std::string local = "tcp:0:interface=127.0.0.1";

std::string log_path(const std::string& name) {
  return "/tmp/ply-weblog-" + std::to_string(::getpid()) + "-" + name;
}

void get(uint16_t port, const std::string& path) {
  shell("curl -s -o /dev/null http://127.0.0.1:" + std::to_string(port) + path);
}

} // namespace

TEST_CASE("every request to plyd web arrives as a <hit/> at two plyd weblog clients, also "
          "after the access log was rotated",
          "[weblog]") {
  auto log = log_path("access.log");
  std::remove(log.c_str());
  process web{{bin("plyd"), "web", "--port", local, "--access-log", log}};
  auto web_port = web.port();
  REQUIRE(web_port != 0);
  process weblog{{bin("plyd"), "weblog", "--log", log, "--port", local, "--tail", "0.05",
                  "--push", "0.1"}};
  auto port = weblog.port();
  REQUIRE(port != 0);
  socket_client a{port, 10000};
  socket_client b{port, 10000};
  CHECK(a.read_until("\n") == "<hits>\n");
  CHECK(b.read_until("\n") == "<hits>\n");
  get(web_port, "/ply/hello");
  get(web_port, "/nothing/here");
  for (auto* c : {&a, &b}) {
    auto hits = c->read_until("/nothing/here");
    hits += c->read_until("\n");
    CHECK_THAT(hits, Catch::Matches("<hit host=\"127\\.0\\.0\\.1\" ident=\"-\" user=\"-\" time=\"[^\"]+\" "
                                    "request=\"GET /ply/hello HTTP/1\\.1\" status=\"200\" "
                                    "bytes=\"14\"/>\n"
                                    "<hit [^\n]+ request=\"GET /nothing/here HTTP/1\\.1\" "
                                    "status=\"404\" [^\n]+/>\n"));
  }
  // logrotate moves the log away and sends SIGHUP: web writes a new one, weblog follows it.
  std::rename(log.c_str(), (log + ".1").c_str());
  web.signal(SIGHUP);
  // Whether this hit lands in the old file (before the reopen) or the new one, weblog reads it:
  // the old file to its end first, then the new one once it is there.
  get(web_port, "/after/rotation");
  for (auto* c : {&a, &b})
    CHECK_THAT(c->read_until("/after/rotation"), Catch::Contains("request=\"GET /after/rotation"));
  // A missing log is a startup error of its own.
  process missing{{bin("plyd"), "weblog", "--log", log_path("nowhere.log"), "--port", local}};
  CHECK(missing.wait() == 2);
  CHECK_THAT(missing.log(), Catch::Contains("cannot read the log " + log_path("nowhere.log")));
  std::remove(log.c_str());
  std::remove((log + ".1").c_str());
}

TEST_CASE("weblog1 answers a client that asks with the new hits, or <none/>", "[weblog]") {
  auto log = log_path("asked.log");
  std::remove(log.c_str());
  process web{{bin("plyd"), "web", "--port", local, "--access-log", log}};
  auto web_port = web.port();
  REQUIRE(web_port != 0);
  process weblog{{bin("weblog1"), "--log", log, "--port", local}};
  auto port = weblog.port();
  REQUIRE(port != 0);
  socket_client c{port, 10000};
  CHECK(c.read_until("\n") == "<hits>\n");
  c.send("anything\n");
  CHECK(c.read_until("\n") == "<none/>\n");
  get(web_port, "/asked/for");
  // The hit is in the log within a second, read within another: ask until it comes.
  std::string answer;
  for (int i = 0; i < 50 && answer.find("/asked/for") == std::string::npos; ++i) {
    std::this_thread::sleep_for(100ms);
    c.send("more?\n");
    answer = c.read_until("\n");
  }
  CHECK_THAT(answer, Catch::Contains("request=\"GET /asked/for HTTP/1.1\" status=\"404\""));
  std::remove(log.c_str());
}
