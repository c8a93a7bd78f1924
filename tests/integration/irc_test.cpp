// SPDX-License-Identifier: MIT
// plyd chat --irc with a real IRC client (Debian's ii) and nc: a line said by the nc user
// reaches the IRC user and back, also across two cluster nodes; bad IRC input gets numerics.
#include <catch2/catch.hpp>

#include <unistd.h>

#include <filesystem>
#include <fstream>
#include <thread>

#include "socket_client.hpp"
#include "process.hpp"

using namespace ply::test;
using namespace std::chrono_literals;
namespace fs = std::filesystem;

namespace {

const std::string local = "tcp:0:interface=127.0.0.1";

std::string slurp(const fs::path& p) {
  std::ifstream in{p};
  return std::string{std::istreambuf_iterator<char>{in}, {}};
}

/// Waits until `file` contains `text` (ii writes what it hears to files).
bool wait_in_file(const fs::path& file, const std::string& text) {
  for (int i = 0; i < 100; ++i) {
    if (slurp(file).find(text) != std::string::npos)
      return true;
    std::this_thread::sleep_for(50ms);
  }
  return false;
}

/// Runs ii, Debian's file-based IRC client, against `port` for a bounded time.
struct ii_client {
  fs::path dir = fs::temp_directory_path() / ("ply_ii_" + std::to_string(::getpid()));
  fs::path server = dir / "127.0.0.1";
  ii_client(uint16_t port, const std::string& nick) {
    std::error_code ec;
    fs::remove_all(dir, ec);
    shell("(timeout 20 ii -s 127.0.0.1 -p " + std::to_string(port) + " -n " + nick + " -i "
          + dir.string() + " > /dev/null 2>&1 &)");
    for (int i = 0; i < 100 && !fs::exists(server / "in"); ++i)
      std::this_thread::sleep_for(50ms);
  }
  void say(const fs::path& where, const std::string& text) {
    std::ofstream{where / "in"} << text << "\n";
  }
  ~ii_client() {
    // ii removes its own files as it exits: wait for it, then remove what is left (without
    // throwing from a destructor if a file went away meanwhile).
    // ([i]i: the pattern does not match the shell that runs pgrep with it.)
    auto pattern = "'[i]i -s 127.0.0.1 -p .* -i " + dir.string() + "'";
    shell("pkill -f " + pattern);
    for (int i = 0; i < 100 && shell_status("pgrep -f " + pattern + " > /dev/null") == 0; ++i)
      std::this_thread::sleep_for(20ms);
    std::error_code ec;
    for (int i = 0; i < 5 && fs::exists(dir, ec); ++i)
      fs::remove_all(dir, ec);
  }
};

} // namespace

TEST_CASE("an nc user and an ii user talk in one room through plyd chat --irc", "[irc]") {
  process chat{{bin("plyd"), "chat", "--port", local, "--irc", local}};
  auto line_port = chat.port(0);
  auto irc_port = chat.port(1);
  ii_client ii{irc_port, "ircbob"};
  REQUIRE(fs::exists(ii.server / "in"));
  REQUIRE(wait_in_file(ii.server / "out", "Welcome to the ply chat, ircbob"));
  ii.say(ii.server, "/j #lobby");
  auto lobby = ii.server / "#lobby";
  REQUIRE(wait_in_file(lobby / "out", "ircbob(ircbob@ply) has joined #lobby"));

  socket_client alice{line_port};
  alice.send("alice\r\n");
  CHECK(alice.read_until("Welcome, alice!\r\n").find("Welcome") != std::string::npos);
  CHECK(wait_in_file(lobby / "out", "alice(alice@ply) has joined #lobby"));
  alice.send("hello ircbob\r\n");
  CHECK(wait_in_file(lobby / "out", "<alice> hello ircbob"));
  ii.say(lobby, "hello alice");
  CHECK(alice.read_until("<ircbob> hello alice\r\n").find("<ircbob> hello alice") != std::string::npos);
  // /who on the line side sees the IRC user, in the same room.
  alice.send("/who\r\n");
  CHECK(alice.read_until("\r\n").find("ircbob [lobby]") != std::string::npos);
}

TEST_CASE("IRC users on one node and nc users on another share a room", "[irc][cluster]") {
  process a{{bin("plyd"), "chat", "--port", local, "--irc", local, "--cluster", "tcp:0"}};
  auto a_cluster = a.port(0);
  auto a_irc = a.port(2);
  process b{{bin("plyd"), "chat", "--port", local, "--join",
             "127.0.0.1:" + std::to_string(a_cluster)}};
  auto b_line = b.port(1);
  REQUIRE(wait_for_log(a, "rooms now shared with node"));
  socket_client irc{a_irc};
  irc.send("NICK carol\r\nUSER carol 0 * :Carol\r\n");
  CHECK(irc.read_until("End of /NAMES list\r\n").find(":ply 001 carol") != std::string::npos);
  socket_client dave{b_line};
  dave.send("dave\r\n");
  dave.read_until("Welcome, dave!\r\n");
  CHECK(irc.read_until("JOIN #lobby\r\n").find(":dave!dave@ply JOIN #lobby") != std::string::npos);
  dave.send("hi from node b\r\n");
  CHECK(irc.read_until("\r\n").find(":dave!dave@ply PRIVMSG #lobby :hi from node b")
        != std::string::npos);
  irc.send("PRIVMSG #lobby :hi from node a\r\n");
  CHECK(dave.read_until("\r\n") == "<carol> hi from node a\r\n");
  irc.send("PRIVMSG dave :just you\r\n");
  CHECK(dave.read_until("\r\n") == "*carol* just you\r\n");
}

TEST_CASE("IRC errors are answered with numerics, never a crash", "[irc]") {
  process chat{{bin("plyd"), "chat", "--port", local, "--irc", local}};
  auto irc_port = chat.port(1);
  socket_client c{irc_port};
  c.send("JOIN #x\r\n");
  CHECK(c.read_until("\r\n") == ":ply 451 * :You have not registered\r\n");
  c.send("NICK bad#nick\r\n");
  CHECK(c.read_until("\r\n").find(":ply 432 * bad#nick :Erroneous nickname") == 0);
  c.send("NICK erin\r\nUSER erin 0 * :E\r\n");
  c.read_until("End of /NAMES list\r\n");
  c.send("PRIVMSG #elsewhere :x\r\nPRIVMSG nobody :x\r\nBOGUS a b\r\nJOIN #a b c\r\n");
  auto got = c.read_until("End of /NAMES list\r\n");
  CHECK(got.find(":ply 404 erin #elsewhere") != std::string::npos);
  CHECK(got.find(":ply 421 erin BOGUS :Unknown command") != std::string::npos);
  CHECK(got.find(":ply 401 erin nobody :No such nick/channel") != std::string::npos);
  CHECK(got.find(":erin!erin@ply JOIN #a") != std::string::npos);
  socket_client twin{irc_port};
  twin.send("NICK erin\r\nUSER e 0 * :E\r\n");
  CHECK(twin.read_until("\r\n") == ":ply 433 * erin :Nickname is already in use\r\n");
  twin.send(std::string("PRIVMSG #a :\x1b[2J\r\n"));
  CHECK(twin.read_until("\r\n").find("ERROR :Line refused") == 0);
  CHECK(chat.alive());
}
