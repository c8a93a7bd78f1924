// SPDX-License-Identifier: MIT
// The HTTP client's URLs: what parses, what is refused with a reason, and where redirects lead.
#include "ply/http.hpp"

#include <catch2/catch.hpp>

#include "ply/error.hpp"

using namespace ply;

TEST_CASE("http URLs parse with their default ports, and bad ones say why", "[http]") {
  auto a = http::parse_url("http://Example.org");
  REQUIRE(a);
  CHECK(a->scheme == "http");
  CHECK(a->host == "example.org");
  CHECK(a->port == 80);
  CHECK(a->target == "/");
  auto b = http::parse_url("HTTPS://localhost:8443/a/b?x=1#frag");
  REQUIRE(b);
  CHECK(b->scheme == "https");
  CHECK(b->port == 8443);
  CHECK(b->target == "/a/b?x=1");
  CHECK(b->to_string() == "https://localhost:8443/a/b?x=1");
  auto c = http::parse_url("http://[::1]:8080?q");
  REQUIRE(c);
  CHECK(c->host == "::1");
  CHECK(c->target == "/?q");
  CHECK(c->to_string() == "http://[::1]:8080/?q");
  struct bad_url {
    const char* text;
    const char* why;
  };
  for (auto [text, why] : {bad_url{"example.org/x", "expected http://HOST/PATH"},
                           bad_url{"ftp://example.org/", "not http or https"},
                           bad_url{"http:///path", "no host"},
                           bad_url{"http://h:0/", "port is not a number"},
                           bad_url{"http://h:99999/", "port is not a number"},
                           bad_url{"http://user:pw@h/", "user names and passwords"},
                           bad_url{"http://h/a b", "percent-encode"},
                           bad_url{"http://h/\r\nX: y", "percent-encode"}}) {
    INFO(text);
    auto r = http::parse_url(text);
    REQUIRE_FALSE(r);
    CHECK(is(r.error(), errc::bad_option));
    CHECK_THAT(describe(r.error()), Catch::Contains(why));
  }
}

TEST_CASE("redirect locations resolve against the URL that answered", "[http]") {
  auto base = *http::parse_url("http://h:81/dir/page?q=1");
  CHECK(http::resolve(base, "https://other/x")->to_string() == "https://other/x");
  CHECK(http::resolve(base, "//other/y")->to_string() == "http://other/y");
  CHECK(http::resolve(base, "/top")->to_string() == "http://h:81/top");
  CHECK(http::resolve(base, "next?z")->to_string() == "http://h:81/dir/next?z");
  CHECK(http::resolve(base, "?other")->to_string() == "http://h:81/dir/page?other");
  CHECK(http::resolve(base, "/login?next=http://x/")->to_string()
        == "http://h:81/login?next=http://x/");
  CHECK_FALSE(http::resolve(base, "/a b"));
}
