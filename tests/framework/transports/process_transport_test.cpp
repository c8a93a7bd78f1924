// SPDX-License-Identifier: MIT
// Child processes on a real reactor: standard input, output and error as transports, the exit
// status, environment and working directory, and get_process_output from an actor.
#include "ply/process.hpp"

#include <catch2/catch.hpp>

#include <future>

#include <caf/event_based_actor.hpp>

#include "ply/actor_deferred.hpp"
#include "ply/error.hpp"
#include "recorder.hpp"
#include "running_reactor.hpp"

using namespace ply;
using ply::test::recorder;
using ply::test::recorder_ptr;
using ply::test::running_reactor;
using namespace std::chrono_literals;

namespace {

/// Writes `input` to the child, closes its standard input, records everything.
class recording_process : public process_protocol {
public:
  recording_process(recorder_ptr rec, std::string input, std::shared_ptr<std::promise<void>> done)
    : rec_(std::move(rec)), input_(std::move(input)), done_(std::move(done)) {
  }

  void connection_made() override {
    transport().write(input_);
    transport().lose_connection();
  }
  void data_received(bytes data) override {
    out_ += data;
  }
  void err_received(bytes data) override {
    err_ += data;
  }
  void connection_lost(const caf::error&) override {
    rec_->add("out:" + out_);
    rec_->add("err:" + err_);
  }
  void process_ended(const process_status& st) override {
    rec_->add("ended:" + st.to_string());
  }
  void on_exit() override {
    process_protocol::on_exit();
    if (done_)
      done_->set_value();
    done_ = nullptr;
  }

private:
  recorder_ptr rec_;
  std::string input_;
  std::shared_ptr<std::promise<void>> done_;
  std::string out_;
  std::string err_;
};

/// Runs `spec` with `input` on its standard input; waits until the protocol actor quit.
recorder_ptr run(running_reactor& rr, process_spec spec, std::string input = {}) {
  auto rec = std::make_shared<recorder>();
  auto done = std::make_shared<std::promise<void>>();
  auto fut = done->get_future();
  auto f = rr.r.spawn_process(std::move(spec),
                              factory::for_protocol<recording_process>(rec, input, done));
  REQUIRE(f);
  REQUIRE(fut.wait_for(10s) == std::future_status::ready);
  return rec;
}

} // namespace

TEST_CASE("a child's stdin, stdout, stderr and exit status reach its process protocol",
          "[process]") {
  running_reactor rr;
  rr.start();
  auto cat = run(rr, {{"cat"}}, "hello\nworld\n");
  CHECK(cat->count("out:hello\nworld\n") == 1);
  CHECK(cat->count("ended:exit code 0") == 1);
  auto sh = run(rr, {{"sh", "-c", "echo out; echo err >&2; exit 3"}});
  CHECK(sh->count("out:out\n") == 1);
  CHECK(sh->count("err:err\n") == 1);
  CHECK(sh->count("ended:exit code 3") == 1);
  // Standard error that comes after standard output ended still arrives before connection_lost.
  auto late = run(rr, {{"sh", "-c", "echo out; exec 0<&- 1>&-; sleep 0.3; echo late >&2"}});
  CHECK(late->count("out:out\n") == 1);
  CHECK(late->count("err:late\n") == 1);
  CHECK(late->count("ended:exit code 0") == 1);
  auto killed = run(rr, {{"sh", "-c", "kill -9 $$"}});
  CHECK(killed->count("ended:killed by signal 9 (SIGKILL)") == 1);
  // A large output arrives whole.
  auto big = run(rr, {{"head", "-c", "3000000", "/dev/zero"}});
  auto outs = big->starting_with("out:");
  REQUIRE(outs.size() == 1);
  CHECK(outs.front().size() == 4 + 3000000);
}

TEST_CASE("a child gets the environment and working directory asked for", "[process]") {
  running_reactor rr;
  rr.start();
  process_spec spec{{"sh", "-c", "echo \"$GREETING\"; pwd"}, "/tmp"};
  spec.env = std::map<std::string, std::string>{{"GREETING", "hi there"}, {"PATH", "/usr/bin:/bin"}};
  auto rec = run(rr, spec);
  CHECK(rec->count("out:hi there\n/tmp\n") == 1);
}

TEST_CASE("a program that cannot start is an error at once", "[process]") {
  running_reactor rr;
  auto f = rr.r.spawn_process({{"/no/such/program"}}, factory::for_protocol<process_protocol>());
  REQUIRE_FALSE(f);
  CHECK(is(f.error(), errc::spawn_failed));
  CHECK(describe(f.error()) == "cannot run '/no/such/program': No such file or directory");
  auto none = rr.r.spawn_process({}, factory::for_protocol<process_protocol>());
  CHECK(describe(none.error()) == "no program to run");
}

TEST_CASE("get_process_output answers a child's output to an actor, or why it failed",
          "[process]") {
  running_reactor rr;
  rr.start();
  auto ask = [&](process_spec spec) {
    auto result = std::make_shared<std::promise<std::string>>();
    auto fut = result->get_future();
    // (An unused argument: CAF 0.17 mishandles function actors spawned without any.)
    rr.sys.spawn([&rr, spec, result](caf::event_based_actor* self, int) {
      get_process_output(self, rr.r, spec).add_both([result, self](outcome<std::string> o) {
        result->set_value(o.ok() ? "ok:" + o.value() : "failed:" + o.error().message());
        self->quit();
      });
    }, 0);
    REQUIRE(fut.wait_for(10s) == std::future_status::ready);
    return fut.get();
  };
  CHECK(ask({{"echo", "hello"}}) == "ok:hello\n");
  CHECK(ask({{"sh", "-c", "echo oops >&2; exit 2"}}) == "failed:exit code 2: oops\n");
  CHECK(ask({{"no-such-program-here"}})
        == "failed:cannot run 'no-such-program-here': No such file or directory");
}

TEST_CASE("call_in_thread runs blocking work off the reactor, call_from_thread comes back",
          "[threads]") {
  running_reactor rr;
  rr.start();
  std::promise<std::pair<bool, bool>> where;
  auto fut = where.get_future();
  rr.r.call_from_thread([&] {
    auto reactor_thread = std::this_thread::get_id();
    call_in_thread([&, reactor_thread] {
      auto pool_thread = std::this_thread::get_id();
      std::this_thread::sleep_for(50ms);  // blocking is fine here
      rr.r.call_from_thread([&, reactor_thread, pool_thread] {
        where.set_value({pool_thread != reactor_thread,
                         std::this_thread::get_id() == reactor_thread});
      });
    });
  });
  REQUIRE(fut.wait_for(5s) == std::future_status::ready);
  auto [off_reactor, back_on_reactor] = fut.get();
  CHECK(off_reactor);
  CHECK(back_on_reactor);
  // An exception in the pool is logged, and the pool keeps working.
  std::promise<void> after;
  call_in_thread([] { throw std::runtime_error("boom"); });
  call_in_thread([&] { after.set_value(); });
  CHECK(after.get_future().wait_for(5s) == std::future_status::ready);
}
