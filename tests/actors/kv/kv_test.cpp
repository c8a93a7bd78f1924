// SPDX-License-Identifier: MIT
// The memcached parser (at every chunk size) and the store's rules: pure code, a clock by hand.
#include <catch2/catch.hpp>

#include <nlohmann/json.hpp>

#include "kv/memcache.hpp"
#include "kv/store.hpp"

using namespace ply::actors::kv;

namespace {

/// Feeds `input` in chunks of `chunk` bytes into a store; returns what a client would read, and
/// the fatal error (if any).
std::pair<std::string, std::string> run(store& s, const std::string& input, size_t chunk,
                                        parser::limits l = {}) {
  parser p{l};
  std::string out;
  for (size_t off = 0; off < input.size(); off += chunk) {
    auto err = p.feed(std::string_view{input}.substr(off, chunk),
                      [&](request& r) { s.execute(r, out); });
    if (!err.empty())
      return {out, err};
  }
  return {out, {}};
}

struct manual_time {
  int64_t now = 1'000'000'000;
  store::clock_fn fn() {
    return [this] { return now; };
  }
};

} // namespace

TEST_CASE("memcached requests parse the same at every chunk size", "[kv]") {
  std::string input = "set k 5 0 12\r\nhello\r\nworld\r\n"
                      "get k missing\r\n"
                      "gets k\r\n"
                      "append k 0 0 1 noreply\r\n!\r\n"
                      "get k\r\n"
                      "incr k 1\r\n"
                      "set n 0 0 2\r\n10\r\n"
                      "incr n 5\r\n"
                      "decr n 100\r\n"
                      "delete n\r\n"
                      "delete n\r\n"
                      "bogus\r\n"
                      "GET k\r\n"
                      "\r\n";
  std::string expected = "STORED\r\n"
                         "VALUE k 5 12\r\nhello\r\nworld\r\nEND\r\n"
                         "VALUE k 5 12 1\r\nhello\r\nworld\r\nEND\r\n"
                         "VALUE k 5 13\r\nhello\r\nworld!\r\nEND\r\n"
                         "CLIENT_ERROR cannot increment or decrement non-numeric value\r\n"
                         "STORED\r\n"
                         "15\r\n"
                         "0\r\n"
                         "DELETED\r\n"
                         "NOT_FOUND\r\n"
                         "ERROR\r\n"
                         "ERROR\r\n"
                         "ERROR\r\n";
  for (size_t chunk = 1; chunk <= input.size(); ++chunk) {
    INFO("chunk size " << chunk);
    store s;
    auto [out, err] = run(s, input, chunk);
    CHECK(err.empty());
    CHECK(out == expected);
  }
}

TEST_CASE("memcached's bad input gets memcached's answers, never a crash", "[kv]") {
  parser::limits l;
  l.max_line = 64;
  l.max_value = 16 + 60;  // 16 bytes of data under the key "k" (memcached counts 60 more)
  for (size_t chunk : {size_t{1}, size_t{2}, size_t{7}, size_t{4096}}) {
    INFO("chunk size " << chunk);
    store s;
    CHECK(run(s, "set k 0 0 x\r\n", chunk, l).first == "CLIENT_ERROR bad command line format\r\n");
    CHECK(run(s, "set k 0 0 -1\r\n", chunk, l).first
          == "CLIENT_ERROR bad command line format\r\n");
    CHECK(run(s, "set k 0 0 3\r\nabcde\r\n", chunk, l).first.substr(0, 29)
          == "CLIENT_ERROR bad data chunk\r\n");
    // Too large: the block is read and dropped, and the next command still works. As memcached
    // does, a SET too large also drops the item it would have replaced (no stale value stays);
    // an APPEND too large leaves it.
    CHECK(run(s, "set k 0 0 1\r\nv\r\nset k 0 0 17\r\n" + std::string(17, 'x') + "\r\nget k\r\n",
              chunk, l)
            .first
          == "STORED\r\nSERVER_ERROR object too large for cache\r\nEND\r\n");
    CHECK(run(s, "set k 0 0 1\r\nv\r\nappend k 0 0 17\r\n" + std::string(17, 'x')
                   + "\r\nget k\r\n",
              chunk, l)
            .first
          == "STORED\r\nSERVER_ERROR object too large for cache\r\nVALUE k 0 1\r\nv\r\nEND\r\n");
    CHECK(run(s, "incr k abc\r\n", chunk, l).first
          == "CLIENT_ERROR invalid numeric delta argument\r\n");
    CHECK(run(s, "get " + std::string(251, 'k') + "\r\n", chunk, {}).first
          == "CLIENT_ERROR bad command line format\r\n");
    CHECK(run(s, "delete k 5\r\n", chunk, l).first.substr(0, 36)
          == "CLIENT_ERROR bad command line format");
    // A line that never ends is the one fatal error.
    auto [out, err] = run(s, std::string(100, 'a'), chunk, l);
    CHECK(err == "CLIENT_ERROR line too long");
  }
}

TEST_CASE("token counts, noreply and the item size limit as memcached 1.6 reads them", "[kv]") {
  for (size_t chunk : {size_t{1}, size_t{3}, size_t{4096}}) {
    INFO("chunk size " << chunk);
    store s;
    // A wrong number of words is an unknown command; a word too many is ignored, or noreply.
    CHECK(run(s, "set k 0 0\r\nincr\r\nincr k\r\ntouch k\r\ncas k 0 0 1\r\ndelete\r\n", chunk)
            .first
          == "ERROR\r\nERROR\r\nERROR\r\nERROR\r\nERROR\r\nERROR\r\n");
    CHECK(run(s, "set k 0 0 1 extra\r\nx\r\nset k 0 0 1 x y\r\n", chunk).first
          == "STORED\r\nERROR\r\n");
    CHECK(run(s, "touch k x\r\ngat x k\r\nflush_all x\r\ngat 1\r\n", chunk).first
          == "CLIENT_ERROR invalid exptime argument\r\nCLIENT_ERROR invalid exptime argument\r\n"
             "CLIENT_ERROR invalid exptime argument\r\nEND\r\n");
    // After "noreply", errors are not answered either.
    CHECK(run(s, "set k 0 0 noreply\r\ndelete k 5 noreply\r\nincr k x noreply\r\n", chunk)
            .first.empty());
    // incr and decr read the value as strtoull does, and a shorter result keeps the length.
    CHECK(run(s, "set n 0 0 3\r\n100\r\ndecr n 95\r\nget n\r\nset n 0 0 3\r\n 7 \r\n"
                 "incr n 1\r\nset n 0 0 2\r\n-1\r\nincr n 1\r\n",
              chunk)
            .first
          == "STORED\r\n5\r\nVALUE n 0 3\r\n5  \r\nEND\r\nSTORED\r\n8\r\nSTORED\r\n"
             "CLIENT_ERROR cannot increment or decrement non-numeric value\r\n");
    CHECK(run(s, "mn\r\n", chunk).first == "MN\r\n");
  }
  // The 1 MB limit counts the item: the data, the key, 59 bytes, and 4 for flags other than 0.
  store s;
  auto set = [&](const std::string& flags, size_t n) {
    return run(s, "set k " + flags + " 0 " + std::to_string(n) + "\r\n" + std::string(n, 'v')
                    + "\r\n",
               65536)
      .first;
  };
  CHECK(set("0", 1048516) == "STORED\r\n");
  CHECK(set("0", 1048517) == "SERVER_ERROR object too large for cache\r\n");
  CHECK(set("1", 1048512) == "STORED\r\n");
  CHECK(set("1", 1048513) == "SERVER_ERROR object too large for cache\r\n");
}

TEST_CASE("add, replace, cas and touch follow memcached's rules", "[kv]") {
  store s;
  auto [out, err] = run(s,
                         "add a 0 0 1\r\n1\r\n"
                         "add a 0 0 1\r\n2\r\n"
                         "replace b 0 0 1\r\n1\r\n"
                         "replace a 7 0 1\r\n3\r\n"
                         "gets a\r\n"
                         "cas a 0 0 1 999\r\n4\r\n"
                         "cas a 0 0 1 2\r\n5\r\n"
                         "cas zz 0 0 1 2\r\n5\r\n"
                         "touch a 100\r\n"
                         "touch zz 100\r\n"
                         "prepend zz 0 0 1\r\nx\r\n",
                         3);
  CHECK(err.empty());
  CHECK(out == "STORED\r\nNOT_STORED\r\nNOT_STORED\r\nSTORED\r\n"
               "VALUE a 7 1 2\r\n3\r\nEND\r\n"
               "EXISTS\r\nSTORED\r\nNOT_FOUND\r\nTOUCHED\r\nNOT_FOUND\r\nNOT_STORED\r\n");
}

TEST_CASE("items expire by memcached's clock rules, and flush_all can be delayed", "[kv]") {
  manual_time t;
  store s{store::options{}, t.fn()};
  run(s,
      "set rel 0 10 1\r\nr\r\n"
      "set abs 0 " + std::to_string(t.now + 100) + " 1\r\na\r\n"
      "set gone 0 -1 1\r\ng\r\n"
      "set forever 0 0 1\r\nf\r\n",
      5);
  CHECK(s.find("gone") == nullptr);
  t.now += 11;
  CHECK(s.find("rel") == nullptr);
  CHECK(s.find("abs") != nullptr);
  t.now += 100;
  CHECK(s.find("abs") == nullptr);
  CHECK(s.find("forever") != nullptr);
  CHECK(run(s, "flush_all 5\r\n", 1).first == "OK\r\n");
  CHECK(s.find("forever") != nullptr);
  t.now += 5;
  CHECK(s.find("forever") == nullptr);
  CHECK(run(s, "set later 0 0 1\r\nl\r\n", 2).first == "STORED\r\n");
  t.now += 1;
  CHECK(s.find("later") != nullptr);  // stored after the flush time
}

TEST_CASE("the least recently used items go when the store is full", "[kv]") {
  store s{store::options{1000}};
  std::string value(100, 'v');
  for (int i = 0; i < 5; ++i)
    run(s, "set k" + std::to_string(i) + " 0 0 100\r\n" + value + "\r\n", 4096);
  CHECK(s.count() == 5);
  CHECK(s.find("k0") != nullptr);  // k0 becomes the most recently used
  for (int i = 5; i < 10; ++i)
    run(s, "set k" + std::to_string(i) + " 0 0 100\r\n" + value + "\r\n", 4096);
  CHECK(s.count() < 10);
  CHECK(s.find("k0") != nullptr);
  CHECK(s.find("k1") == nullptr);
  CHECK(s.stats_json()["evictions"].get<int>() > 0);
}

TEST_CASE("incr wraps at 2^64 and decr stops at zero", "[kv]") {
  store s;
  auto [out, err] = run(s,
                         "set n 0 0 20\r\n18446744073709551615\r\n"
                         "incr n 2\r\n"
                         "decr n 5\r\n",
                         1);
  CHECK(out == "STORED\r\n1\r\n0\r\n");
}

TEST_CASE("the seed's line commands", "[kv]") {
  store s;
  std::string out;
  for (auto line : {"set a hello world", "get a", "get b", "count", "delete a", "delete a",
                    "set b 1", "items", "clear", "count", "frob", "get"})
    s.execute_line(line, out);
  CHECK(out == "STORED\r\nVALUE hello world\r\nNOT FOUND\r\n1\r\nDELETED\r\nNOT FOUND\r\nSTORED\r\n"
               "b 1\r\nEND\r\ncleared 1 item(s)\r\n0\r\n"
               "ERROR unknown command or wrong arguments: frob (try: help)\r\n"
               "ERROR unknown command or wrong arguments: get (try: help)\r\n");
  auto j = s.items_json();
  CHECK(j.empty());
}
