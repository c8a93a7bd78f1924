// SPDX-License-Identifier: MIT
// TLS on ply's own connections, against real clients: ssl: server endpoints with openssl s_client
// and curl, ssl: client endpoints (verified, and refused when the chain is not trusted), STARTTLS
// with s_client -starttls smtp, and clear errors for bad certificate files.
#include <catch2/catch.hpp>

#include <unistd.h>

#include <filesystem>
#include <fstream>

#include "process.hpp"

using namespace ply::test;
namespace fs = std::filesystem;

namespace {

/// A self-signed certificate for localhost and 127.0.0.1, and a site with a large file.
struct tls_files {
  fs::path dir = fs::temp_directory_path() / ("ply_tls_" + std::to_string(::getpid()));
  std::string cert = (dir / "cert.pem").string();
  std::string key = (dir / "key.pem").string();
  tls_files() {
    fs::create_directories(dir / "www");
    shell("openssl req -x509 -newkey rsa:2048 -nodes -keyout " + key + " -out " + cert
            + " -days 2 -subj /CN=localhost -addext subjectAltName=DNS:localhost,IP:127.0.0.1"
              " 2>/dev/null",
          30);
    std::ofstream big{dir / "www" / "big.bin", std::ios::binary};
    for (int i = 0; i < 2 * 1024 * 1024; ++i)
      big.put(static_cast<char>(i * 31));
  }
  ~tls_files() {
    fs::remove_all(dir);
  }
  std::string endpoint() const {
    return "ssl:0:interface=127.0.0.1:cert=" + cert + ":key=" + key;
  }
};

} // namespace

TEST_CASE("ssl: servers answer openssl s_client and curl", "[tls]") {
  tls_files f;
  REQUIRE(fs::exists(f.cert));
  process echo{{bin("plyd"), "echo", "--port", f.endpoint()}};
  auto e = std::to_string(echo.port());
  CHECK(shell("(printf 'hello over tls\\n'; sleep 1) | openssl s_client -connect 127.0.0.1:" + e
              + " -quiet 2>/dev/null")
        == "hello over tls\n");
  process web{{bin("plyd"), "web", "--port", f.endpoint(), "--path", (f.dir / "www").string()}};
  auto w = std::to_string(web.port());
  CHECK(shell("curl -sk https://127.0.0.1:" + w + "/ply/hello") == "Hello, world!\n");
  CHECK(shell("curl -s --cacert " + f.cert + " https://localhost:" + w + "/ply/hello")
        == "Hello, world!\n");
  CHECK(shell_status("curl -s --cacert " + f.cert + " https://localhost:" + w
                       + "/big.bin | cmp - " + (f.dir / "www" / "big.bin").string(),
                     30)
        == 0);
  // Without trusting the certificate, curl refuses, and the server says why in its log.
  CHECK(shell_status("curl -s https://localhost:" + w + "/ply/hello") == 60);
  CHECK(wait_for_log(web, "TLS handshake failed"));
  // Plain HTTP to a TLS port gets nowhere, and the server keeps serving.
  CHECK(shell("curl -s -m 3 http://127.0.0.1:" + w + "/ply/hello").empty());
  CHECK(shell("curl -sk https://127.0.0.1:" + w + "/ply/hello") == "Hello, world!\n");
}

TEST_CASE("ssl: client endpoints verify the server, and refuse an untrusted one", "[tls]") {
  tls_files f;
  process web{{bin("plyd"), "web", "--port", f.endpoint(), "--path", (f.dir / "www").string()}};
  auto w = std::to_string(web.port());
  process trusted{{bin("plyd"), "portforward", "--port", "tcp:0:interface=127.0.0.1", "--target",
                   "ssl:host=localhost:port=" + w + ":ca=" + f.cert}};
  CHECK(shell_status("curl -s http://127.0.0.1:" + std::to_string(trusted.port())
                       + "/big.bin | cmp - " + (f.dir / "www" / "big.bin").string(),
                     30)
        == 0);
  process untrusted{{bin("plyd"), "portforward", "--port", "tcp:0:interface=127.0.0.1",
                     "--target", "ssl:host=localhost:port=" + w}};
  CHECK(shell("curl -s http://127.0.0.1:" + std::to_string(untrusted.port()) + "/ply/hello")
          .empty());
  CHECK(wait_for_log(untrusted, "certificate verification failed"));
}

TEST_CASE("STARTTLS switches a running connection: openssl s_client -starttls smtp", "[tls]") {
  tls_files f;
  process st{{bin("starttls_server"), "--port", "tcp:0:interface=127.0.0.1", "--cert", f.cert,
              "--key", f.key}};
  auto port = std::to_string(st.port());
  auto out = shell("(printf 'EHLO me\\nhello secret\\nQUIT\\n'; sleep 1) | openssl s_client -connect "
                   "127.0.0.1:" + port + " -starttls smtp -crlf -quiet 2>/dev/null",
                   10);
  CHECK(out.find("250 ply at your service, privately") != std::string::npos);
  CHECK(out.find("250 (over TLS) hello secret") != std::string::npos);
  CHECK(out.find("221 Bye") != std::string::npos);
  // In the clear, the same server says so.
  CHECK(nc(st.port(), "hello\\r\\nQUIT\\r\\n").find("250 (in the clear) hello") != std::string::npos);
}

TEST_CASE("bad TLS settings are one clear line and exit code 2", "[tls]") {
  process missing{{bin("plyd"), "echo", "--port", "ssl:0:cert=/no/cert.pem:key=/no/key.pem"}};
  CHECK(missing.wait() == 2);
  CHECK_THAT(missing.log(),
             Catch::Contains("cannot read '/no/cert.pem': No such file or directory"));
  CHECK_THAT(missing.log(), !Catch::Contains("system lib"));
  process nokey{{bin("plyd"), "echo", "--port", "ssl:0"}};
  CHECK(nokey.wait() == 2);
  CHECK_THAT(nokey.log(), Catch::Contains("a TLS server needs cert=FILE and key=FILE"));
}
