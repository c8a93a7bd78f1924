// SPDX-License-Identifier: MIT
// The seeds' Fibonacci server, with persistence: every line a client sends gets the next
// Fibonacci number, distinct ones from 2 up (2, 3, 5, 8, ...), and the sequence continues where it
// left off after a restart (the state is saved as JSON in --rundir on a graceful stop and restored
// on start). It speaks plain CAF on purpose: CAF stays reachable.
//   build/bin/fib_server --port tcp:8000 --rundir /tmp     then: printf 'next\n' | nc -N localhost 8000
#include <mutex>

#include <ply/ply.hpp>

namespace {

using next_atom = caf::atom_constant<caf::atom("next")>;

/// The sequence; the factory owns it, the service reads a copy to save it.
struct fib_state {
  std::mutex mtx;
  uint64_t a = 2;
  uint64_t b = 3;
};

class fib_protocol : public ply::line_receiver {
  void line_received(std::string_view) override {
    ply::request<uint64_t>(this, factory(), std::chrono::seconds(5), next_atom::value)
      .add_callbacks([this](uint64_t n) { send_line(std::to_string(n)); },
                     [this](ply::failure& f) { send_line("error: " + f.message()); });
  }
};

class fib_factory : public ply::factory {
public:
  explicit fib_factory(std::shared_ptr<fib_state> st) : st_(std::move(st)) {
  }
  caf::actor build_protocol(const ply::address&) override {
    return spawn_protocol<fib_protocol>();
  }
  caf::message_handler extra_behavior() override {
    return {[this](next_atom) -> caf::result<uint64_t> {
      std::lock_guard<std::mutex> guard{st_->mtx};
      auto n = st_->a;
      uint64_t next = 0;
      if (__builtin_add_overflow(n, st_->b, &next))
        return ply::make_error(ply::errc::protocol_error, "the sequence has run past 64 bits");
      st_->a = st_->b;
      st_->b = next;
      return n;
    }};
  }

private:
  std::shared_ptr<fib_state> st_;
};

/// Serves the sequence and persists it.
class fib_service : public ply::stream_server {
public:
  fib_service(std::string port, std::shared_ptr<fib_state> st)
    : stream_server("fib", std::move(port), ply::factory::of<fib_factory>(st)), st_(std::move(st)) {
  }
  nlohmann::json save_state() override {
    std::lock_guard<std::mutex> guard{st_->mtx};
    return {{"a", st_->a}, {"b", st_->b}};
  }
  void restore_state(const nlohmann::json& state) override {
    std::lock_guard<std::mutex> guard{st_->mtx};
    st_->a = state.value("a", uint64_t{2});
    st_->b = state.value("b", uint64_t{3});
  }

private:
  std::shared_ptr<fib_state> st_;
};

} // namespace

int main(int argc, char** argv) {
  std::string port = "tcp:8000";
  std::string rundir = ".";
  ply::command_line cli{"fib_server", "Fibonacci numbers, one per line, continued across restarts."};
  cli.add("--port", port, "Endpoint to listen on");
  cli.add("--rundir", rundir, "Where the state file (fib.state.json) is kept");
  std::unique_ptr<ply::application> app;
  return ply::run(argc, argv, cli, [&](ply::reactor& r) {
    app = std::make_unique<ply::application>("fib", rundir);
    app->add(std::make_unique<fib_service>(port, std::make_shared<fib_state>()));
    app->launch(r);
  });
}
