// SPDX-License-Identifier: MIT
// Listening: TCP and Unix-socket listeners, accepting over several threads, clear errors.

#include <catch2/catch.hpp>

#include <atomic>
#include <fstream>
#include <arpa/inet.h>
#include <netinet/in.h>
#include <sys/socket.h>
#include <sys/stat.h>
#include <sys/un.h>
#include <unistd.h>
#include <future>
#include <thread>

#include <caf/actor_system.hpp>
#include <caf/actor_system_config.hpp>
#include <caf/scoped_actor.hpp>
#include <caf/send.hpp>

#include "ply/atoms.hpp"
#include "ply/line_receiver.hpp"
#include "ply/reactor.hpp"
#include "recorder.hpp"
#include "running_reactor.hpp"
#include "socket_client.hpp"
#include "temp_dir.hpp"
#include "test_protocols.hpp"

using namespace ply;
using namespace ply::test;
using namespace std::chrono_literals;

TEST_CASE("listening: many connections over several reactor threads each get their own echo",
          "[reactor]") {
  running_reactor rr{3};
  auto port = rr.listen(factory::for_protocol<echo>(std::make_shared<recorder>()));
  rr.start();
  std::vector<std::unique_ptr<socket_client>> clients;
  for (int i = 0; i < 30; ++i)
    clients.push_back(std::make_unique<socket_client>(port));
  for (int round = 0; round < 3; ++round)
    for (size_t i = 0; i < clients.size(); ++i) {
      auto msg = "client " + std::to_string(i) + " round " + std::to_string(round) + ";";
      clients[i]->send(msg);
      CHECK(clients[i]->read_exactly(msg.size()) == msg);
    }
  clients.clear();
  CHECK(rr.stop() == 0);
}

TEST_CASE("listening: listening on a port in use is a clear error", "[reactor]") {
  running_reactor rr;
  auto port = rr.listen(factory::for_protocol<echo>(std::make_shared<recorder>()));
  auto again = rr.r.listen("tcp:" + std::to_string(port) + ":interface=127.0.0.1",
                           factory::for_protocol<echo>(std::make_shared<recorder>()));
  REQUIRE_FALSE(again);
  CHECK(is(again.error(), errc::listen_failed));
  CHECK_THAT(describe(again.error()), Catch::Contains("in use"));
  auto bad = rr.r.listen("tcp:nope", factory::for_protocol<echo>(std::make_shared<recorder>()));
  REQUIRE_FALSE(bad);
  CHECK(is(bad.error(), errc::bad_endpoint));
}

namespace {

/// A fresh path for a Unix socket, removed again at the end of the test.
struct socket_path {
  temp_dir dir;
  std::string path = dir / "s.sock";
};

bool exists(const std::string& path) {
  struct stat st{};
  return ::lstat(path.c_str(), &st) == 0;
}

} // namespace

TEST_CASE("listening: a Unix socket serves, a stale file is replaced, a live one refused, "
          "stop_listening removes the file", "[reactor]") {
  socket_path sp;
  {
    // A stale socket file: bound once, nobody accepts on it any more.
    int fd = ::socket(AF_UNIX, SOCK_STREAM, 0);
    sockaddr_un addr{};
    addr.sun_family = AF_UNIX;
    sp.path.copy(addr.sun_path, sizeof(addr.sun_path) - 1);
    REQUIRE(::bind(fd, reinterpret_cast<sockaddr*>(&addr), sizeof(addr)) == 0);
    ::close(fd);
    REQUIRE(exists(sp.path));
  }
  running_reactor rr;
  auto made = [] { return factory::for_protocol<echo>(std::make_shared<recorder>()); };
  auto port = rr.r.listen("unix:" + sp.path + ":mode=600", made());
  REQUIRE(port);
  CHECK(*port == 0);
  rr.start();
  struct stat st{};
  REQUIRE(::lstat(sp.path.c_str(), &st) == 0);
  CHECK((st.st_mode & 0777) == 0600);
  socket_client c{sp.path};
  c.send("over unix");
  CHECK(c.read_exactly(9) == "over unix");
  // Someone listens there now: a second listener is refused, the file left alone.
  auto again = rr.r.listen("unix:" + sp.path, made());
  REQUIRE_FALSE(again);
  CHECK_THAT(describe(again.error()), Catch::Contains("another process listens there"));
  CHECK(rr.r.stop_listening(sp.path));
  CHECK_FALSE(exists(sp.path));
  CHECK_FALSE(rr.r.stop_listening(sp.path));
}

TEST_CASE("listening: a path that is not a socket is refused, and left alone", "[reactor]") {
  socket_path sp;
  { std::ofstream{sp.path} << "precious"; }
  running_reactor rr;
  auto r = rr.r.listen("unix:" + sp.path, factory::for_protocol<echo>(std::make_shared<recorder>()));
  REQUIRE_FALSE(r);
  CHECK(is(r.error(), errc::listen_failed));
  CHECK_THAT(describe(r.error()), Catch::Contains("not a socket"));
  std::string kept;
  std::ifstream{sp.path} >> kept;
  CHECK(kept == "precious");
}

TEST_CASE("listening: stop_listening closes a TCP port, connections already open go on",
          "[reactor]") {
  running_reactor rr;
  auto port = rr.listen(factory::for_protocol<echo>(std::make_shared<recorder>()));
  rr.start();
  socket_client open_before{port};
  open_before.send("a");
  CHECK(open_before.read_exactly(1) == "a");
  CHECK(rr.r.stop_listening(port));
  CHECK_FALSE(rr.r.stop_listening(port));
  CHECK_THROWS(socket_client{port});
  open_before.send("still");
  CHECK(open_before.read_exactly(5) == "still");
}

TEST_CASE("listening: adopt serves on a listening socket the process was given", "[reactor]") {
  running_reactor rr;
  // A TCP listener opened outside the reactor, as a parent or systemd would pass it.
  int fd = ::socket(AF_INET, SOCK_STREAM, 0);
  REQUIRE(fd >= 0);
  sockaddr_in sa{};
  sa.sin_family = AF_INET;
  sa.sin_addr.s_addr = htonl(INADDR_LOOPBACK);
  REQUIRE(::bind(fd, reinterpret_cast<sockaddr*>(&sa), sizeof(sa)) == 0);
  REQUIRE(::listen(fd, 16) == 0);
  auto port = rr.r.adopt(fd, factory::for_protocol<echo>(std::make_shared<recorder>()));
  REQUIRE(port);
  CHECK(*port != 0);
  rr.start();
  socket_client c{*port};
  c.send("adopted");
  CHECK(c.read_exactly(7) == "adopted");
  CHECK(rr.stop() == 0);
}

TEST_CASE("listening: adopting a socket that does not listen is a clear error", "[reactor]") {
  running_reactor rr;
  int idle = ::socket(AF_INET, SOCK_STREAM, 0);
  auto refused = rr.r.adopt(idle, factory::for_protocol<echo>(std::make_shared<recorder>()));
  REQUIRE_FALSE(refused);
  CHECK(is(refused.error(), errc::listen_failed));
  CHECK_THAT(describe(refused.error()), Catch::Contains("not a listening stream socket"));
  ::close(idle);
}

TEST_CASE("listening: a systemd endpoint without sockets from systemd is a clear error",
          "[reactor]") {
  running_reactor rr;
  ::unsetenv("LISTEN_PID");
  ::unsetenv("LISTEN_FDS");
  auto none = rr.r.listen("systemd:domain=INET:index=0",
                          factory::for_protocol<echo>(std::make_shared<recorder>()));
  REQUIRE_FALSE(none);
  CHECK(is(none.error(), errc::listen_failed));
  CHECK_THAT(describe(none.error()), Catch::Contains("systemd passed no sockets to this process"));
}
