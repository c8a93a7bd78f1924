// SPDX-License-Identifier: MIT
#include "ply/service.hpp"

#include <catch2/catch.hpp>

#include <cstdio>
#include <fstream>
#include <future>
#include <thread>

#include <caf/actor_system.hpp>
#include <caf/actor_system_config.hpp>

#include "ply/protocol.hpp"
#include "ply/reactor.hpp"
#include "recorder.hpp"
#include "reactor_fixture.hpp"

using namespace ply;
using namespace std::chrono_literals;
using ply::test::recorder;
using ply::test::recorder_ptr;
using ply::test::reactor_fixture;

namespace {

/// Records start and stop; its stop takes `stop_delay`; keeps a counter as state.
class recording_service : public service {
public:
  recording_service(std::string name, recorder_ptr rec, duration stop_delay = {})
    : service(std::move(name)), rec_(std::move(rec)), stop_delay_(stop_delay) {
  }
  void start_service(reactor& r) override {
    reactor_ = &r;
    ++starts_;
    rec_->add("start " + name() + " (starts so far: " + std::to_string(starts_) + ")");
    service::start_service(r);
  }
  deferred<void> stop_service() override {
    service::stop_service();
    if (stop_delay_ == duration{}) {
      rec_->add("stop " + name());
      return succeed();
    }
    return defer_later(*reactor_, stop_delay_, [this] { rec_->add("stop " + name() + " (slow)"); });
  }
  nlohmann::json save_state() override {
    return {{"starts", starts_}};
  }
  void restore_state(const nlohmann::json& st) override {
    starts_ = st.value("starts", 0);
  }

private:
  recorder_ptr rec_;
  duration stop_delay_;
  reactor* reactor_ = nullptr;
  int starts_ = 0;
};


} // namespace

TEST_CASE("services start in order, stop in reverse (waiting for slow ones), keep their state",
          "[service]") {
  auto rundir = "/tmp/ply-service-test-" + std::to_string(::getpid());
  std::system(("rm -rf " + rundir + " && mkdir -p " + rundir).c_str());
  auto rec = std::make_shared<recorder>();
  for (int run = 1; run <= 2; ++run) {
    reactor_fixture fx;
    application app{"demo", rundir};
    app.add(std::make_unique<recording_service>("first", rec));
    app.add(std::make_unique<recording_service>("second", rec, 50ms));
    app.add(std::make_unique<recording_service>("third", rec));
    app.launch(fx.r);
    fx.r.call_when_running([&] { fx.r.stop(); });
    CHECK(fx.r.run() == 0);
  }
  CHECK(rec->events
        == std::vector<std::string>{
          "start first (starts so far: 1)", "start second (starts so far: 1)",
          "start third (starts so far: 1)", "stop third", "stop second (slow)", "stop first",
          "start first (starts so far: 2)", "start second (starts so far: 2)",
          "start third (starts so far: 2)", "stop third", "stop second (slow)", "stop first"});
  std::ifstream in{rundir + "/demo.state.json"};
  auto saved = nlohmann::json::parse(in);
  CHECK(saved["second"]["starts"] == 2);
  std::system(("rm -rf " + rundir).c_str());
}

TEST_CASE("two services with one name are refused", "[service]") {
  multi_service m{"m"};
  m.add(std::make_unique<service>("a"));
  CHECK_THROWS_WITH(m.add(std::make_unique<service>("a")), Catch::Contains("two services named 'a'"));
}

TEST_CASE("a service that cannot start stops those started before it, in reverse", "[service]") {
  struct failing : service {
    using service::service;
    void start_service(reactor&) override {
      throw std::runtime_error("service 'c': port in use");
    }
  };
  reactor_fixture f;
  auto rec = std::make_shared<recorder>();
  multi_service all{"all"};
  all.add(std::make_unique<recording_service>("a", rec));
  all.add(std::make_unique<recording_service>("b", rec));
  all.add(std::make_unique<failing>("c"));
  all.add(std::make_unique<recording_service>("d", rec));
  CHECK_THROWS_WITH(all.start_service(f.r), "service 'c': port in use");
  CHECK(rec->starting_with("") == std::vector<std::string>{"start a (starts so far: 1)",
                                                           "start b (starts so far: 1)", "stop b",
                                                           "stop a"});
  CHECK_FALSE(all.children()[0]->running());
  CHECK_FALSE(all.children()[3]->running());
}
