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
#include "ply/services.hpp"
#include "recorder.hpp"
#include "socket_client.hpp"

using namespace ply;
using namespace std::chrono_literals;
using ply::test::recorder;
using ply::test::recorder_ptr;

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

struct echo : protocol {
  void data_received(bytes data) override {
    transport().write(data);
  }
};

struct config_base {
  caf::actor_system_config cfg;
};

struct reactor_fixture : config_base {
  reactor_fixture() : sys(cfg), r(sys, opts()) {
  }
  static reactor::options opts() {
    reactor::options o;
    o.handle_signals = false;
    o.stop_timeout = 2s;
    return o;
  }
  caf::actor_system sys;
  reactor r;
};

/// Reads something owned by the reactor's thread from the test thread.
template <class F>
auto on_reactor(reactor& r, F f) {
  std::promise<decltype(f())> p;
  r.call_later(duration::zero(), [&] { p.set_value(f()); });
  return p.get_future().get();
}

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

TEST_CASE("a tcp_server listens while running and stops listening when stopped", "[service]") {
  reactor_fixture fx;
  tcp_server srv{"echo", "tcp:0:interface=127.0.0.1", factory::for_protocol<echo>()};
  srv.start_service(fx.r);
  REQUIRE(srv.port() != 0);
  CHECK(srv.endpoints() == std::vector<std::string>{"127.0.0.1:" + std::to_string(srv.port())});
  std::thread t{[&] { fx.r.run(); }};
  {
    ply::test::socket_client c{srv.port()};
    c.send("hi");
    CHECK(c.read_exactly(2) == "hi");
  }
  on_reactor(fx.r, [&] { return srv.stop_service().called(); });
  CHECK_THROWS(ply::test::socket_client{srv.port()});
  fx.r.stop();
  t.join();
}

TEST_CASE("client_service backs off exponentially and reconnects once a server is there",
          "[service]") {
  client_service::backoff b;
  b.initial = 20ms;
  b.maximum = 200ms;
  // Delays without jitter: 20, 40, 80, 160, then capped at 200 ms.
  {
    client_service probe{"probe", "tcp:host=127.0.0.1:port=1", factory::for_protocol<echo>(), b};
    CHECK(probe.delay_for(1) == 20ms);
    CHECK(probe.delay_for(2) == 40ms);
    CHECK(probe.delay_for(4) == 160ms);
    CHECK(probe.delay_for(9) == 200ms);
  }
  // Find a free port, then leave it closed for a while.
  uint16_t port = 0;
  {
    reactor_fixture probe;
    auto p = probe.r.listen("tcp:0:interface=127.0.0.1", factory::for_protocol<echo>());
    REQUIRE(p);
    port = *p;
  }
  reactor_fixture fx;
  client_service cs{"client", "tcp:host=127.0.0.1:port=" + std::to_string(port),
                    client_factory::for_protocol<echo>(), b};
  fx.r.call_when_running([&] { cs.start_service(fx.r); });
  std::thread t{[&] { fx.r.run(); }};
  std::this_thread::sleep_for(400ms);
  auto failed_attempts = on_reactor(fx.r, [&] { return cs.attempts(); });
  CHECK(failed_attempts >= 3);
  CHECK(failed_attempts <= 8);
  REQUIRE(fx.r.listen("tcp:" + std::to_string(port) + ":interface=127.0.0.1",
                      factory::for_protocol<echo>()));
  size_t failures = 1;
  for (int i = 0; i < 100 && failures != 0; ++i) {
    std::this_thread::sleep_for(20ms);
    failures = on_reactor(fx.r, [&] { return cs.failures(); });
  }
  CHECK(failures == 0);
  on_reactor(fx.r, [&] { return cs.stop_service().called(); });
  fx.r.stop();
  t.join();
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
