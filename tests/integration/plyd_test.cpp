// SPDX-License-Identifier: MIT
// plyd as an operator runs it: real processes, real clients.
#include <signal.h>
#include <sys/stat.h>
#include <unistd.h>

#include <catch2/catch.hpp>

#include <filesystem>
#include <fstream>
#include <memory>
#include <sstream>
#include <thread>

#include <nlohmann/json.hpp>

#include "socket_client.hpp"
#include "process.hpp"
#include "sanitizers.hpp"

using namespace ply::test;
using namespace std::chrono_literals;

namespace {

const std::string local = "tcp:0:interface=127.0.0.1";

std::string tmp(const std::string& what) {
  return "/tmp/plyd-test-" + std::to_string(::getpid()) + "-" + what;
}

std::string slurp(const std::string& path) {
  std::ifstream in{path};
  std::stringstream ss;
  ss << in.rdbuf();
  return ss.str();
}

/// Waits for a file to appear with content; returns it.
std::string wait_for_file(const std::string& path) {
  for (int i = 0; i < 500; ++i) {
    auto text = slurp(path);
    if (!text.empty() && text.back() == '\n')
      return text;
    std::this_thread::sleep_for(10ms);
  }
  return {};
}

/// Waits until the file holds `needle` (at most 5 s); returns what it holds.
std::string wait_for_text(const std::string& path, const std::string& needle) {
  std::string text;
  for (int i = 0; i < 500 && text.find(needle) == std::string::npos; ++i) {
    std::this_thread::sleep_for(10ms);
    text = slurp(path);
  }
  return text;
}

uint16_t port_of(const std::string& endpoint) {
  return static_cast<uint16_t>(std::stoi(endpoint.substr(endpoint.rfind(':') + 1)));
}


bool alive(pid_t pid) {
  return ::kill(pid, 0) == 0;
}

/// Waits until `pid` is gone.
bool gone(pid_t pid) {
  for (int i = 0; i < 500 && alive(pid); ++i)
    std::this_thread::sleep_for(10ms);
  return !alive(pid);
}

} // namespace

TEST_CASE("plyd echo serves nc, says where it listens, and stops on SIGTERM", "[plyd]") {
  process p{{bin("plyd"), "echo", "--port", local}};
  auto port = p.port();
  REQUIRE(port != 0);
  CHECK(nc(port, "hello plyd\\n") == "hello plyd\n");
  p.signal(SIGTERM);
  CHECK(p.wait() == 0);
  CHECK_THAT(p.log(), Catch::Contains("stopping services of 'echo'"));
}

TEST_CASE("plyd takes twistd's short options: -n, -l FILE, and a plugin's -p", "[plyd]") {
  auto log = tmp("short.log");
  ::unlink(log.c_str());
  for (auto port_words : {std::vector<std::string>{"-p", local}, {"-p" + local}}) {
    std::vector<std::string> argv{bin("plyd"), "-n", "-l", log, "echo"};
    argv.insert(argv.end(), port_words.begin(), port_words.end());
    process p{argv};
    auto text = wait_for_text(log, "listening on");
    auto at = text.rfind("127.0.0.1:");
    REQUIRE(at != std::string::npos);
    auto port = static_cast<uint16_t>(std::stoi(text.substr(at + 10)));
    CHECK(nc(port, "short\\n") == "short\n");
    p.signal(SIGTERM);
    CHECK(p.wait() == 0);
    ::unlink(log.c_str());
  }
  process both{{bin("plyd"), "-n", "--daemon", "echo"}};
  CHECK(both.wait() == 2);
  CHECK_THAT(both.log(), Catch::Contains("excludes"));
}

TEST_CASE("plyd --help lists the plugins and --version answers", "[plyd]") {
  process help{{bin("plyd"), "--help"}};
  CHECK(help.wait() == 0);
  for (auto name : {"echo", "discard", "daytime", "qotd"})
    CHECK_THAT(help.output(), Catch::Contains(name));
  process plugin_help{{bin("plyd"), "qotd", "--help"}};
  CHECK(plugin_help.wait() == 0);
  CHECK_THAT(plugin_help.output(), Catch::Contains("--quote"));
  process version{{bin("plyd"), "--version"}};
  CHECK(version.wait() == 0);
  CHECK_THAT(version.output(), Catch::StartsWith("plyd (ply) "));
}

TEST_CASE("plyd --daemon --pidfile detaches, a second start is refused, SIGTERM removes the pid "
          "file",
          "[plyd]") {
  auto pidfile = tmp("daemon.pid");
  auto ready = tmp("daemon.ready");
  ::unlink(pidfile.c_str());
  process starter{{bin("plyd"), "--daemon", "--pidfile", pidfile, "--rundir", "/tmp",
                   "--ready-file", ready, "--logfile", tmp("daemon.log"), "echo", "--port", local}};
  CHECK(starter.wait() == 0);
  auto text = wait_for_file(pidfile);
  REQUIRE_FALSE(text.empty());
  pid_t pid = std::stoi(text);
  CHECK(alive(pid));
  auto info = nlohmann::json::parse(wait_for_file(ready));
  CHECK(info["pid"] == pid);
  auto port = port_of(info["services"]["echo"][0]);
  CHECK(nc(port, "from the daemon\\n") == "from the daemon\n");
  process second{{bin("plyd"), "--pidfile", pidfile, "echo", "--port", local}};
  CHECK(second.wait() == 2);
  CHECK_THAT(second.log(),
             Catch::Contains("is held by a running process (pid " + std::to_string(pid) + ")"));
  ::kill(pid, SIGTERM);
  CHECK(gone(pid));
  CHECK(slurp(pidfile).empty());
  // A stale pid file (its process is gone) is replaced.
  { std::ofstream{pidfile} << pid << "\n"; }
  process again{{bin("plyd"), "--pidfile", pidfile, "echo", "--port", local}};
  CHECK(again.port() != 0);
  CHECK(std::stoi(slurp(pidfile)) != pid);
  ::unlink(tmp("daemon.log").c_str());
  ::unlink(ready.c_str());
}

TEST_CASE("two plyd started at once with one pid file: one serves, the other exits 2", "[plyd]") {
  auto pidfile = tmp("race.pid");
  ::unlink(pidfile.c_str());
  for (int round = 0; round < 8; ++round) {
    INFO("round " << round);
    process a{{bin("plyd"), "--pidfile", pidfile, "echo", "--port", local}};
    process b{{bin("plyd"), "--pidfile", pidfile, "echo", "--port", local}};
    auto deadline = std::chrono::steady_clock::now() + 10s;
    while (a.alive() && b.alive() && std::chrono::steady_clock::now() < deadline)
      std::this_thread::sleep_for(10ms);
    REQUIRE(a.alive() != b.alive());
    auto& winner = a.alive() ? a : b;
    auto& loser = a.alive() ? b : a;
    CHECK(loser.wait() == 2);
    CHECK_THAT(loser.log(), Catch::Contains("is held by a running process"));
    auto port = winner.port();
    REQUIRE(port != 0);
    CHECK(nc(port, "winner\\n") == "winner\n");
    winner.signal(SIGTERM);
    CHECK(winner.wait() == 0);
    CHECK_FALSE(std::filesystem::exists(pidfile));
  }
}

TEST_CASE("plyd --daemon reports a startup failure on the terminal with exit code 2", "[plyd]") {
  process taken{{bin("plyd"), "echo", "--port", local}};
  auto port = taken.port();
  REQUIRE(port != 0);
  process daemon{{bin("plyd"), "--daemon", "--rundir", "/tmp", "echo", "--port",
                  "tcp:" + std::to_string(port) + ":interface=127.0.0.1"}};
  CHECK(daemon.wait() == 2);
  CHECK_THAT(daemon.log(), Catch::Contains("Address already in use"));
}

TEST_CASE("plyd as root binds a privileged port, then serves as nobody", "[plyd]") {
  if (::geteuid() != 0) {
    WARN("not root: privilege drop not exercised");
    return;
  }
  // Port 79 (finger) needs root to bind; the process must run as nobody afterwards.
  process p{{bin("plyd"), "--uid", "nobody", "echo", "--port", "tcp:79:interface=127.0.0.1"}};
  auto port = p.port();
  if (port == 0 && p.log().find("in use") != std::string::npos) {
    WARN("port 79 is taken on this machine");
    return;
  }
  REQUIRE(port == 79);
  CHECK(nc(79, "as nobody\\n") == "as nobody\n");
  auto status = shell("grep Uid /proc/$(pgrep -f \"plyd --uid nobody\" | head -1)/status");
  auto nobody = shell("id -u nobody");
  nobody.pop_back();
  CHECK_THAT(status, Catch::StartsWith("Uid:\t" + nobody + "\t" + nobody));
}

TEST_CASE("plyd as nobody reopens its log file on SIGHUP (what logrotate sends)", "[plyd]") {
  if (::geteuid() != 0) {
    WARN("not root: privilege drop not exercised");
    return;
  }
  // A directory of root's, as /var/log is: nobody can open the log only once it is nobody's.
  auto dir = tmp("logs");
  std::filesystem::create_directories(dir);
  ::chmod(dir.c_str(), 0755);
  auto log = dir + "/plyd.log";
  auto ready = tmp("nobody.ready");
  process p{{bin("plyd"), "--uid", "nobody", "--logfile", log, "--ready-file", ready, "echo",
             "--port", local}};
  auto info = nlohmann::json::parse(wait_for_file(ready));
  auto port = port_of(info["services"]["echo"][0]);
  p.signal(SIGHUP);
  CHECK_THAT(wait_for_text(log, "SIGHUP"), Catch::Contains("SIGHUP: log files reopened"));
  CHECK(p.alive());
  CHECK(nc(port, "still here\\n") == "still here\n");
  p.signal(SIGTERM);
  CHECK(p.wait() == 0);
  std::filesystem::remove_all(dir);
  ::unlink(ready.c_str());
}

TEST_CASE("plyd --daemon without --logfile logs to plyd.log in its run directory", "[plyd]") {
  auto dir = tmp("rundir");
  std::filesystem::create_directories(dir);
  auto pidfile = dir + "/plyd.pid";
  process d{{bin("plyd"), "--daemon", "--rundir", dir, "--pidfile", pidfile, "echo", "--port",
             local}};
  CHECK(d.wait() == 0);
  CHECK_THAT(wait_for_text(dir + "/plyd.log", "listening on"),
             Catch::Contains("listening on 127.0.0.1:"));
  auto pid = std::stoi(wait_for_file(pidfile));
  ::kill(pid, SIGTERM);
  for (int i = 0; i < 100 && ::kill(pid, 0) == 0; ++i)
    std::this_thread::sleep_for(std::chrono::milliseconds(50));
  CHECK(::kill(pid, 0) != 0);
  std::filesystem::remove_all(dir);
}

TEST_CASE("plyd --config runs three services in one process", "[plyd]") {
  auto config = tmp("three.ini");
  auto ready = tmp("three.ready");
  std::ofstream{config} << "# one process, three services\n"
                           "[echo]\nport = " << local << "\n\n"
                           "[quote]\nplugin = qotd\nport = " << local << "\n"
                           "quote = Simple is better than complex.\n\n"
                           "[clock]\nplugin = daytime\nport = " << local << "\n";
  process p{{bin("plyd"), "--config", config, "--ready-file", ready}};
  auto info = nlohmann::json::parse(wait_for_file(ready));
  CHECK(info["application"] == "plyd-test-" + std::to_string(::getpid()) + "-three");
  CHECK(nc(port_of(info["services"]["echo"][0]), "e\\n") == "e\n");
  CHECK(nc(port_of(info["services"]["quote"][0]), "") == "Simple is better than complex.\r\n");
  CHECK_THAT(nc(port_of(info["services"]["clock"][0]), ""), Catch::EndsWith("-UTC\r\n"));
  ::unlink(config.c_str());
  ::unlink(ready.c_str());
}

TEST_CASE("plyd --config takes every option the command line takes: flags, several values",
          "[plyd]") {
  auto config = tmp("flags.ini");
  auto ready = tmp("flags.ready");
  // resp = true is the flag --resp: redis-cli's PING gets a RESP answer.
  std::ofstream{config} << "[news]\nplugin = pubsub\nresp = true\nport = " << local << "\n"
                        << "[plain]\nplugin = pubsub\nresp = false\nport = " << local << "\n";
  process p{{bin("plyd"), "--config", config, "--ready-file", ready}};
  auto info = nlohmann::json::parse(wait_for_file(ready));
  auto news = port_of(info["services"]["news"][0]);
  CHECK(shell("redis-cli -p " + std::to_string(news) + " ping") == "PONG\n");
  p.signal(SIGTERM);
  CHECK(p.wait() == 0);
  // Three values on one line reach the option that takes three (here: files that are missing,
  // which the option's own check reports); a bad line is reported with its line number.
  auto bad = tmp("bad-values.ini");
  std::ofstream{bad} << "[chat]\nport = " << local << "\ncluster = tcp:0\n"
                     << "cluster-tls = /no/cert.pem /no/key.pem /no/ca.pem\n";
  process tls{{bin("plyd"), "--config", bad}};
  CHECK(tls.wait() == 2);
  CHECK_THAT(tls.log(), Catch::Contains("--cluster-tls: cannot read /no/cert.pem"));
  std::ofstream{bad} << "[news]\nplugin = pubsub\nport = " << local << "\nresp = maybe\n";
  process flag{{bin("plyd"), "--config", bad}};
  CHECK(flag.wait() == 2);
  CHECK_THAT(flag.log(), Catch::Contains("bad-values.ini:4: 'resp' is a flag: true or false"));
  std::ofstream{bad} << "[news]\nplugin = pubsub\n\nrespp = true\n";
  process unknown{{bin("plyd"), "--config", bad}};
  CHECK(unknown.wait() == 2);
  CHECK_THAT(unknown.log(), Catch::Contains("bad-values.ini:4: plugin 'pubsub' has no option 'respp'"));
  for (auto& f : {config, ready, bad})
    ::unlink(f.c_str());
}

TEST_CASE("plyd loads an example plugin from a shared library", "[plyd]") {
  auto plugins = std::string{PLY_BIN_DIR} + "/../plugins";
  process p{{bin("plyd"), "--plugin-path", plugins, "hello", "--port", local, "--greeting", "Howdy"}};
  auto port = p.port();
  REQUIRE(port != 0);
  CHECK(nc(port, "x\\n") == "Howdy from a plugin!\r\nx\n");
  p.signal(SIGTERM);
  CHECK(p.wait() == 0);
  auto by_env = shell("PLY_PLUGIN_PATH=" + plugins + " " + bin("plyd") + " --help");
  CHECK_THAT(by_env, Catch::Contains("hello"));
}

TEST_CASE("fib_server continues the sequence after a restart", "[plyd]") {
  auto rundir = tmp("fib");
  shell("rm -rf " + rundir + " && mkdir -p " + rundir);
  std::string seen;
  for (int run = 0; run < 2; ++run) {
    process p{{bin("fib_server"), "--port", local, "--rundir", rundir}};
    auto port = p.port();
    REQUIRE(port != 0);
    for (int i = 0; i < 5; ++i)
      seen += nc(port, "next\\n");
    p.signal(SIGTERM);
    CHECK(p.wait() == 0);
  }
  CHECK(seen == "2\r\n3\r\n5\r\n8\r\n13\r\n21\r\n34\r\n55\r\n89\r\n144\r\n");
  shell("rm -rf " + rundir);
}

TEST_CASE("SIGHUP reopens the log file", "[plyd]") {
  auto log = tmp("hup.log");
  process p{{bin("plyd"), "--logfile", log, "echo", "--port", local}};
  REQUIRE_FALSE(wait_for_file(log).empty());
  ::rename(log.c_str(), (log + ".1").c_str());
  p.signal(SIGHUP);
  auto reopened = wait_for_file(log);
  CHECK_THAT(reopened, Catch::Contains("log files reopened"));
  CHECK_THAT(slurp(log + ".1"), Catch::Contains("listening on"));
  ::unlink(log.c_str());
  ::unlink((log + ".1").c_str());
}

TEST_CASE("plyd startup errors: one line naming the problem, exit code 2", "[plyd]") {
  auto bad_config = tmp("bad.ini");
  std::ofstream{bad_config} << "[echo]\nthis line has no equals sign\n";
  struct expectation {
    std::vector<std::string> args;
    std::string message;
  };
  std::vector<expectation> cases{
    {{"nosuch"}, "no plugin named 'nosuch' (looked in: built in;"},
    {{"--plugin-path", PLY_BIN_DIR, "hello", "--port", "tcp:0"},
     "no plugin named 'hello' (looked in: built in, " PLY_BIN_DIR ";"},
    {{"--plugin-path", "/no/such/dir", "echo"},
     "plugin directory '/no/such/dir': No such file or directory"},
    {{"echo", "--no-such-option"}, "unknown option: --no-such-option"},
    {{"echo", "--port", "tcp:nope"}, "bad endpoint 'tcp:nope'"},
    {{"echo", "--port", "tcp:0:interfac=127.0.0.1"}, "unknown option 'interfac'"},
    {{"--daemon", "--logfile", "-", "echo"}, "--daemon has no standard output to log to"},
    {{"--config", "/nonexistent/app.ini"}, "cannot read config file /nonexistent/app.ini"},
    {{"--config", bad_config}, "bad.ini:2: expected 'key = value'"},
    {{}, "no plugin given"},
  };
  for (auto& c : cases) {
    std::vector<std::string> argv{bin("plyd")};
    argv.insert(argv.end(), c.args.begin(), c.args.end());
    process p{argv};
    INFO(c.message);
    CHECK(p.wait() == 2);
    CHECK_THAT(p.log(), Catch::Contains("plyd: " ) && Catch::Contains(c.message));
  }
  ::unlink(bad_config.c_str());
}

TEST_CASE("plyd serves on a Unix socket: mode set, a live socket refused, a stale one replaced",
          "[plyd]") {
  auto path = tmp("echo.sock");
  ::unlink(path.c_str());
  {
    process p{{bin("plyd"), "echo", "--port", "unix:" + path + ":mode=600"}};
    REQUIRE(wait_for_log(p, "listening on " + path));
    CHECK(shell("stat -c %a " + path) == "600\n");
    CHECK(shell("printf \"over unix\\n\" | nc -N -U " + path) == "over unix\n");
    process second{{bin("plyd"), "echo", "--port", "unix:" + path}};
    CHECK(second.wait() == 2);
    CHECK_THAT(second.log(), Catch::Contains("another process listens there"));
    p.signal(SIGKILL);  // leaves the socket file behind
    p.wait();
  }
  process again{{bin("plyd"), "echo", "--port", "unix:" + path}};
  REQUIRE(wait_for_log(again, "listening on " + path));
  CHECK_THAT(again.log(), Catch::Contains("replaced the stale socket file"));
  CHECK(shell("printf \"again\\n\" | nc -N -U " + path) == "again\n");
  again.signal(SIGTERM);
  CHECK(again.wait() == 0);
  CHECK(::access(path.c_str(), F_OK) != 0);  // removed on a graceful stop
}

TEST_CASE("plyd --control answers stats as JSON, in order with other commands", "[plyd]") {
  auto ready = tmp("control.ready");
  process p{{bin("plyd"), "--control", local, "--ready-file", ready, "echo", "--port", local}};
  auto info = nlohmann::json::parse(wait_for_file(ready));
  auto control = port_of(info["services"]["control"][0]);
  auto echo_port = port_of(info["services"]["echo"][0]);
  ply::test::process idle{{"/bin/sh", "-c", "sleep 3 | nc 127.0.0.1 " + std::to_string(echo_port)}};
  std::this_thread::sleep_for(200ms);
  auto answer = nc(control, "stats\\nbogus\\nquit\\n");
  auto newline = answer.find("\r\n");
  REQUIRE(newline != std::string::npos);
  auto stats = nlohmann::json::parse(answer.substr(0, newline));
  CHECK(stats["application"] == "echo");
  CHECK(stats["pid"] == info["pid"]);
  CHECK(stats["connections"] == 2);  // the idle echo client and this control connection
  CHECK(stats["services"]["echo"] == info["services"]["echo"]);
  CHECK_THAT(answer.substr(newline + 2), Catch::StartsWith("{\"error\":\"unknown command 'bogus'"));
  ::unlink(ready.c_str());
}

TEST_CASE("plyd --max-connections: a flood past the limit is refused cleanly while the open "
          "connections keep working",
          "[plyd][limits]") {
  auto ready = tmp("limit.ready");
  process p{{bin("plyd"), "--max-connections", "20", "--control", local, "--ready-file", ready,
             "echo", "--port", local}};
  auto info = nlohmann::json::parse(wait_for_file(ready));
  auto control = port_of(info["services"]["control"][0]);
  auto echo_port = port_of(info["services"]["echo"][0]);
  std::vector<std::unique_ptr<socket_client>> open;
  for (int i = 0; i < 20; ++i) {
    open.push_back(std::make_unique<socket_client>(echo_port));
    open.back()->send("hi " + std::to_string(i) + ";");
    REQUIRE(open.back()->read_until(";") == "hi " + std::to_string(i) + ";");
  }
  // 300 more: each is accepted and closed at once, without a byte.
  size_t refused = 0;
  for (int i = 0; i < 300; ++i) {
    socket_client extra{echo_port};
    extra.send("anyone?");
    auto [got, eof] = extra.read_to_eof();
    if (got.empty() && eof)
      ++refused;
  }
  CHECK(refused == 300);
  // The 20 still echo.
  for (size_t i = 0; i < open.size(); ++i) {
    open[i]->send("still " + std::to_string(i) + ";");
    CHECK(open[i]->read_until(";") == "still " + std::to_string(i) + ";");
  }
  CHECK_THAT(p.log(), Catch::Contains("refusing connections on 127.0.0.1:" +
                                      std::to_string(echo_port) + ": 20 are open"));
  // Below the limit again, new connections are served and the control port answers.
  open.resize(10);
  std::this_thread::sleep_for(200ms);
  socket_client late{echo_port};
  late.send("late;");
  CHECK(late.read_until(";") == "late;");
  auto answer = nc(control, "stats\\nquit\\n");
  auto stats = nlohmann::json::parse(answer.substr(0, answer.find("\r\n")));
  CHECK(stats["max_connections"] == 20);
  CHECK(stats["refused_connections"] == 300);
  CHECK(stats["connections"] == 12);  // 10 + late + this control connection
  p.signal(SIGTERM);
  CHECK(p.wait() == 0);
  ::unlink(ready.c_str());
}

namespace {

/// The environment of process `pid`, one "NAME=value" per entry.
std::vector<std::string> environment_of(pid_t pid) {
  std::ifstream in{"/proc/" + std::to_string(pid) + "/environ"};
  std::vector<std::string> out;
  for (std::string entry; std::getline(in, entry, '\0');)
    out.push_back(entry);
  return out;
}

/// Whether glibc marks the heap for huge pages on this machine: only where the kernel gives
/// them on request (glibc leaves it to the kernel under "always", and "never" gives none), and
/// not under a sanitizer, whose allocator is not glibc's.
bool heap_marked_here() {
#if PLY_TEST_SANITIZED
  return false;
#else
  std::ifstream in{"/sys/kernel/mm/transparent_hugepage/enabled"};
  std::string modes;
  std::getline(in, modes);
  return modes.find("[madvise]") != std::string::npos;
#endif
}

/// Whether the heap of process `pid` asks for transparent huge pages ("hg" in its VmFlags).
bool heap_asks_huge_pages(pid_t pid) {
  std::ifstream in{"/proc/" + std::to_string(pid) + "/smaps"};
  bool heap = false;
  for (std::string line; std::getline(in, line);) {
    if (line.find("[heap]") != std::string::npos)
      heap = true;
    else if (heap && line.rfind("VmFlags:", 0) == 0)
      return line.find(" hg") != std::string::npos;
  }
  return false;
}

} // namespace

TEST_CASE("plyd's allocator asks for transparent huge pages, unless told not to or tuned already",
          "[plyd]") {
  using Catch::VectorContains;
  const std::string env = "/usr/bin/env";
  SECTION("by default") {
    process p{{env, "-u", "GLIBC_TUNABLES", bin("plyd"), "echo", "--port", local}};
    REQUIRE(p.port() != 0);
#if PLY_TEST_SANITIZED
    // A sanitizer's allocator is not glibc's: plyd leaves the tunable out.
    for (auto& e : environment_of(p.pid()))
      CHECK(e.rfind("GLIBC_TUNABLES=", 0) != 0);
#else
    CHECK_THAT(environment_of(p.pid()),
               VectorContains(std::string{"GLIBC_TUNABLES=glibc.malloc.hugetlb=1"}));
#endif
    if (heap_marked_here())
      CHECK(heap_asks_huge_pages(p.pid()));
    else
      WARN("no transparent huge pages on request here (or a sanitizer runs): heap not checked");
    CHECK(nc(p.port(), "still echoes\\n") == "still echoes\n");
  }
  SECTION("PLYD_HUGE_PAGES=0") {
    process p{{env, "-u", "GLIBC_TUNABLES", "PLYD_HUGE_PAGES=0", bin("plyd"), "echo", "--port",
               local}};
    REQUIRE(p.port() != 0);
    for (auto& e : environment_of(p.pid()))
      CHECK(e.rfind("GLIBC_TUNABLES=", 0) != 0);
    CHECK_FALSE(heap_asks_huge_pages(p.pid()));
  }
  SECTION("the operator's own GLIBC_TUNABLES is left as it is") {
    process p{{env, "GLIBC_TUNABLES=glibc.malloc.tcache_count=0", bin("plyd"), "echo", "--port",
               local}};
    REQUIRE(p.port() != 0);
    CHECK_THAT(environment_of(p.pid()),
               VectorContains(std::string{"GLIBC_TUNABLES=glibc.malloc.tcache_count=0"}));
    CHECK_FALSE(heap_asks_huge_pages(p.pid()));
  }
}
