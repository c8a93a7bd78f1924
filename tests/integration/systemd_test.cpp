// SPDX-License-Identifier: MIT
// plyd under systemd, without systemd as PID 1: sockets passed the way systemd passes them
// (Debian's systemd-socket-activate), and the notify protocol received on a socket of the test's.
#include <arpa/inet.h>
#include <netinet/in.h>
#include <signal.h>
#include <sys/socket.h>
#include <sys/un.h>
#include <poll.h>
#include <unistd.h>

#include <catch2/catch.hpp>

#include <filesystem>
#include <fstream>
#include <thread>

#include "process.hpp"
#include "socket_client.hpp"
#include "temp_dir.hpp"

using namespace ply::test;
using namespace std::chrono_literals;

namespace {

/// A datagram socket standing in for systemd's NOTIFY_SOCKET.
class notify_socket {
public:
  explicit notify_socket(std::string path) : path_(std::move(path)) {
    fd_ = ::socket(AF_UNIX, SOCK_DGRAM | SOCK_CLOEXEC, 0);
    sockaddr_un sa{};
    sa.sun_family = AF_UNIX;
    path_.copy(sa.sun_path, sizeof(sa.sun_path) - 1);
    if (fd_ < 0 || ::bind(fd_, reinterpret_cast<sockaddr*>(&sa), sizeof(sa)) != 0)
      throw std::runtime_error("cannot bind " + path_);
  }
  ~notify_socket() {
    ::close(fd_);
  }

  /// The next message that holds `what` (others are skipped); empty after `timeout`.
  std::string wait_for(const std::string& what, std::chrono::milliseconds timeout = 10s) {
    auto deadline = std::chrono::steady_clock::now() + timeout;
    for (;;) {
      auto left = std::chrono::duration_cast<std::chrono::milliseconds>(
        deadline - std::chrono::steady_clock::now());
      pollfd p{fd_, POLLIN, 0};
      if (left.count() <= 0 || ::poll(&p, 1, static_cast<int>(left.count())) != 1)
        return {};
      char buf[4096];
      auto n = ::recv(fd_, buf, sizeof(buf), 0);
      if (n > 0 && std::string{buf, static_cast<size_t>(n)}.find(what) != std::string::npos)
        return std::string{buf, static_cast<size_t>(n)};
    }
  }

private:
  std::string path_;
  int fd_ = -1;
};

/// A loopback port nothing listens on at the moment.
uint16_t free_port() {
  int fd = ::socket(AF_INET, SOCK_STREAM | SOCK_CLOEXEC, 0);
  sockaddr_in sa{};
  sa.sin_family = AF_INET;
  sa.sin_addr.s_addr = htonl(INADDR_LOOPBACK);
  socklen_t len = sizeof(sa);
  ::bind(fd, reinterpret_cast<sockaddr*>(&sa), sizeof(sa));
  ::getsockname(fd, reinterpret_cast<sockaddr*>(&sa), &len);
  ::close(fd);
  return ntohs(sa.sin_port);
}

} // namespace

TEST_CASE("plyd serves on a TCP socket passed by systemd-socket-activate", "[systemd]") {
  // The activator binds the port, waits for a client, then starts plyd with the socket as
  // descriptor 3 (LISTEN_FDS=1). It cannot bind port 0: a port free a moment ago, and another
  // try should someone take it meanwhile.
  for (int attempt = 0; attempt < 5; ++attempt) {
    auto port = free_port();
    process act{{"/usr/bin/systemd-socket-activate", "-l", "127.0.0.1:" + std::to_string(port),
                 bin("plyd"), "echo", "--port", "systemd:domain=INET:index=0"}};
    if (!wait_for_log(act, "Listening on")) {
      CHECK_FALSE(act.alive());
      continue;
    }
    CHECK(nc(port, "activated\\n") == "activated\n");
    CHECK(wait_for_log(act, "listening on 127.0.0.1:" + std::to_string(port) + " (from systemd)"));
    return;
  }
  FAIL("systemd-socket-activate did not listen");
}

TEST_CASE("plyd serves on a Unix socket passed by systemd, and leaves its file alone",
          "[systemd]") {
  temp_dir dir;
  auto path = dir / "echo.sock";
  process act{{"/usr/bin/systemd-socket-activate", "-l", path, bin("plyd"), "echo", "--port",
               "systemd:domain=UNIX:index=0"}};
  REQUIRE(wait_for_log(act, "Listening on"));
  CHECK(shell("printf 'over unix\\n' | nc -N -U " + path) == "over unix\n");
  CHECK(wait_for_log(act, path + " (from systemd)"));
  act.signal(SIGTERM);
  CHECK(act.wait() == 0);
  CHECK(std::filesystem::exists(path));  // systemd's file: plyd did not make it, nor removes it
  // A domain that does not match what was passed is refused with the reason.
  process wrong{{"/usr/bin/systemd-socket-activate", "-l", dir / "other.sock", bin("plyd"),
                 "echo", "--port", "systemd:domain=INET:index=0"}};
  REQUIRE(wait_for_log(wrong, "Listening on"));
  shell("nc -N -U " + dir / "other.sock" + " </dev/null");  // starts plyd
  CHECK(wait_for_log(wrong, "socket 0 is not in domain INET"));
}

TEST_CASE("a socket systemd passed serves one listener: a second one is refused", "[systemd]") {
  temp_dir dir;
  std::ofstream{dir / "twice.ini"} << "[one]\nplugin = echo\nport = systemd:domain=UNIX:index=0\n"
                                   << "[two]\nplugin = echo\nport = systemd:domain=UNIX:index=0\n";
  auto path = dir / "twice.sock";
  process act{{"/usr/bin/systemd-socket-activate", "-l", path, bin("plyd"), "--config",
               dir / "twice.ini"}};
  REQUIRE(wait_for_log(act, "Listening on"));
  shell("nc -N -U " + path + " </dev/null");  // starts plyd
  CHECK(act.wait() == 2);
  CHECK_THAT(act.log(), Catch::Contains("socket 0 from systemd is already in use"));
}

TEST_CASE("plyd tells NOTIFY_SOCKET it is ready once it listens, and that it stops on SIGTERM",
          "[systemd]") {
  temp_dir dir;
  notify_socket notify{dir / "notify"};
  process p{{"/usr/bin/env", "NOTIFY_SOCKET=" + dir / "notify", "WATCHDOG_USEC=200000",
             bin("plyd"), "echo", "--port", "tcp:0:interface=127.0.0.1"}};
  auto ready = notify.wait_for("READY=1");
  REQUIRE_FALSE(ready.empty());
  // By the time it says so, it listens.
  auto log = p.log();
  auto at = log.find("listening on 127.0.0.1:");
  REQUIRE(at != std::string::npos);
  auto port = static_cast<uint16_t>(std::stoi(log.substr(at + 23)));
  CHECK_THAT(ready, Catch::Contains("STATUS=serving echo on 127.0.0.1:" + std::to_string(port)));
  CHECK_THAT(ready, Catch::Contains("MAINPID=" + std::to_string(p.pid())));
  CHECK(nc(port, "ready\\n") == "ready\n");
  CHECK_FALSE(notify.wait_for("WATCHDOG=1", 2s).empty());
  p.signal(SIGTERM);
  CHECK_FALSE(notify.wait_for("STOPPING=1").empty());
  CHECK(p.wait() == 0);
}

TEST_CASE("plyd logs to the journal with priorities and without dates of its own", "[systemd]") {
  // systemd sets JOURNAL_STREAM to the device and inode of the stream it gave the service.
  temp_dir dir;
  auto log = dir / "journal";
  process p{{"/bin/sh", "-c",
             "exec 2>" + log + "; JOURNAL_STREAM=$(stat -c %d:%i " + log + ") exec " + bin("plyd")
               + " echo --port tcp:0:interface=127.0.0.1"}};
  std::string text;
  for (int i = 0; i < 500 && text.find("running 'echo'") == std::string::npos; ++i) {
    std::this_thread::sleep_for(10ms);
    text = shell("cat " + log);
  }
  CHECK_THAT(text, Catch::StartsWith("<6>listening on 127.0.0.1:"));
  CHECK_THAT(text, Catch::Contains("\n<6>plyd "));
  CHECK_THAT(text, !Catch::Matches("[\\s\\S]*\\d{4}-\\d\\d-\\d\\d [\\s\\S]*"));
  // Without JOURNAL_STREAM (or one naming another stream) the lines are dated as usual.
  process plain{{bin("plyd"), "echo", "--port", "tcp:0:interface=127.0.0.1"}};
  REQUIRE(plain.port() != 0);
  CHECK_THAT(plain.log(), Catch::Matches("\\d{4}-\\d\\d-\\d\\d [\\s\\S]*"));
}
