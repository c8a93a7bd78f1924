// SPDX-License-Identifier: MIT
// ply-deferred-bench: request/response ping-pong between two actors, N sequential round trips,
// measured three ways in one process: plain CAF request().then, ply::request (a deferred on the
// requester), and ply::request against a responder that answers through ply::respond.
#include <chrono>
#include <cstdio>
#include <future>
#include <string>

#include <CLI/CLI.hpp>
#include <caf/actor_system.hpp>
#include <caf/actor_system_config.hpp>
#include <caf/event_based_actor.hpp>

#include <ply/actor_deferred.hpp>
#include <ply/version.hpp>

namespace {

using ping_atom = caf::atom_constant<caf::atom("ping")>;
using clock_type = std::chrono::steady_clock;

enum class mode { caf_then, deferred_requester, deferred_both };

// Each takes one unused argument: CAF 0.17 dereferences a null argument tuple otherwise.
caf::behavior plain_pong(caf::event_based_actor*, int) {
  return {[](ping_atom, int n) { return n; }};
}

caf::behavior deferred_pong(caf::event_based_actor* self, int) {
  return {[self](ping_atom, int n) -> caf::result<int> { return ply::respond(self, ply::succeed(n)); }};
}

class pinger : public caf::event_based_actor {
public:
  pinger(caf::actor_config& cfg, caf::actor pong, mode m, int rounds, std::promise<double>* done)
    : caf::event_based_actor(cfg), pong_(std::move(pong)), mode_(m), rounds_(rounds), done_(done) {
  }

  caf::behavior make_behavior() override {
    started_ = clock_type::now();
    next(0);
    return {[](caf::unit_t) {}};
  }

private:
  void next(int n) {
    if (n == rounds_) {
      done_->set_value(std::chrono::duration<double>(clock_type::now() - started_).count());
      quit();
      return;
    }
    if (mode_ == mode::caf_then) {
      request(pong_, std::chrono::seconds(10), ping_atom::value, n)
        .then([this](int x) { next(x + 1); }, [this](caf::error&) { quit(); });
    } else {
      ply::request<int>(this, pong_, std::chrono::seconds(10), ping_atom::value, n)
        .add_callbacks([this](int x) { next(x + 1); }, [this](ply::failure&) { quit(); });
    }
  }

  caf::actor pong_;
  mode mode_;
  int rounds_;
  std::promise<double>* done_;
  clock_type::time_point started_;
};

double measure(caf::actor_system& sys, mode m, int rounds) {
  auto pong = m == mode::deferred_both ? sys.spawn(deferred_pong, 0) : sys.spawn(plain_pong, 0);
  std::promise<double> done;
  auto fut = done.get_future();
  sys.spawn<pinger>(pong, m, rounds, &done);
  auto secs = fut.get();
  caf::anon_send_exit(pong, caf::exit_reason::user_shutdown);
  return rounds / secs;
}

} // namespace

int main(int argc, char** argv) {
  CLI::App app{"Request/response ping-pong: plain CAF versus ply deferreds", "ply-deferred-bench"};
  app.set_version_flag("--version", std::string{"ply-deferred-bench (ply) "} + ply::version());
  int rounds = 200000;
  int repeats = 3;
  app.add_option("--rounds", rounds, "Round trips per measurement")->capture_default_str();
  app.add_option("--repeats", repeats, "Measurements per variant (median reported)")
    ->capture_default_str();
  CLI11_PARSE(app, argc, argv);
  // One scheduler thread: the figures are the CPU cost per round trip, not how quickly a second
  // worker happens to wake up.
  caf::actor_system_config cfg;
  cfg.set("scheduler.max-threads", 1);
  caf::actor_system sys{cfg};
  std::vector<double> plain, req, both;
  measure(sys, mode::caf_then, rounds / 10);  // warm-up
  for (int i = 0; i < repeats; ++i) {
    plain.push_back(measure(sys, mode::caf_then, rounds));
    req.push_back(measure(sys, mode::deferred_requester, rounds));
    both.push_back(measure(sys, mode::deferred_both, rounds));
  }
  auto median = [](std::vector<double> v) {
    std::sort(v.begin(), v.end());
    return v[v.size() / 2];
  };
  auto p = median(plain), r = median(req), b = median(both);
  std::printf("%-44s %14s %10s\n", "variant", "round trips/s", "overhead");
  std::printf("%-44s %14.0f %9.2fx\n", "CAF request().then", p, 1.0);
  std::printf("%-44s %14.0f %9.2fx\n", "ply::request -> deferred", r, p / r);
  std::printf("%-44s %14.0f %9.2fx\n", "ply::request + ply::respond(deferred)", b, p / b);
  std::printf("(one scheduler thread; median of %d runs of %d sequential round trips; overhead = "
              "time per round trip relative to CAF)\n",
              repeats, rounds);
}
