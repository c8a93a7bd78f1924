// SPDX-License-Identifier: MIT
// plyd finger with Debian's finger client on port 79 (as root, dropping to nobody), and nc for
// the corners: forwarding refused, bad queries, the users file re-read while running.
#include <catch2/catch.hpp>

#include <unistd.h>

#include <fstream>
#include <thread>

#include "process.hpp"

using namespace ply::test;
using namespace std::chrono_literals;

namespace {

struct users_file {
  std::string path = "/tmp/ply_finger_users_" + std::to_string(::getpid());
  explicit users_file(const std::string& text) {
    write(text);
  }
  void write(const std::string& text) {
    std::ofstream{path + ".new"} << text;
    std::rename((path + ".new").c_str(), path.c_str());
  }
  ~users_file() {
    std::remove(path.c_str());
  }
};

} // namespace

TEST_CASE("finger user@127.0.0.1 asks plyd finger on port 79, running as nobody", "[finger]") {
  if (::geteuid() != 0) {
    WARN("not root: port 79 and --uid need root; skipped");
    return;
  }
  users_file users{"alice: Happy and well\nbob: Out to lunch\n"};
  process fingerd{{bin("plyd"), "finger", "--port", "tcp:79:interface=127.0.0.1", "--users",
                   users.path, "--uid", "nobody"}};
  REQUIRE(fingerd.port() == 79);
  REQUIRE(wait_for_log(fingerd, "running as uid 65534"));
  CHECK(shell("finger alice@127.0.0.1") == "Login: alice\nHappy and well\n");
  auto list = shell("finger @127.0.0.1");
  CHECK(list.find("alice     Happy and well") != std::string::npos);
  CHECK(list.find("bob       Out to lunch") != std::string::npos);
  CHECK(shell("finger carol@127.0.0.1") == "No such user carol\n");
  CHECK(shell("ps -o user= -p " + std::to_string(fingerd.pid())) == "nobody\n");
}

TEST_CASE("plyd finger refuses forwarding and bad queries, and re-reads its users file",
          "[finger]") {
  users_file users{"alice: Happy and well\n"};
  process fingerd{{bin("plyd"), "finger", "--port", "tcp:0:interface=127.0.0.1", "--users",
                   users.path, "--reload", "1"}};
  auto port = fingerd.port();
  CHECK(nc(port, "/W alice\\r\\n") == "Login: alice\r\nHappy and well\r\n");
  CHECK(nc(port, "alice@elsewhere.example\\r\\n") == "Finger forwarding service denied\r\n");
  CHECK(nc(port, "a b\\r\\n") == "Invalid query\r\n");
  CHECK(nc(port, "\\033[2Jalice\\r\\n") == "Invalid query\r\n");
  CHECK(shell("head -c 5000 /dev/zero | tr '\\\\0' a | nc -q 2 127.0.0.1 " + std::to_string(port))
        == "Query too long\r\n");
  users.write("alice: Moved away\ncarol: New here\n");
  std::string got;
  for (int i = 0; i < 40 && got != "Login: carol\r\nNew here\r\n"; ++i) {
    std::this_thread::sleep_for(100ms);
    got = nc(port, "carol\\r\\n");
  }
  CHECK(got == "Login: carol\r\nNew here\r\n");
  CHECK(nc(port, "alice\\r\\n") == "Login: alice\r\nMoved away\r\n");
  CHECK(fingerd.alive());
}
