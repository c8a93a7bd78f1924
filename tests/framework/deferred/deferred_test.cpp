// SPDX-License-Identifier: MIT
#include "ply/deferred.hpp"

#include <catch2/catch.hpp>

#include <string>
#include <vector>

#include "ply/testing/manual_clock.hpp"
#include "ply/testing/unhandled_failures.hpp"

using namespace ply;
using namespace std::chrono_literals;
using ply::testing::manual_clock;
using ply::testing::take_unhandled_failures;

namespace {

struct parse_error : std::runtime_error {
  using std::runtime_error::runtime_error;
};

/// Starts each test with an empty unhandled-failure log.
struct clean_log {
  clean_log() {
    take_unhandled_failures();
  }
};

} // namespace

TEST_CASE("callbacks run in order, each on the previous result", "[deferred]") {
  clean_log clean;
  std::vector<std::string> seen;
  deferred<int> d;
  auto last = d.add_callback([&](int x) {
                 seen.push_back("first " + std::to_string(x));
                 return x + 1;
               })
                .add_callback([&](int x) {
                  seen.push_back("second " + std::to_string(x));
                  return std::to_string(x * 10);
                })
                .add_callback([&](std::string s) { seen.push_back("third " + s); });
  CHECK(seen.empty());
  d.callback(1);
  CHECK(seen == std::vector<std::string>{"first 1", "second 2", "third 20"});
  // A callback added after the result arrived runs at once.
  bool late = false;
  last.add_callback([&] { late = true; });
  CHECK(late);
  CHECK(take_unhandled_failures().empty());
}

TEST_CASE("failures skip callbacks, errbacks skip values, errbacks recover", "[deferred]") {
  clean_log clean;
  std::vector<std::string> seen;
  deferred<int> d;
  d.add_errback([&](failure&) {
     seen.push_back("errback on a value");
     return 0;
   })
    .add_callback([&](int x) -> int {
      seen.push_back("callback " + std::to_string(x));
      throw parse_error{"bad number"};
    })
    .add_callback([&](int) {
      seen.push_back("skipped callback");
      return 0;
    })
    .add_errback([&](failure& f) {
      seen.push_back("errback: " + f.message());
      return 42;
    })
    .add_callback([&](int x) { seen.push_back("recovered " + std::to_string(x)); });
  d.callback(7);
  CHECK(seen == std::vector<std::string>{"callback 7", "errback: bad number", "recovered 42"});
  CHECK(take_unhandled_failures().empty());
}

TEST_CASE("an errback that traps some failure types passes the others on", "[deferred]") {
  clean_log clean;
  std::vector<std::string> seen;
  auto run = [&](failure f) {
    deferred<std::string> d;
    d.add_errback(
       [&](failure& err) {
         err.trap<timeout_error>();
         seen.push_back("timeout handler");
         return std::string{"retry later"};
       },
       "only_timeouts")
      .add_errback(
        [&](failure& err) {
          seen.push_back("generic handler: " + err.message());
          return std::string{"gave up"};
        },
        "anything")
      .add_callback([&](const std::string& s) { seen.push_back("result: " + s); });
    d.errback(std::move(f));
  };
  run(failure::of(timeout_error{"too slow"}));
  run(failure::of(parse_error{"garbage"}));
  CHECK(seen == std::vector<std::string>{"timeout handler", "result: retry later",
                                         "generic handler: garbage", "result: gave up"});
}

TEST_CASE("add_callbacks: the errback of a step never sees its own callback's failure",
          "[deferred]") {
  clean_log clean;
  std::vector<std::string> seen;
  deferred<int> d;
  d.add_callbacks(
     [&](int) -> int { throw parse_error{"from callback"}; },
     [&](failure&) {
       seen.push_back("same-step errback");
       return 0;
     })
    .add_errback([&](failure& f) {
      seen.push_back("next errback: " + f.message());
      return 1;
    });
  d.callback(0);
  CHECK(seen == std::vector<std::string>{"next errback: from callback"});
}

TEST_CASE("add_both sees either result and replaces it", "[deferred]") {
  clean_log clean;
  deferred<int> ok;
  std::string got;
  ok.add_both([&](outcome<int> o) { return o.ok() ? o.value() * 2 : -1; })
    .add_callback([&](int x) { got = std::to_string(x); });
  ok.callback(21);
  CHECK(got == "42");
  deferred<int> bad;
  bad.add_both([&](outcome<int> o) { return o.ok() ? 1 : -1; }).add_callback([&](int x) {
    got = std::to_string(x);
  });
  bad.errback(failure::of(parse_error{"x"}));
  CHECK(got == "-1");
  CHECK(take_unhandled_failures().empty());
}

TEST_CASE("a callback returning a deferred pauses the chain until it fires", "[deferred]") {
  clean_log clean;
  deferred<int> outer;
  deferred<std::string> inner;
  std::vector<std::string> seen;
  outer.add_callback([&](int) { return inner; })
    .add_callback([&](std::string s) {
      seen.push_back("after inner: " + s);
      return s.size();
    })
    .add_callback([&](size_t n) { seen.push_back("size " + std::to_string(n)); });
  outer.callback(1);
  CHECK(seen.empty());
  inner.callback("hello");
  CHECK(seen == std::vector<std::string>{"after inner: hello", "size 5"});
  // A nested failure flows into the outer chain, and is handled there.
  deferred<int> outer2;
  deferred<int> inner2;
  std::string handled;
  outer2.add_callback([&](int) { return inner2; }).add_errback([&](failure& f) {
    handled = f.message();
    return 0;
  });
  outer2.callback(1);
  inner2.errback(failure::of(parse_error{"nested failure"}));
  CHECK(handled == "nested failure");
  CHECK(take_unhandled_failures().empty());
}

TEST_CASE("firing twice is an error, after cancel a late answer is ignored", "[deferred]") {
  clean_log clean;
  deferred<int> d;
  d.callback(1);
  CHECK_THROWS_AS(d.callback(2), already_called_error);
  CHECK_THROWS_AS(d.errback(failure::of(parse_error{"x"})), already_called_error);
  deferred<int> c;
  c.add_errback([](failure&) { return 0; });
  c.cancel();
  CHECK_NOTHROW(c.callback(5));
}

TEST_CASE("cancel runs the canceller and fails with cancelled_error unless it fired",
          "[deferred]") {
  clean_log clean;
  bool cancelled_op = false;
  deferred<int> d;
  d.set_canceller([&] { cancelled_op = true; });
  bool saw_cancelled = false;
  d.add_errback([&](failure& f) {
    saw_cancelled = f.is<cancelled_error>();
    return 0;
  });
  d.cancel();
  CHECK(cancelled_op);
  CHECK(saw_cancelled);
  // A canceller may answer by itself.
  deferred<int> e;
  e.set_canceller([&] { e.callback(-1); });
  int got = 0;
  e.add_callback([&](int x) { got = x; });
  e.cancel();
  CHECK(got == -1);
  // Cancelling a chain that waits on a nested deferred cancels the nested one.
  deferred<int> outer;
  deferred<int> inner;
  bool inner_cancelled = false;
  inner.set_canceller([&] { inner_cancelled = true; });
  bool outer_failed = false;
  outer.add_callback([&](int) { return inner; }).add_errback([&](failure& f) {
    outer_failed = f.is<cancelled_error>();
    return 0;
  });
  outer.callback(0);
  outer.cancel();
  CHECK(inner_cancelled);
  CHECK(outer_failed);
  CHECK(take_unhandled_failures().empty());
}

TEST_CASE("add_timeout fails with timeout_error and cancels, in time it does nothing",
          "[deferred]") {
  clean_log clean;
  manual_clock clk;
  bool aborted = false;
  deferred<int> slow;
  slow.set_canceller([&] { aborted = true; });
  slow.add_timeout(clk, 5s);
  std::string why;
  slow.add_errback([&](failure& f) {
    why = f.is<timeout_error>() ? "timeout: " + f.message() : "other";
    return 0;
  });
  clk.advance(4s);
  CHECK(why.empty());
  clk.advance(1s);
  CHECK(aborted);
  CHECK(why == "timeout: timed out after 5000 ms");
  deferred<int> fast;
  fast.add_timeout(clk, 5s);
  int got = 0;
  fast.add_callback([&](int x) { got = x; });
  fast.callback(3);
  CHECK(clk.pending() == 0);
  clk.advance(10s);
  CHECK(got == 3);
}

TEST_CASE("an unhandled failure is reported with its traceback when the chain goes away",
          "[deferred]") {
  clean_log clean;
  {
    deferred<int> d;
    d.add_callback([](int) -> int { throw parse_error{"cannot parse 'x'"}; }, "parse")
      .add_callback([](int x) { return x; }, "double")
      .add_errback(
        [](failure& f) -> int {
          f.trap<timeout_error>();
          return 0;
        },
        "only_timeouts");
    d.callback(1);
  }
  auto reported = take_unhandled_failures();
  REQUIRE(reported.size() == 1);
  CHECK(reported[0]
        == "cannot parse 'x'\n  at callback 'parse' (raised)\n  at callback 'double' (skipped)\n"
           "  at errback 'only_timeouts' (re-raised)");
  {
    deferred<int> handled;
    handled.add_errback([](failure&) { return 0; });
    handled.errback(failure::of(parse_error{"fine"}));
  }
  CHECK(take_unhandled_failures().empty());
}

TEST_CASE("gather, deferred_list and race", "[deferred]") {
  clean_log clean;
  SECTION("gather: all values in order") {
    std::vector<deferred<int>> ds(3);
    std::vector<int> got;
    gather(ds).add_callback([&](std::vector<int> v) { got = v; });
    ds[2].callback(3);
    ds[0].callback(1);
    CHECK(got.empty());
    ds[1].callback(2);
    CHECK(got == std::vector<int>{1, 2, 3});
  }
  SECTION("gather: fails fast on the first failure") {
    std::vector<deferred<int>> ds(3);
    std::string why;
    gather(ds).add_errback([&](failure& f) {
      why = f.message();
      return std::vector<int>{};
    });
    ds[1].errback(failure::of(parse_error{"second failed"}));
    CHECK(why == "second failed");
    ds[0].errback(failure::of(parse_error{"first failed too"}));
    ds[2].callback(3);
  }
  SECTION("deferred_list: every outcome") {
    std::vector<deferred<int>> ds(2);
    std::vector<bool> ok;
    deferred_list(ds).add_callback([&](std::vector<outcome<int>> v) {
      for (auto& o : v)
        ok.push_back(o.ok());
    });
    ds[0].errback(failure::of(parse_error{"x"}));
    ds[1].callback(2);
    CHECK(ok == std::vector<bool>{false, true});
  }
  SECTION("race: the first value wins and the others are cancelled") {
    std::vector<deferred<int>> ds(3);
    bool cancelled = false;
    ds[2].set_canceller([&] { cancelled = true; });
    std::pair<size_t, int> won{99, 0};
    race(ds).add_callback([&](std::pair<size_t, int> w) { won = w; });
    ds[0].errback(failure::of(parse_error{"lost"}));
    ds[1].callback(7);
    CHECK(won == std::make_pair(size_t{1}, 7));
    CHECK(cancelled);
  }
  CHECK(take_unhandled_failures().empty());
}

TEST_CASE("succeed, fail, maybe_deferred and defer_later", "[deferred]") {
  clean_log clean;
  int got = 0;
  succeed(5).add_callback([&](int x) { got = x; });
  CHECK(got == 5);
  std::string why;
  fail<int>(failure::of(parse_error{"nope"})).add_errback([&](failure& f) {
    why = f.message();
    return 0;
  });
  CHECK(why == "nope");
  maybe_deferred([] { return 3; }).add_callback([&](int x) { got = x; });
  CHECK(got == 3);
  maybe_deferred([]() -> int { throw parse_error{"thrown"}; }).add_errback([&](failure& f) {
    why = f.message();
    return 0;
  });
  CHECK(why == "thrown");
  manual_clock clk;
  auto later = defer_later(clk, 10s, [] { return std::string{"done"}; });
  std::string result;
  later.add_callback([&](std::string s) { result = s; });
  clk.advance(9s);
  CHECK(result.empty());
  clk.advance(1s);
  CHECK(result == "done");
  auto never = defer_later(clk, 10s, [&] { return std::string{"should not run"}; });
  never.add_errback([&](failure& f) {
    result = f.is<cancelled_error>() ? "cancelled" : "other";
    return std::string{};
  });
  never.cancel();
  clk.advance(20s);
  CHECK(result == "cancelled");
  CHECK(take_unhandled_failures().empty());
}

namespace {

deferred<std::string> lookup(manual_clock& clk, std::string user) {
  return defer_later(clk, 1s, [user]() -> std::string {
    if (user == "nobody")
      throw parse_error{"no such user: " + user};
    return user + "@example.org";
  });
}

deferred<std::string> greet(manual_clock& clk, std::string user) {
  auto address = co_await lookup(clk, user);
  auto again = co_await succeed(std::string{"!"});
  co_return "hello " + address + again;
}

deferred<std::string> greet_or_apologize(manual_clock& clk, std::string user) {
  try {
    co_return co_await greet(clk, user);
  } catch (const parse_error& e) {
    co_return std::string{"sorry: "} + e.what();
  }
}

deferred<void> wait_forever(deferred<int> never, bool& saw_cancel) {
  try {
    co_await never;
  } catch (const cancelled_error&) {
    saw_cancel = true;
    throw;
  }
}

} // namespace

TEST_CASE("coroutines co_await deferreds, failures become exceptions", "[deferred][coroutine]") {
  clean_log clean;
  manual_clock clk;
  std::string got;
  greet(clk, "ann").add_callback([&](std::string s) { got = s; });
  CHECK(got.empty());
  clk.advance(1s);
  CHECK(got == "hello ann@example.org!");
  greet_or_apologize(clk, "nobody").add_callback([&](std::string s) { got = s; });
  clk.advance(1s);
  CHECK(got == "sorry: no such user: nobody");
  std::string why;
  greet(clk, "nobody").add_errback([&](failure& f) {
    why = f.message();
    return std::string{};
  });
  clk.advance(1s);
  CHECK(why == "no such user: nobody");
  CHECK(take_unhandled_failures().empty());
}

TEST_CASE("cancelling a coroutine's deferred cancels what it awaits", "[deferred][coroutine]") {
  clean_log clean;
  deferred<int> never;
  bool inner_cancelled = false;
  never.set_canceller([&] { inner_cancelled = true; });
  bool saw_cancel = false;
  auto d = wait_forever(never, saw_cancel);
  bool outer_cancelled = false;
  d.add_errback([&](failure& f) { outer_cancelled = f.is<cancelled_error>(); });
  d.cancel();
  CHECK(inner_cancelled);
  CHECK(saw_cancel);
  CHECK(outer_cancelled);
  CHECK(take_unhandled_failures().empty());
}
