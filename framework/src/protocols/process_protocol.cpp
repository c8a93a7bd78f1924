// SPDX-License-Identifier: MIT
#include "ply/process.hpp"

#include <sys/wait.h>

#include <csignal>
#include <cstring>

#include <caf/event_based_actor.hpp>
#include <spdlog/spdlog.h>

#include "protocols/messages.hpp"
#include "protocols/spawn_function.hpp"
#include "ply/actor_deferred.hpp"
#include "ply/error.hpp"
#include "ply/reactor.hpp"

CAF_ALLOW_UNSAFE_MESSAGE_TYPE(ply::process_spec)

namespace ply {

namespace {

using run_atom = caf::atom_constant<caf::atom("plyprun")>;
using done_atom = caf::atom_constant<caf::atom("plypdone")>;

/// Collects a child's output for `get_process_output` and reports to the runner actor.
class collector : public process_protocol {
public:
  explicit collector(caf::actor runner) : runner_(std::move(runner)) {
  }

  void connection_made() override {
    transport().lose_connection();  // nothing to say on its standard input
  }

  void data_received(bytes data) override {
    out_.append(data.data(), data.size());
  }

  void err_received(bytes data) override {
    if (err_.size() < 4096)
      err_.append(data.data(), std::min(data.size(), 4096 - err_.size()));
  }

  void process_ended(const process_status& st) override {
    send(runner_, done_atom::value, st.success(), st.to_string(), std::move(out_), std::move(err_));
  }

private:
  caf::actor runner_;
  std::string out_;
  std::string err_;
};

class collector_factory : public factory {
public:
  explicit collector_factory(caf::actor runner) : runner_(std::move(runner)) {
  }

  caf::actor build_protocol(const ply::address&) override {
    auto p = spawn_protocol<collector>(runner_);
    runner_ = nullptr;
    return p;
  }

  void protocol_ended(const ply::connection&, const caf::error&) override {
    quit();  // one process, then done
  }

private:
  caf::actor runner_;
};

} // namespace

std::string process_status::to_string() const {
  if (exited)
    return "exit code " + std::to_string(code);
  auto* name = ::sigabbrev_np(signal);
  return "killed by signal " + std::to_string(signal) + (name ? " (SIG" + std::string{name} + ")" : "");
}

process_status process_status::from_wait(int status) {
  process_status st;
  if (WIFEXITED(status)) {
    st.exited = true;
    st.code = WEXITSTATUS(status);
  } else if (WIFSIGNALED(status)) {
    st.exited = false;
    st.signal = WTERMSIG(status);
  }
  return st;
}

void process_protocol::err_received(bytes) {
  // Ignored unless overridden.
}

void process_protocol::process_ended(const process_status&) {
  // Nothing by default.
}

const char* process_protocol::name() const {
  return "ply.process";
}

caf::message_handler process_protocol::framework_handlers() {
  return protocol::framework_handlers().or_else(caf::message_handler{
    [this](detail::err_data_atom, bytes& data) { err_received(std::move(data)); },
    [this](detail::err_done_atom) {
      err_done_ = true;
      maybe_done();
    },
    [this](detail::exited_atom, int wait_status) {
      status_ = process_status::from_wait(wait_status);
      maybe_done();
    },
  });
}

void process_protocol::connection_done() {
  output_done_ = true;
  maybe_done();
}

void process_protocol::maybe_done() {
  // As Twisted's processEnded: after the exit and after both outputs ended.
  if (!output_done_ || !err_done_ || !status_ || ended_)
    return;
  ended_ = true;
  process_ended(*status_);
  quit();
}

deferred<std::string> get_process_output(caf::event_based_actor* self, reactor& r,
                                         process_spec spec, caf::timespan timeout) {
  // A runner actor starts the process and answers once it ended, so the deferred fires in
  // `self`'s own context.
  auto runner = detail::spawn_function(self->system(), [&r](caf::event_based_actor* run) -> caf::behavior {
    return {[run, &r](run_atom, process_spec& spec) -> caf::result<std::string> {
      auto rp = run->make_response_promise<std::string>();
      auto started = r.spawn_process(std::move(spec), factory::of<collector_factory>(
                                                        caf::actor{run}));
      if (!started) {
        rp.deliver(started.error());
        run->quit();
        return rp;
      }
      run->become([run, rp](done_atom, bool ok, const std::string& status, std::string& out,
                            const std::string& err) mutable {
        if (ok)
          rp.deliver(std::move(out));
        else
          rp.deliver(make_error(errc::process_failed,
                                status + (err.empty() ? "" : ": " + err.substr(0, 200))));
        run->quit();
      });
      return rp;
    }};
  });
  return ply::request<std::string>(self, runner, timeout, run_atom::value, std::move(spec));
}

} // namespace ply
