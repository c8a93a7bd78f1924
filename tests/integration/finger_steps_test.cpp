// SPDX-License-Identifier: MIT
// The evolution of finger, step by step (examples/finger/), each run as a user would.
#include <catch2/catch.hpp>

#include <unistd.h>

#include <fstream>

#include "socket_client.hpp"
#include "process.hpp"

using namespace ply::test;

namespace {

const std::string local = "tcp:0:interface=127.0.0.1";

} // namespace

TEST_CASE("every finger step answers --help and --version", "[finger][examples]") {
  for (auto name : {"finger01_refuse", "finger02_drop", "finger03_read", "finger04_answer",
                    "finger05_map", "finger07_local", "finger08_setter", "finger09_reload",
                    "finger10_web", "finger11_irc"}) {
    INFO(name);
    process p{{bin(name), "--help"}};
    CHECK(p.wait() == 0);
    CHECK_THAT(p.output(), Catch::Contains("Usage:"));
    process v{{bin(name), "--version"}};
    CHECK(v.wait() == 0);
    CHECK_THAT(v.output(), Catch::StartsWith(std::string{name} + " (ply) "));
  }
}

TEST_CASE("finger steps 2 to 5: drop, read then drop, answer, answer from a map",
          "[finger][examples]") {
  process drop{{bin("finger02_drop"), "--port", local}};
  CHECK(nc(drop.port(), "moshez\\r\\n").empty());
  process read{{bin("finger03_read"), "--port", local}};
  CHECK(nc(read.port(), "moshez\\r\\n").empty());
  process answer{{bin("finger04_answer"), "--port", local}};
  CHECK(nc(answer.port(), "moshez\\r\\n") == "No such user\r\n");
  process map{{bin("finger05_map"), "--port", local, "--user", "moshez=Happy and well"}};
  CHECK(nc(map.port(), "moshez\\r\\n") == "Happy and well\r\n");
  CHECK(nc(map.port(), "glyph\\r\\n") == "No such user\r\n");
}

TEST_CASE("finger step 8: a status set on the setter port is fingered on the other",
          "[finger][examples]") {
  process f{{bin("finger08_setter"), "--port", local, "--setter", local}};
  auto finger = f.port(0);
  auto setter = f.port(1);
  CHECK(nc(setter, "moshez Out to lunch\\n") == "OK\r\n");
  CHECK(nc(finger, "moshez\\r\\n") == "Out to lunch\r\n");
}

TEST_CASE("finger steps 9 and 10: a users file, served to finger and to the web, a page per user",
          "[finger][examples]") {
  auto users = "/tmp/ply_finger_steps_" + std::to_string(::getpid());
  std::ofstream{users} << "moshez: Happy and well\n";
  process step9{{bin("finger09_reload"), "--port", local, "--users", users}};
  CHECK(nc(step9.port(), "moshez\\r\\n") == "Login: moshez\r\nHappy and well\r\n");
  process step10{{bin("finger10_web"), "--port", local, "--web", local, "--users", users}};
  CHECK(nc(step10.port(0), "moshez\\r\\n") == "Login: moshez\r\nHappy and well\r\n");
  auto page = shell("curl -s http://127.0.0.1:" + std::to_string(step10.port(1)) + "/users");
  CHECK(page.find("moshez    Happy and well") != std::string::npos);
  // A page per user, as the tutorial's UserStatusTree; an unknown user is a 404.
  auto web = "http://127.0.0.1:" + std::to_string(step10.port(1));
  CHECK(shell("curl -s " + web + "/moshez")
        == "<!doctype html><h1>moshez</h1><p>Happy and well</p>\n");
  CHECK(shell("curl -s -o /dev/null -w '%{http_code}' " + web + "/nobody") == "404");
  std::remove(users.c_str());
}

TEST_CASE("finger step 7: local users through the system's finger command", "[finger][examples]") {
  process step7{{bin("finger07_local"), "--port", local}};
  ply::test::socket_client c{step7.port(), 10000};
  c.send("root\r\n");
  auto [text, eof] = c.read_to_eof();
  CHECK(eof);
  CHECK(text.rfind("Login: root", 0) == 0);
  ply::test::socket_client bad{step7.port(), 10000};
  bad.send("-l\r\n");  // never an option on the command line
  CHECK(bad.read_to_eof().first == "No such user\r\n");
}

TEST_CASE("finger step 11: an IRC bot answers !finger in a plyd chat room", "[finger][examples][irc]") {
  auto users = "/tmp/ply_finger_bot_" + std::to_string(::getpid());
  std::ofstream{users} << "moshez: Happy and well\n";
  process chat{{bin("plyd"), "chat", "--port", local, "--irc", local}};
  auto line_port = chat.port(0);
  auto irc_port = chat.port(1);
  process bot{{bin("finger11_irc"), "--port", local, "--irc",
               "tcp:127.0.0.1:" + std::to_string(irc_port), "--users", users}};
  REQUIRE(bot.port() != 0);
  ply::test::socket_client alice{line_port, 1000};
  alice.send("alice\r\n");
  alice.read_until("Welcome, alice!\r\n");
  // The bot may still be joining: ask until it answers.
  std::string got;
  for (int i = 0; i < 20 && got.find("<fingerbot>") == std::string::npos; ++i) {
    alice.send("!finger moshez\r\n");
    got += alice.read_until("<fingerbot> Login: moshez | Happy and well\r\n");
  }
  CHECK(got.find("<fingerbot> Login: moshez | Happy and well") != std::string::npos);
  std::remove(users.c_str());
}
