// SPDX-License-Identifier: MIT
// The README's main demo (tools/demo.sh, what `tools/ply demo` runs), on ports of its own.
#include <signal.h>

#include <catch2/catch.hpp>

#include <thread>

#include "socket_client.hpp"
#include "process.hpp"

using namespace ply::test;
using namespace std::chrono_literals;

TEST_CASE("the demo runs a chat cluster and a pub/sub cluster, and stops on SIGTERM", "[demo]") {
  auto logdir = "/tmp/ply-demo-test-" + std::to_string(::getpid());
  process demo{{std::string{PLY_SOURCE_DIR} + "/tools/demo.sh", bin(""), "--chat-port", "18400",
                "--redis-port", "16400", "--cluster-port", "19400", "--logdir", logdir}};
  // The script prints its instructions once every node is up.
  for (int i = 0; i < 500 && demo.output().find("Ctrl-C") == std::string::npos; ++i)
    std::this_thread::sleep_for(10ms);
  REQUIRE_THAT(demo.output(), Catch::Contains("nc localhost 18400"));
  CHECK_THAT(demo.output(), Catch::Contains("redis-cli -p 16400 subscribe news"));
  // Wait until the third chat node has met both others.
  for (int i = 0; i < 500; ++i) {
    if (shell("grep -c 'rooms now shared' " + logdir + "/chat-c.log") == "2\n")
      break;
    std::this_thread::sleep_for(10ms);
  }
  socket_client a{18400};
  socket_client c{18402};
  a.read_until("\r\n");
  a.send("amy\n");
  a.read_until("Welcome, amy!\r\n");
  c.read_until("\r\n");
  c.send("cyd\nhello from c\n");
  CHECK_THAT(a.read_until("<cyd> hello from c\r\n"), Catch::Contains("cyd has joined"));

  shell("(timeout 3 redis-cli -p 16400 subscribe news > " + logdir + "/sub.out &)");
  std::string count;
  for (int i = 0; i < 100 && count != "1\n"; ++i) {
    std::this_thread::sleep_for(30ms);
    count = shell("redis-cli -p 16401 publish news hello");
  }
  CHECK(count == "1\n");

  demo.signal(SIGTERM);
  CHECK(demo.wait() == 143);  // bash reports the signal; its trap stopped every node first
  // ([p] keeps pgrep from matching the shell that runs it.)
  CHECK(shell("pgrep -c -f '[p]lyd --logfile " + logdir + "'") == "0\n");
  shell("rm -rf " + logdir);
}
