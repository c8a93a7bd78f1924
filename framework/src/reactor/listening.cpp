// SPDX-License-Identifier: MIT
#include "reactor/listening.hpp"

#include <cstdlib>
#include <cstring>
#include <fcntl.h>
#include <future>
#include <netinet/in.h>
#include <sys/socket.h>
#include <sys/stat.h>
#include <sys/un.h>
#include <unistd.h>

#include <spdlog/spdlog.h>

#include "reactor/reactor_core.hpp"
#include "ply/address.hpp"
#include "ply/error.hpp"

namespace ply::detail {

uint16_t listeners::listener::port() const {
  boost::system::error_code ec;
  return tcp_acceptor && tcp_acceptor->is_open() ? tcp_acceptor->local_endpoint(ec).port() : 0;
}

bool listeners::listener::close() {
  boost::system::error_code ec;
  if (tcp_acceptor && tcp_acceptor->is_open()) {
    tcp_acceptor->close(ec);
    return true;
  }
  if (unix_acceptor && unix_acceptor->is_open()) {
    unix_acceptor->close(ec);
    if (owns_path)
      ::unlink(path.c_str());
    return true;
  }
  return false;
}

listeners::listeners(reactor_core& core) : core_(core) {
  // nop
}

caf::expected<uint16_t> listeners::listen(std::string_view text, const caf::actor* factory,
                                          const factory_maker* make) {
  auto ep = parse_server_endpoint(text);
  if (!ep)
    return ep.error();
  int backlog = 1024;
  if (auto i = ep->options.find("backlog"); i != ep->options.end())
    backlog = std::atoi(i->second.c_str());
  if (ep->type == endpoint::kind::unix_socket)
    return listen_unix(*ep, backlog, factory, make);
  if (ep->type == endpoint::kind::systemd)
    return listen_systemd(*ep, text, factory, make);
  if (ep->type == endpoint::kind::udp)
    return make_error(errc::bad_endpoint, "endpoint '" + std::string{text}
                                            + "': UDP is not a stream: use listen_udp");
  tls_context_ptr tls;
  if (ep->type == endpoint::kind::ssl) {
    auto ctx = tls_context::server(ep->option("cert"), ep->option("key"));
    if (!ctx) {
      auto why = describe(ctx.error());
      return make_error(errc::listen_failed, "endpoint '" + std::string{text} + "': " + why);
    }
    tls = std::move(*ctx);
  }
  auto bind_addr = interface_address(*ep, text);
  if (!bind_addr)
    return bind_addr.error();
  auto addr = *bind_addr;
  boost::system::error_code ec;
  auto acc = std::make_unique<tcp::acceptor>(core_.main_thread().ioc);
  tcp::endpoint bind_ep{addr, ep->port};
  auto what = "cannot listen on " + address{addr.to_string(), ep->port}.to_string() + ": ";
  if (acc->open(bind_ep.protocol(), ec); ec)
    return make_error(errc::listen_failed, what + ec.message());
  acc->set_option(tcp::acceptor::reuse_address(true), ec);
  if (acc->bind(bind_ep, ec); ec)
    return make_error(errc::listen_failed, what + ec.message());
  if (acc->listen(backlog, ec); ec)
    return make_error(errc::listen_failed, what + ec.message());
  auto port = acc->local_endpoint().port();
  auto f = core_.factory_for(factory, make);
  auto where = address{addr.to_string(), port}.to_string();
  spdlog::info("listening on {}{}", tls ? "ssl:" : "", where);
  listener l;
  l.tcp_acceptor = std::move(acc);
  l.tls = std::move(tls);
  add(std::move(l), f, where);
  return port;
}

/// Listens on a Unix socket file: a stale file (nobody accepts on it) is replaced, a live one
/// refused; `mode=660` sets its permissions. Returns port 0.
caf::expected<uint16_t> listeners::listen_unix(const endpoint& ep, int backlog,
                                               const caf::actor* factory,
                                               const factory_maker* make) {
  auto what = "cannot listen on " + ep.path + ": ";
  struct stat st{};
  if (::lstat(ep.path.c_str(), &st) == 0) {
    if (!S_ISSOCK(st.st_mode))
      return make_error(errc::listen_failed, what + "the path exists and is not a socket");
    boost::system::error_code probe_ec;
    unix_stream::socket probe{core_.main_thread().ioc};
    probe.connect(unix_stream::endpoint{ep.path}, probe_ec);
    if (!probe_ec)
      return make_error(errc::listen_failed, what + "another process listens there");
    ::unlink(ep.path.c_str());
    spdlog::info("replaced the stale socket file {}", ep.path);
  }
  boost::system::error_code ec;
  auto acc = std::make_unique<unix_stream::acceptor>(core_.main_thread().ioc);
  if (acc->open(unix_stream{}, ec); ec)
    return make_error(errc::listen_failed, what + ec.message());
  if (acc->bind(unix_stream::endpoint{ep.path}, ec); ec)
    return make_error(errc::listen_failed, what + ec.message());
  if (acc->listen(backlog, ec); ec)
    return make_error(errc::listen_failed, what + ec.message());
  if (auto i = ep.options.find("mode"); i != ep.options.end()) {
    char* end = nullptr;
    auto mode = std::strtol(i->second.c_str(), &end, 8);
    if (end == i->second.c_str() || *end != '\0' || ::chmod(ep.path.c_str(), mode) != 0)
      return make_error(errc::listen_failed, what + "cannot set mode '" + i->second + "'");
  }
  auto f = core_.factory_for(factory, make);
  spdlog::info("listening on {}", ep.path);
  listener l;
  l.unix_acceptor = std::move(acc);
  l.path = ep.path;
  add(std::move(l), f, ep.path);
  return uint16_t{0};
}

caf::expected<uint16_t> listeners::listen_systemd(const endpoint& ep, std::string_view text,
                                                  const caf::actor* factory,
                                                  const factory_maker* make) {
  // sd_listen_fds(3): the sockets are descriptors 3, 4, ... when LISTEN_PID names this process.
  auto what = "endpoint '" + std::string{text} + "': ";
  auto* pid = std::getenv("LISTEN_PID");
  auto* fds = std::getenv("LISTEN_FDS");
  if (!pid || !fds || std::atol(pid) != static_cast<long>(::getpid()))
    return make_error(errc::listen_failed, what + "systemd passed no sockets to this process "
                                                  "(LISTEN_FDS and LISTEN_PID are not set for it)");
  auto count = std::atoi(fds);
  if (ep.index >= count)
    return make_error(errc::listen_failed, what + "systemd passed " + std::to_string(count)
                                             + " socket(s); there is no index "
                                             + std::to_string(ep.index));
  // Each passed socket serves one listener: once closed, its descriptor number may be reused.
  if (!systemd_taken_.insert(ep.index).second)
    return make_error(errc::listen_failed, what + "socket " + std::to_string(ep.index)
                                             + " from systemd is already in use");
  int fd = 3 + ep.index;
  sockaddr_storage sa{};
  socklen_t len = sizeof(sa);
  if (::getsockname(fd, reinterpret_cast<sockaddr*>(&sa), &len) != 0) {
    auto why = std::string{std::strerror(errno)};
    return make_error(errc::listen_failed, what + "descriptor " + std::to_string(fd) + ": " + why);
  }
  int want = ep.domain == "UNIX" ? AF_UNIX : ep.domain == "INET6" ? AF_INET6 : AF_INET;
  if (sa.ss_family != want)
    return make_error(errc::listen_failed, what + "socket " + std::to_string(ep.index)
                                             + " is not in domain " + ep.domain);
  return adopt(fd, "from systemd", factory, make);
}

caf::expected<uint16_t> listeners::adopt(int fd, std::string_view how, const caf::actor* factory,
                                         const factory_maker* make) {
  auto what = "cannot serve on descriptor " + std::to_string(fd) + ": ";
  sockaddr_storage sa{};
  socklen_t len = sizeof(sa);
  int type = 0, listening = 0;
  socklen_t optlen = sizeof(int);
  if (::getsockname(fd, reinterpret_cast<sockaddr*>(&sa), &len) != 0
      || ::getsockopt(fd, SOL_SOCKET, SO_TYPE, &type, &optlen) != 0
      || ::getsockopt(fd, SOL_SOCKET, SO_ACCEPTCONN, &listening, &optlen) != 0) {
    auto why = std::string{std::strerror(errno)};
    return make_error(errc::listen_failed, what + why);
  }
  if (type != SOCK_STREAM || !listening)
    return make_error(errc::listen_failed, what + "not a listening stream socket");
  ::fcntl(fd, F_SETFD, FD_CLOEXEC);  // not passed on to the programs we start
  boost::system::error_code ec;
  listener l;
  l.owns_path = false;
  std::string where;
  uint16_t port = 0;
  if (sa.ss_family == AF_INET || sa.ss_family == AF_INET6) {
    auto acc = std::make_unique<tcp::acceptor>(core_.main_thread().ioc);
    if (acc->assign(sa.ss_family == AF_INET ? tcp::v4() : tcp::v6(), fd, ec); ec)
      return make_error(errc::listen_failed, what + ec.message());
    auto local = acc->local_endpoint(ec);
    port = local.port();
    where = address{local.address().to_string(), port}.to_string();
    l.tcp_acceptor = std::move(acc);
  } else if (sa.ss_family == AF_UNIX) {
    auto acc = std::make_unique<unix_stream::acceptor>(core_.main_thread().ioc);
    if (acc->assign(unix_stream{}, fd, ec); ec)
      return make_error(errc::listen_failed, what + ec.message());
    where = acc->local_endpoint(ec).path();
    l.path = where;
    l.unix_acceptor = std::move(acc);
  } else {
    return make_error(errc::listen_failed, what + "neither TCP nor a Unix socket");
  }
  auto f = core_.factory_for(factory, make);
  spdlog::info("listening on {} ({})", where, how);
  add(std::move(l), f, where);
  return port;
}

/// Starts accepting on `l` (on thread 0, unless a stop began meanwhile).
void listeners::add(listener l, caf::actor f, std::string where) {
  core_.main_thread().post([this, l = std::move(l), f, where]() mutable {
    if (core_.stopping) {
      l.close();
      return;
    }
    open_.push_back(std::move(l));
    auto& added = open_.back();
    if (added.tcp_acceptor)
      accept(*added.tcp_acceptor, f, where, added.tls);
    else
      accept(*added.unix_acceptor, f, where, added.tls);
  });
}

template <class Acceptor>
void listeners::accept(Acceptor& acc, caf::actor factory, std::string where,
                       tls_context_ptr tls) {
  auto& target = core_.pick_thread();
  acc.async_accept(target.ioc, [this, &acc, &target, factory, where, tls](
                                 const boost::system::error_code& ec,
                                 typename Acceptor::protocol_type::socket sock) mutable {
    if (ec == asio::error::operation_aborted || !acc.is_open())
      return;
    if (ec) {
      // Out of file descriptors and the like: say so, and retry soon rather than spin.
      spdlog::warn("accept on {} failed: {}", where, ec.message());
      auto timer = std::make_shared<asio::steady_timer>(core_.main_thread().ioc,
                                                        std::chrono::milliseconds(100));
      timer->async_wait(
        [this, &acc, factory, where, timer, tls](const boost::system::error_code& tec) {
          if (!tec)
            accept(acc, factory, where, tls);
        });
      return;
    }
    if (core_.over_limit(where)) {
      // Refused cleanly: the peer sees the connection closed; the others go on.
      boost::system::error_code ignored;
      sock.close(ignored);
    } else if (target.in_thread()) {
      core_.new_connection(target, std::move(sock), factory, tls);
    } else {
      core_.in_flight.fetch_add(1, std::memory_order_relaxed);
      target.post([this, &target, sock = std::move(sock), factory, tls]() mutable {
        core_.new_connection(target, std::move(sock), factory, tls);
        core_.in_flight.fetch_sub(1, std::memory_order_relaxed);
      });
    }
    accept(acc, std::move(factory), std::move(where), std::move(tls));
  });
}

bool listeners::close_port(uint16_t port) {
  return close_matching([port](listener& l) { return l.port() == port; });
}

bool listeners::close_path(std::string_view path) {
  return close_matching([path](listener& l) { return l.unix_acceptor && l.path == path; });
}

/// Closes the listeners matching `pred` on thread 0, waiting for it there unless the reactor
/// does not run (or this is thread 0).
bool listeners::close_matching(std::function<bool(listener&)> pred) {
  std::promise<bool> found;
  auto fut = found.get_future();
  auto work = [this, &pred, &found] {
    bool any = false;
    for (auto& l : open_)
      if (pred(l) && l.close())
        any = true;
    found.set_value(any);
  };
  if (core_.main_thread().in_thread() || !core_.running)
    work();
  else
    core_.main_thread().post(work);
  return fut.get();
}

void listeners::close_all() {
  for (auto& l : open_)
    l.close();
}

void listeners::clear() {
  open_.clear();
}

} // namespace ply::detail
