// SPDX-License-Identifier: MIT
// ply's HTTP client with real servers: get_page against plyd web (http, and https with the host
// checked) and against twisted.web (redirects, a loop, chunks, limits, silence); the intro
// talk's three pages; finger's statuses read from the web.
#include <unistd.h>

#include <catch2/catch.hpp>

#include <filesystem>
#include <fstream>

#include "process.hpp"

using namespace ply::test;
namespace fs = std::filesystem;

namespace {

const std::string local = "tcp:0:interface=127.0.0.1";

/// A directory served by plyd web: statuses of finger users.
struct site_files {
  fs::path dir = fs::temp_directory_path() / ("ply_http_" + std::to_string(::getpid()));
  site_files() {
    fs::create_directories(dir / "status");
    std::ofstream{dir / "status" / "moshez"} << "Happy and well";
  }
  ~site_files() {
    fs::remove_all(dir);
  }
};

/// What get_page did: its exit code, what it printed (the body), what it logged (errors).
struct fetched {
  int rc = -1;
  std::string body;
  std::string log;
};

/// Runs get_page on `url` (with `more` options).
fetched get_page(const std::string& url, std::vector<std::string> more = {}) {
  std::vector<std::string> argv{bin("get_page"), "--url", url};
  argv.insert(argv.end(), more.begin(), more.end());
  process p{argv};
  auto rc = p.wait();
  return {rc, p.output(), p.log()};
}

} // namespace

TEST_CASE("get_page fetches from plyd web, over http and https with the host checked",
          "[http]") {
  site_files files;
  process web{{bin("plyd"), "web", "--port", local, "--path", files.dir.string()}};
  auto w = "http://127.0.0.1:" + std::to_string(web.port());
  auto hello = get_page(w + "/ply/hello");
  CHECK(hello.rc == 0);
  CHECK(hello.body == "Hello, world!\n");
  CHECK(get_page(w + "/status/moshez").body == "Happy and well");
  auto missing = get_page(w + "/status/nobody");
  CHECK(missing.rc == 1);
  CHECK(missing.body.empty());
  CHECK_THAT(missing.log, Catch::Contains("HTTP 404 Not Found from " + w + "/status/nobody"));
  auto bad = get_page("gopher://127.0.0.1/");
  CHECK(bad.rc == 2);
  CHECK_THAT(bad.log, Catch::Contains("not http or https"));

  auto cert = (files.dir / "cert.pem").string();
  auto key = (files.dir / "key.pem").string();
  shell("openssl req -x509 -newkey rsa:2048 -nodes -keyout " + key + " -out " + cert
          + " -days 2 -subj /CN=localhost -addext subjectAltName=DNS:localhost 2>/dev/null",
        30);
  process tls{{bin("plyd"), "web", "--port",
               "ssl:0:interface=127.0.0.1:cert=" + cert + ":key=" + key}};
  auto port = std::to_string(tls.port());
  auto secure = get_page("https://localhost:" + port + "/ply/hello", {"--ca", cert});
  CHECK(secure.rc == 0);
  CHECK(secure.body == "Hello, world!\n");
  // The certificate names localhost, not 127.0.0.1; and the system does not trust it at all.
  CHECK(get_page("https://127.0.0.1:" + port + "/ply/hello", {"--ca", cert}).rc == 1);
  CHECK(get_page("https://localhost:" + port + "/ply/hello").rc == 1);
}

TEST_CASE("get_page against twisted.web: redirects followed, a loop refused, chunks, limits "
          "and silence",
          "[http]") {
  process twisted{{"/usr/bin/python3",
                   std::string{PLY_SOURCE_DIR} + "/tests/integration/clients/twisted_web_server.py"}};
  auto t = "http://127.0.0.1:" + std::to_string(twisted.port());
  CHECK(get_page(t + "/page").body == "from twisted\n");
  CHECK(get_page(t + "/first").body == "from twisted\n");  // two redirects, relative and absolute
  CHECK(get_page(t + "/chunked").body == "one two three");
  auto loop = get_page(t + "/loop");
  CHECK(loop.rc == 1);
  CHECK_THAT(loop.log, Catch::Contains("more than 5 redirects"));
  auto silent = get_page(t + "/silent", {"--timeout", "0.5"});
  CHECK(silent.rc == 1);
  CHECK_THAT(silent.log, Catch::Contains("no whole answer from " + t + "/silent in time"));
  CHECK(get_page(t + "/big").body == std::string(100000, 'x'));
}

TEST_CASE("three pages fetched at once and combined, one failure handled on its own",
          "[http]") {
  site_files files;
  process web{{bin("plyd"), "web", "--port", local, "--path", files.dir.string()}};
  auto w = "http://127.0.0.1:" + std::to_string(web.port());
  process three{{bin("three_pages"), "--url", w + "/ply/hello", "--url", w + "/status/moshez",
                 "--url", w + "/nothing"}};
  CHECK(three.wait() == 0);
  CHECK(three.output()
        == "failed: HTTP 404 Not Found from " + w + "/nothing\n3 pages, 28 bytes in all\n");
}

TEST_CASE("finger reads its users' statuses from the web", "[http][finger]") {
  site_files files;
  process web{{bin("plyd"), "web", "--port", local, "--path", files.dir.string()}};
  auto prefix = "http://127.0.0.1:" + std::to_string(web.port()) + "/status/";
  process finger{{bin("finger07_web_status"), "--port", local, "--prefix", prefix}};
  CHECK(nc(finger.port(), "moshez\\r\\n") == "Happy and well\r\n");
  CHECK(nc(finger.port(), "nobody\\r\\n") == "No such user\r\n");
}
