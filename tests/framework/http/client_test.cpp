// SPDX-License-Identifier: MIT
// The HTTP client against servers of the test's own on a running reactor: answers whole or up to
// the close, redirects and their limit, and each way a request fails (a bad URL, refused,
// malformed, too large, too slow, cancelled) with its error, and its connection closed.
#include "ply/http.hpp"

#include <catch2/catch.hpp>

#include <map>

#include "ply/error.hpp"
#include "ply/factory.hpp"
#include "ply/protocol.hpp"
#include "recorder.hpp"
#include "running_reactor.hpp"

using namespace ply;
using namespace ply::test;

namespace {

/// Answers each request by its path: canned responses, a redirect chain, a loop, silence.
class server : public protocol {
public:
  explicit server(recorder_ptr rec) : rec_(std::move(rec)) {
  }

  void data_received(bytes data) override {
    in_ += data;
    if (in_.find("\r\n\r\n") == std::string::npos)
      return;
    auto path = in_.substr(in_.find(' ') + 1);
    path = path.substr(0, path.find(' '));
    path_ = path;
    rec_->add("request " + path);
    static const std::map<std::string, std::string> answers{
      {"/ok", "HTTP/1.1 200 OK\r\nContent-Length: 5\r\nX-Test: yes\r\n\r\nhello"},
      {"/until-close", "HTTP/1.1 200 OK\r\nConnection: close\r\n\r\nall of it"},
      {"/start", "HTTP/1.1 302 Found\r\nLocation: end\r\nContent-Length: 0\r\n\r\n"},
      {"/end", "HTTP/1.1 200 OK\r\nContent-Length: 3\r\n\r\nend"},
      {"/loop", "HTTP/1.1 301 Moved\r\nLocation: /loop\r\nContent-Length: 0\r\n\r\n"},
      {"/big", "HTTP/1.1 200 OK\r\nContent-Length: 100\r\n\r\n"},
      {"/missing", "HTTP/1.1 404 Not Found\r\nContent-Length: 4\r\n\r\nnope"},
      {"/garbage", "this is not HTTP\r\n\r\n"},
      {"/cut", "HTTP/1.1 200 OK\r\nContent-Length: 10\r\n\r\nshort"},
    };
    if (auto a = answers.find(path); a != answers.end()) {
      transport().write(a->second);
      transport().lose_connection();
    }
    // Anything else ("/silent") gets no answer.
  }

  void connection_lost(const caf::error&) override {
    rec_->add("closed " + path_);
  }

private:
  recorder_ptr rec_;
  std::string in_;
  std::string path_;  ///< of the request, once it came
};

/// The request being made, touched only on the reactor's first thread (to cancel it).
using pending = std::shared_ptr<deferred<http::response>>;

/// Fetches `path` from the reactor's first thread and records the outcome.
void fetch(running_reactor& rr, recorder_ptr rec, std::string url, http::options opts = {},
           pending keep = nullptr) {
  rr.r.call_from_thread([&rr, rec, url, opts, keep] {
    auto d = http::request(rr.r, url, opts);
    if (keep)
      *keep = d;
    d.add_both([rec](outcome<http::response> o) {
      if (o.ok())
        rec->add("got " + std::to_string(o.value().status) + " " + o.value().body + " from "
                 + o.value().url + (o.value().header("x-test").empty() ? "" : " x-test"));
      else
        rec->add("failed " + o.error().message());
    });
  });
}

} // namespace

TEST_CASE("the HTTP client: whole answers, redirects, and every way to fail", "[http]") {
  running_reactor rr;
  auto rec = std::make_shared<recorder>();
  auto port = rr.listen(factory::for_protocol<server>(rec));
  rr.start();
  auto base = "http://127.0.0.1:" + std::to_string(port);
  auto outcome_of = [&](const std::string& path, http::options opts = {}) {
    auto before = rec->starting_with("got ").size() + rec->starting_with("failed ").size();
    fetch(rr, rec, base + path, opts);
    auto until = std::chrono::steady_clock::now() + std::chrono::seconds(10);
    while (rec->starting_with("got ").size() + rec->starting_with("failed ").size() == before
           && std::chrono::steady_clock::now() < until)
      std::this_thread::sleep_for(std::chrono::milliseconds(5));
    std::lock_guard<std::mutex> guard{rec->mtx};
    for (auto i = rec->events.rbegin(); i != rec->events.rend(); ++i)
      if (i->rfind("got ", 0) == 0 || i->rfind("failed ", 0) == 0)
        return *i;
    return std::string{"nothing"};
  };
  CHECK(outcome_of("/ok") == "got 200 hello from " + base + "/ok x-test");
  CHECK(outcome_of("/until-close") == "got 200 all of it from " + base + "/until-close");
  CHECK(outcome_of("/start") == "got 200 end from " + base + "/end");
  CHECK(outcome_of("/missing") == "got 404 nope from " + base + "/missing");
  http::options three;
  three.max_redirects = 3;
  CHECK_THAT(outcome_of("/loop", three), Catch::StartsWith("failed more than 3 redirects"));
  CHECK(rec->count("request /loop") == 4);
  http::options small;
  small.max_body = 10;
  CHECK_THAT(outcome_of("/big", small), Catch::Contains("is over 10 bytes"));
  CHECK_THAT(outcome_of("/garbage"), Catch::Contains("a malformed answer from " + base));
  CHECK_THAT(outcome_of("/cut"), Catch::Contains("closed before the answer was whole"));
  http::options quick;
  quick.timeout = std::chrono::milliseconds(300);
  CHECK_THAT(outcome_of("/silent", quick), Catch::Contains("in time"));
  // Cancelled once the server has the request: the deferred fails, and the connection closes.
  auto keep = std::make_shared<deferred<http::response>>();
  fetch(rr, rec, base + "/silent-cancelled", {}, keep);
  rec->wait_for("request /silent-cancelled", 1);
  rr.r.call_from_thread([keep] { keep->cancel(); });
  rec->wait_for("failed deferred cancelled", 1);
  CHECK(rec->count("failed deferred cancelled") == 1);
  rec->wait_for("closed /silent-cancelled", 1);
  CHECK(rec->count("closed /silent-cancelled") == 1);
  CHECK_THAT(outcome_of("/x\r\nEvil: 1"), Catch::Contains("bad URL"));
  CHECK_THAT(outcome_of("/ok", [] {
               http::options o;
               o.headers = {{"X-Bad", "a\r\nInjected: 1"}};
               return o;
             }()),
             Catch::Contains("bad HTTP header 'X-Bad'"));
  CHECK_THAT(outcome_of("/ok", [] {
               http::options o;
               o.headers = {{"Content-Length", "0"}};
               return o;
             }()),
             Catch::Contains("writes the 'Content-Length' header itself"));
  rr.stop();
  // Nothing listens any more: refused, said as such.
  running_reactor again;
  again.start();
  auto rec2 = std::make_shared<recorder>();
  fetch(again, rec2, base + "/ok");
  rec2->wait_for("failed ", 1);
  CHECK_THAT(rec2->starting_with("failed ").at(0), Catch::Contains("refused"));
}
