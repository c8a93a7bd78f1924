// SPDX-License-Identifier: MIT
#include "ply/endpoint.hpp"

#include <catch2/catch.hpp>

#include "ply/error.hpp"

using namespace ply;

namespace {

/// `r` failed as a bad endpoint, with `fragment` in its message.
void check_bad(caf::expected<endpoint> r, const std::string& fragment) {
  REQUIRE_FALSE(r);
  CHECK(is(r.error(), errc::bad_endpoint));
  CHECK_THAT(describe(r.error()), Catch::Contains(fragment));
}

} // namespace

TEST_CASE("server endpoints parse as in Twisted", "[endpoint]") {
  auto a = parse_server_endpoint("tcp:8000");
  REQUIRE(a);
  CHECK(a->type == endpoint::kind::tcp);
  CHECK(a->port == 8000);
  CHECK(a->host.empty());
  auto b = parse_server_endpoint("tcp:0:interface=127.0.0.1");
  REQUIRE(b);
  CHECK(b->port == 0);
  CHECK(b->host == "127.0.0.1");
  auto c = parse_server_endpoint("tcp:port=9000:interface=\\:\\:1:backlog=50");
  REQUIRE(c);
  CHECK(c->port == 9000);
  CHECK(c->host == "::1");
  CHECK(c->options.at("backlog") == "50");
  auto d = parse_server_endpoint("unix:/tmp/ply.sock");
  REQUIRE(d);
  CHECK(d->type == endpoint::kind::unix_socket);
  CHECK(d->path == "/tmp/ply.sock");
  auto e = parse_server_endpoint("ssl:8443:cert=c.pem:key=k.pem");
  REQUIRE(e);
  CHECK(e->type == endpoint::kind::ssl);
  CHECK(e->options.at("cert") == "c.pem");
  // A bare port is TCP on every interface, as twistd's strports read `--port 8080`.
  auto f = parse_server_endpoint("8080");
  REQUIRE(f);
  CHECK(f->type == endpoint::kind::tcp);
  CHECK(f->port == 8080);
  CHECK(f->host.empty());
}

TEST_CASE("client endpoints parse with keywords or positions", "[endpoint]") {
  auto a = parse_client_endpoint("tcp:host=localhost:port=8000");
  REQUIRE(a);
  CHECK(a->host == "localhost");
  CHECK(a->port == 8000);
  auto b = parse_client_endpoint("tcp:127.0.0.1:79:timeout=5");
  REQUIRE(b);
  CHECK(b->host == "127.0.0.1");
  CHECK(b->port == 79);
  CHECK(b->options.at("timeout") == "5");
  auto c = parse_client_endpoint("tcp:host=[::1]:port=80");
  REQUIRE(c);
  CHECK(c->host == "::1");
}

TEST_CASE("bad endpoints are errors that say what is wrong", "[endpoint]") {
  check_bad(parse_server_endpoint("80000"), "expected TYPE:ARGS");
  check_bad(parse_server_endpoint("8000x"), "expected TYPE:ARGS");
  check_bad(parse_client_endpoint("8000"), "expected TYPE:ARGS");
  check_bad(parse_server_endpoint("udpx:8000"), "unknown type 'udpx'");
  check_bad(parse_server_endpoint("tcp:80000"), "not a number from 0 to 65535");
  check_bad(parse_server_endpoint("tcp:abc"), "'abc'");
  check_bad(parse_server_endpoint("tcp:interface=127.0.0.1"), "missing port");
  check_bad(parse_client_endpoint("tcp:port=80"), "missing host");
  check_bad(parse_client_endpoint("tcp:host=a:port=0"), "port other than 0");
  check_bad(parse_server_endpoint("unix:"), "missing socket path");
}

TEST_CASE("an endpoint option that is unknown, given twice or not a number is refused",
          "[endpoint]") {
  // A misspelt interface would bind every address if it were ignored.
  check_bad(parse_server_endpoint("tcp:8000:interfac=127.0.0.1"), "unknown option 'interfac'");
  check_bad(parse_server_endpoint("tcp:8000:interface=127.0.0.1:interface=0.0.0.0"),
            "option 'interface' given twice");
  check_bad(parse_server_endpoint("tcp:8000:backlog=many"), "backlog 'many' is not a whole number");
  check_bad(parse_client_endpoint("tcp:localhost:80:timeout=x"), "timeout 'x'");
  check_bad(parse_server_endpoint("tcp:8000:cert=c.pem"), "unknown option 'cert'");
  check_bad(parse_client_endpoint("ssl:host=a:port=1:cert=c.pem"), "unknown option 'cert'");
  check_bad(parse_server_endpoint("unix:/tmp/s:interface=x"), "unknown option 'interface'");
  check_bad(parse_server_endpoint("udp:53:backlog=5"), "unknown option 'backlog'");
  // What each kind understands still parses.
  CHECK(parse_server_endpoint("ssl:8443:interface=127.0.0.1:backlog=5:cert=c:key=k"));
  CHECK(parse_client_endpoint("ssl:host=a:port=1:ca=c:verify=no:timeout=3"));
  CHECK(parse_server_endpoint("unix:/tmp/s:mode=600:backlog=5"));
  CHECK(parse_server_endpoint("udp:53:interface=127.0.0.1"));
}

TEST_CASE("systemd endpoints name a passed socket by domain and index", "[endpoint]") {
  auto a = parse_server_endpoint("systemd:domain=INET:index=0");
  REQUIRE(a);
  CHECK(a->type == endpoint::kind::systemd);
  CHECK(a->domain == "INET");
  CHECK(a->index == 0);
  CHECK(a->to_string() == "systemd:domain=INET:index=0");
  auto b = parse_server_endpoint("systemd:domain=UNIX:index=2");
  REQUIRE(b);
  CHECK(b->domain == "UNIX");
  CHECK(b->index == 2);
  check_bad(parse_server_endpoint("systemd:domain=IPX:index=0"), "domain 'IPX' is not INET");
  check_bad(parse_server_endpoint("systemd:domain=INET:index=-1"), "index '-1' is not a whole");
  check_bad(parse_server_endpoint("systemd:domain=INET:port=80"), "unknown option 'port'");
  check_bad(parse_server_endpoint("systemd:3"), "expected systemd:domain=INET:index=0");
  check_bad(parse_client_endpoint("systemd:domain=INET:index=0"), "a client cannot use one");
}
