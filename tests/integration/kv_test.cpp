// plyd kv with real clients: memccapable's ASCII conformance tests, nc for the line commands, curl
// for the JSON view, all on one store.
#include <catch2/catch.hpp>

#include <nlohmann/json.hpp>

#include "process.hpp"

using namespace ply::test;

namespace {

const std::string local = "tcp:0:interface=127.0.0.1";

} // namespace

TEST_CASE("plyd kv passes memccapable's ASCII tests and shares one store over three protocols",
          "[kv]") {
  process kv{{bin("plyd"), "kv", "--port", local, "--memcached", local, "--http", local}};
  auto lines = kv.port(0);
  auto memcached = kv.port(1);
  auto http = kv.port(2);
  REQUIRE(http != 0);
  auto m = std::to_string(memcached);

  auto conformance = shell("memccapable -a -h 127.0.0.1 -p " + m + " 2>&1", 60);
  INFO(conformance);
  CHECK(conformance.find("All tests passed") != std::string::npos);
  CHECK(conformance.find("[FAIL]") == std::string::npos);

  // Set with memcached's protocol, read with the line protocol and over HTTP.
  CHECK(nc(memcached, "flush_all\\r\\nset greeting 0 0 5\\r\\nhello\\r\\nquit\\r\\n")
        == "OK\r\nSTORED\r\n");
  CHECK(nc(lines, "get greeting\\nset other two words\\ncount\\nquit\\n")
        == "VALUE hello\r\nSTORED\r\n2\r\nbye\r\n");
  auto items = nlohmann::json::parse(shell("curl -s http://127.0.0.1:" + std::to_string(http)
                                           + "/items"));
  CHECK(items == nlohmann::json{{"greeting", "hello"}, {"other", "two words"}});
  auto stats = nlohmann::json::parse(shell("curl -s http://127.0.0.1:" + std::to_string(http)
                                           + "/stats"));
  CHECK(stats["curr_items"] == 2);
  CHECK(stats["cmd_set"].get<int>() >= 2);

  // Bad input: an answer, and the server keeps serving.
  CHECK(nc(memcached, "set k 0 0 nope\\r\\nGET k\\r\\nget k\\r\\nquit\\r\\n")
        == "CLIENT_ERROR bad command line format\r\nERROR\r\nEND\r\n");
  auto junk = shell("head -c 100000 /dev/urandom | tr -d '\\n' | nc -q 2 127.0.0.1 " + m, 10);
  CHECK(junk.find("CLIENT_ERROR line too long") != std::string::npos);
  CHECK(nc(memcached, "get greeting\\r\\nquit\\r\\n") == "VALUE greeting 0 5\r\nhello\r\nEND\r\n");
  CHECK(kv.alive());
}

TEST_CASE("plyd kv explains bad options", "[kv]") {
  process none{{bin("plyd"), "kv", "--port", ""}};
  CHECK(none.wait() == 2);
  CHECK(none.log().find("give at least one of --port, --memcached, --http") != std::string::npos);
}
