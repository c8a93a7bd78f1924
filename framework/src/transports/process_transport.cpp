// SPDX-License-Identifier: MIT
#include "transports/process_transport.hpp"

#include <cerrno>
#include <cstring>
#include <fcntl.h>
#include <spawn.h>
#include <string>
#include <sys/socket.h>
#include <sys/syscall.h>
#include <sys/wait.h>
#include <unistd.h>
#include <vector>

#include <caf/make_message.hpp>
#include <spdlog/spdlog.h>

#include "reactor/reactor_core.hpp"
#include "ply/error.hpp"

namespace ply::detail {

// -- child_stdio ----------------------------------------------------------------------------------

void child_stdio::set_stderr(std::shared_ptr<child_stderr> err) {
  err_ = std::move(err);
  err_->report_end_to(std::static_pointer_cast<child_stdio>(shared_from_this()));
}

void child_stdio::stderr_ended() {
  err_ = nullptr;
  if (output_ended_)
    stream_connection::end_of_input();
}

void child_stdio::end_of_input() {
  // Standard error may still hold bytes not read yet (the two pipes are read in whatever order
  // the poller reports them): the loss waits for its end, which the child's exit brings.
  if (err_) {
    output_ended_ = true;
    update_interest();
    return;
  }
  stream_connection::end_of_input();
}

void child_stdio::process_exited(int wait_status) {
  run_on_thread([this, wait_status] {
    if (!exit_target_) {
      pending_exit_ = wait_status;
      return;
    }
    thread().deliver(exit_target_, caf::make_message(exited_atom::value, wait_status));
    exit_target_ = nullptr;
  });
}

void child_stdio::on_attach(const caf::actor& protocol) {
  if (!err_)
    return;
  err_->attach(protocol);
  exit_target_ = protocol;
  if (pending_exit_) {
    auto st = *pending_exit_;
    pending_exit_.reset();
    process_exited(st);
  }
}

bool child_stdio::half_close() {
  // Closing means closing the child's standard input (once what we wrote is sent), while its
  // output is still read: standard error too, when standard output already ended. Once both
  // ended (the protocol heard connection_lost), it closes for good.
  if (input_ended() && !err_)
    return false;
  shutdown_output_when_flushed();
  return true;
}

void child_stdio::on_closed() {
  // Closed before both outputs ended (aborted, or the socket failed): standard error goes too.
  if (auto err = std::move(err_))
    err->close_now();
}

// -- child_stderr ---------------------------------------------------------------------------------

caf::message child_stderr::data_message(bytes data) {
  return caf::make_message(err_data_atom::value, std::move(data));
}

caf::message child_stderr::lost_message(caf::error) {
  return caf::make_message(err_done_atom::value);
}

void child_stderr::end_of_input() {
  // stdout's connection lets go of *this in stderr_ended: keep it until the call returns.
  auto self = shared_from_this();
  auto out = out_.lock();
  close(make_error(errc::connection_done), true);
  if (out)
    out->stderr_ended();
}

void child_stderr::close_now() {
  out_.reset();
  close(make_error(errc::connection_done), false);
}

// -- spawning -------------------------------------------------------------------------------------

namespace {

/// Reaps `pid` when it ends and tells its connection: through a pidfd watched by the thread's
/// io_context, or by polling where pidfds are not available.
void watch_child(io_thread& thr, pid_t pid, std::shared_ptr<child_stdio> conn) {
  auto reap = [pid, conn]() {
    int status = 0;
    auto r = ::waitpid(pid, &status, WNOHANG);
    if (r == 0)
      return false;
    conn->process_exited(r == pid ? status : 0);
    return true;
  };
  int pidfd = static_cast<int>(::syscall(SYS_pidfd_open, pid, 0));
  if (pidfd >= 0) {
    auto desc = std::make_shared<asio::posix::stream_descriptor>(thr.ioc, pidfd);
    desc->async_wait(asio::posix::stream_descriptor::wait_read,
                     [desc, reap](const boost::system::error_code& ec) {
                       if (!ec)
                         reap();
                     });
    return;
  }
  auto timer = std::make_shared<asio::steady_timer>(thr.ioc);
  auto poll = std::make_shared<std::function<void()>>();
  *poll = [timer, reap, poll] {
    if (reap()) {
      *poll = nullptr;  // breaks the cycle
      return;
    }
    timer->expires_after(std::chrono::milliseconds(50));
    timer->async_wait([poll](const boost::system::error_code& ec) {
      if (!ec && *poll)
        (*poll)();
    });
  };
  (*poll)();
}

} // namespace

caf::expected<caf::actor> spawn_process(reactor_core& core, process_spec spec,
                                        const caf::actor* factory, const factory_maker* make) {
  if (spec.argv.empty() || spec.argv.front().empty())
    return make_error(errc::spawn_failed, "no program to run");
  auto what = "cannot run '" + spec.argv.front() + "': ";
  // Socket pairs rather than pipes: the child's end of the first is its stdin and stdout, and
  // our ends read and write like any connection.
  int io[2] = {-1, -1};
  int err[2] = {-1, -1};
  if (::socketpair(AF_UNIX, SOCK_STREAM | SOCK_CLOEXEC, 0, io) != 0
      || ::socketpair(AF_UNIX, SOCK_STREAM | SOCK_CLOEXEC, 0, err) != 0) {
    auto why = std::string{std::strerror(errno)};
    for (int fd : {io[0], io[1], err[0], err[1]})
      if (fd >= 0)
        ::close(fd);
    return make_error(errc::spawn_failed, what + why);
  }
  posix_spawn_file_actions_t actions;
  posix_spawn_file_actions_init(&actions);
  posix_spawn_file_actions_adddup2(&actions, io[1], 0);
  posix_spawn_file_actions_adddup2(&actions, io[1], 1);
  posix_spawn_file_actions_adddup2(&actions, err[1], 2);
  if (!spec.path.empty())
    posix_spawn_file_actions_addchdir_np(&actions, spec.path.c_str());
  std::vector<char*> argv;
  for (auto& a : spec.argv)
    argv.push_back(a.data());
  argv.push_back(nullptr);
  std::vector<std::string> env_strings;
  std::vector<char*> envp;
  if (spec.env) {
    for (auto& [k, v] : *spec.env)
      env_strings.push_back(k + "=" + v);
    for (auto& e : env_strings)
      envp.push_back(e.data());
    envp.push_back(nullptr);
  }
  pid_t pid = -1;
  // With a working directory, a relative program name is found before the chdir, as a shell
  // would: posix_spawnp searches PATH, and a name with a slash is taken as it is.
  auto rc = ::posix_spawnp(&pid, argv[0], &actions, nullptr, argv.data(),
                           spec.env ? envp.data() : environ);
  posix_spawn_file_actions_destroy(&actions);
  ::close(io[1]);
  ::close(err[1]);
  if (rc != 0) {
    ::close(io[0]);
    ::close(err[0]);
    return make_error(errc::spawn_failed, what + std::strerror(rc));
  }
  for (int fd : {io[0], err[0]})
    ::fcntl(fd, F_SETFL, ::fcntl(fd, F_GETFL) | O_NONBLOCK);
  spdlog::debug("started process {} ({})", pid, spec.argv.front());
  auto f = core.factory_for(factory, make);
  auto& thr = core.pick_thread();
  thr.post([&core, &thr, f, pid, out = io[0], errfd = err[0]] {
    auto conn = std::make_shared<child_stdio>(thr, out, core.next_connection_id());
    auto err_conn = std::make_shared<child_stderr>(thr, errfd, core.next_connection_id());
    conn->set_stderr(err_conn);
    conn->open();
    err_conn->open();
    watch_child(thr, pid, conn);
    thr.deliver(f, caf::make_message(made_atom::value, transport_ptr{conn}));
  });
  return f;
}

} // namespace ply::detail
