// SPDX-License-Identifier: MIT
// plyd web with curl and nc: static files, escapes refused, ranges, keep-alive and pipelining,
// a slow (deferred) page that holds up nobody, and limits answered with 4xx.
#include <catch2/catch.hpp>

#include <unistd.h>

#include <chrono>
#include <filesystem>
#include <fstream>

#include "process.hpp"

using namespace ply::test;
namespace fs = std::filesystem;

namespace {

struct www {
  fs::path root = fs::temp_directory_path() / ("ply_www_" + std::to_string(::getpid()));
  www() {
    fs::create_directories(root / "docs");
    std::ofstream{root / "index.html"} << "<h1>home</h1>";
    std::ofstream{root / "docs" / "a.txt"} << "0123456789";
    std::ofstream big{root / "big.bin", std::ios::binary};
    for (int i = 0; i < 3 * 1024 * 1024; ++i)
      big.put(static_cast<char>(i * 7));
    fs::create_symlink("/etc/passwd", root / "passwd");
  }
  ~www() {
    fs::remove_all(root);
  }
};

} // namespace

TEST_CASE("plyd web serves a directory to curl and nothing outside it", "[web]") {
  www site;
  process web{{bin("plyd"), "web", "--port", "tcp:0:interface=127.0.0.1", "--path",
               site.root.string()}};
  auto base = "http://127.0.0.1:" + std::to_string(web.port());
  CHECK(shell("curl -s " + base + "/") == "<h1>home</h1>");
  CHECK(shell("curl -s " + base + "/docs/a.txt") == "0123456789");
  CHECK(shell("curl -s -o /dev/null -w '%{http_code} %{redirect_url}' " + base + "/docs")
        == "301 " + base + "/docs/");
  CHECK(shell("curl -s " + base + "/docs/").find("<a href=\"a.txt\">a.txt</a>")
        != std::string::npos);
  CHECK(shell("curl -s -i " + base + "/docs/a.txt").find("Content-Type: text/plain")
        != std::string::npos);
  for (auto path : {"/../../etc/passwd", "/docs/%2e%2e/%2e%2e/etc/passwd", "/passwd",
                    "/docs%2f..%2f..%2fetc%2fpasswd"})
    CHECK(shell(std::string{"curl -s --path-as-is -o /dev/null -w '%{http_code}' "} + base + path)
          == "404");
  CHECK(shell("curl -s -r 3-5 " + base + "/docs/a.txt") == "345");
  CHECK(shell("curl -s -o /dev/null -w '%{http_code}' -r 50- " + base + "/docs/a.txt") == "416");
  auto modified = shell("curl -s -I " + base + "/docs/a.txt | sed -n 's/^Last-Modified: //p' "
                        "| tr -d '\\r\\n'");
  CHECK(shell("curl -s -o /dev/null -w '%{http_code}' -H 'If-Modified-Since: " + modified + "' "
              + base + "/docs/a.txt")
        == "304");
  // A large file arrives whole, also to a client that reads slowly.
  CHECK(shell_status("curl -s " + base + "/big.bin | cmp - " + (site.root / "big.bin").string(), 30)
        == 0);
  CHECK(shell_status("curl -s --limit-rate 2M " + base + "/big.bin | cmp - "
                       + (site.root / "big.bin").string(), 30)
        == 0);
  CHECK(shell("curl -s -o /dev/null -w '%{http_code}' -X DELETE " + base + "/docs/a.txt")
        == "405");
}

TEST_CASE("plyd web: keep-alive, pipelining in order, a slow page blocks nobody, limits",
          "[web]") {
  process web{{bin("plyd"), "web", "--port", "tcp:0:interface=127.0.0.1", "--max-header", "1024",
               "--max-body", "100"}};
  auto port = web.port();
  auto base = "http://127.0.0.1:" + std::to_string(port);
  // Two requests on one connection (curl reuses it), and the counter counts both.
  auto both = shell("curl -sv " + base + "/ply/counter " + base + "/ply/counter 2>&1");
  CHECK(both.find("I am request #1") != std::string::npos);
  CHECK(both.find("I am request #2") != std::string::npos);
  CHECK(both.find("Re-using existing connection") != std::string::npos);

  // Pipelined: the slow page first, answers still in request order.
  auto pipelined = shell("exec 3<>/dev/tcp/127.0.0.1/" + std::to_string(port)
                         + "; printf 'GET /ply/slow?seconds=0.3 HTTP/1.1\\r\\nHost: x\\r\\n\\r\\n"
                           "GET /ply/hello HTTP/1.1\\r\\nHost: x\\r\\nConnection: close\\r\\n\\r\\n' >&3;"
                           " cat <&3", 5);
  auto slow_at = pipelined.find("Done after");
  auto hello_at = pipelined.find("Hello, world!");
  CHECK(slow_at != std::string::npos);
  CHECK(hello_at != std::string::npos);
  CHECK(slow_at < hello_at);

  // While a slow page renders, another client is answered at once.
  shell("(curl -s '" + base + "/ply/slow?seconds=2' > /dev/null &)");
  auto started = std::chrono::steady_clock::now();
  CHECK(shell("curl -s " + base + "/ply/hello") == "Hello, world!\n");
  CHECK(std::chrono::steady_clock::now() - started < std::chrono::seconds(1));

  CHECK(shell("curl -s -o /dev/null -w '%{http_code}' -H 'X-Big: " + std::string(2000, 'x') + "' "
              + base + "/ply/hello")
        == "431");
  CHECK(shell("curl -s -o /dev/null -w '%{http_code}' -d '" + std::string(200, 'x') + "' " + base
              + "/ply/hello")
        == "413");
  CHECK(nc(port, "garbage\\r\\n\\r\\n").find("HTTP/1.1 400 Bad Request") == 0);
  CHECK(shell("curl -s -o /dev/null -w '%{http_code}' '" + base + "/ply/slow?seconds=x'") == "400");
  CHECK(web.alive());
}
