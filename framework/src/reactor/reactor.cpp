#include "ply/reactor.hpp"

#include "trace/trace_hooks.hpp"

#include <algorithm>
#include <csignal>
#include <cstring>
#include <fcntl.h>
#include <spawn.h>
#include <sys/socket.h>
#include <sys/stat.h>
#include <sys/syscall.h>
#include <sys/resource.h>
#include <sys/wait.h>
#include <unistd.h>
#include <future>
#include <mutex>
#include <vector>

#include <caf/actor_system.hpp>
#include <caf/make_message.hpp>
#include <caf/send.hpp>
#include <spdlog/spdlog.h>

#include "protocols/messages.hpp"
#include "protocols/spawn_function.hpp"
#include "reactor/io_thread.hpp"
#include "transports/stream_connection.hpp"
#include "transports/udp_port.hpp"
#include "ply/atoms.hpp"
#include "ply/endpoint.hpp"
#include "ply/error.hpp"
#include "ply/tls.hpp"

namespace ply {

namespace asio = boost::asio;
using detail::io_thread;
using detail::tcp;
using unix_stream = boost::asio::local::stream_protocol;

struct reactor::impl {
  impl(reactor& owner, caf::actor_system& sys, options opts) : self(owner), sys(sys), opts(opts) {
    if (this->opts.threads == 0)
      this->opts.threads = 1;
    for (size_t i = 0; i < this->opts.threads; ++i) {
      threads.emplace_back(std::make_shared<io_thread>(sys, i));
      threads.back()->output_limit = this->opts.output_limit;
    }
    setup_faults();
    fit_open_files();
    control = detail::spawn_function(sys, [this](caf::event_based_actor*) -> caf::behavior {
      return {
        [this](listen_atom, const std::string& ep, caf::actor& f) -> caf::result<uint16_t> {
          auto port = check(listen(ep, &f, nullptr));
          if (!port)
            return port.error();
          return *port;
        },
        [this](connect_atom, const std::string& ep, caf::actor& f) -> caf::result<caf::unit_t> {
          if (auto r = check(connect(ep, &f, nullptr)); !r)
            return r.error();
          return caf::unit;
        },
        [this](count_atom) { return open_connections(); },
        [this](stop_atom, int code) { self.stop(code); },
      };
    });
  }

  ~impl() {
    caf::anon_send_exit(control, caf::exit_reason::user_shutdown);
  }

  /// Injects the configured faults (or those in PLY_FAULTS) into every thread.
  void setup_faults() {
    if (!opts.faults.active()) {
      auto env = fault_plan::from_environment();
      if (!env) {
        spdlog::error("PLY_FAULTS: {}", describe(env.error()));
        setup_failed = true;
        return;
      }
      opts.faults = *env;
    }
    if (!opts.faults.active())
      return;
    spdlog::warn("injecting faults: {}", opts.faults.to_string());
    for (auto& t : threads)
      t->faults.emplace(opts.faults, t->index());
    timer_faults.emplace(opts.faults, threads.size());
  }

  /// Raises the open-file limit to fit `max_connections` (and the process's own files), or lowers
  /// the connection limit to what fits, so that a flood is refused instead of running the
  /// process out of descriptors (a listener that cannot accept, a log that cannot reopen).
  void fit_open_files() {
    constexpr rlim_t reserve = 64;
    rlimit rl{};
    if (::getrlimit(RLIMIT_NOFILE, &rl) != 0)
      return;
    bool chosen = opts.max_connections > 0;
    rlim_t want = chosen ? opts.max_connections + reserve : rl.rlim_max;
    if (rl.rlim_cur < want && rl.rlim_cur != RLIM_INFINITY) {
      auto raised = rl;
      raised.rlim_cur = std::min(want, rl.rlim_max);
      if (::setrlimit(RLIMIT_NOFILE, &raised) == 0)
        rl = raised;
    }
    if (rl.rlim_cur == RLIM_INFINITY || rl.rlim_cur >= want) {
      if (!chosen)
        opts.max_connections = rl.rlim_cur == RLIM_INFINITY ? 0 : rl.rlim_cur - reserve;
      return;
    }
    auto fits = static_cast<size_t>(rl.rlim_cur > 2 * reserve ? rl.rlim_cur - reserve
                                                              : rl.rlim_cur / 2);
    if (chosen)
      spdlog::warn("at most {} connections instead of {}: the open-file limit is {} (ulimit -n)",
                   fits, opts.max_connections, rl.rlim_cur);
    opts.max_connections = fits;
  }

  /// Whether a new connection would exceed `max_connections`; counts and logs the refusal (at most
  /// once a second, with how many were refused meanwhile).
  bool over_limit(const std::string& where) {
    if (opts.max_connections == 0
        || open_connections() + in_flight.load(std::memory_order_relaxed) < opts.max_connections)
      return false;
    auto n = refused.fetch_add(1, std::memory_order_relaxed) + 1;
    auto now = std::chrono::steady_clock::now();
    if (now - last_refusal_log >= std::chrono::seconds(1)) {
      spdlog::warn("refusing connections on {}: {} are open, the limit (--max-connections); {} "
                   "refused so far",
                   where, opts.max_connections, n);
      last_refusal_log = now;
    }
    return true;
  }

  reactor& self;
  caf::actor_system& sys;
  options opts;
  std::optional<fault_injector> timer_faults;  ///< guarded by timer_faults_mtx
  std::mutex timer_faults_mtx;
  std::atomic<size_t> in_flight{0};  ///< accepted, not yet open on their thread
  std::atomic<uint64_t> refused{0};
  std::chrono::steady_clock::time_point last_refusal_log{};  ///< threads[0] only
  /// Shared: a connection posts to its thread through a weak reference, which fails once the
  /// reactor is gone instead of reaching a destroyed `io_context`.
  std::vector<std::shared_ptr<io_thread>> threads;
  std::atomic<size_t> next_thread{0};
  std::atomic<uint64_t> next_connection_id{1};
  std::mutex mtx;  // guards factories and when_running
  std::vector<caf::actor> factories;
  std::vector<std::function<void()>> when_running;
  std::vector<std::function<deferred<void>()>> stop_hooks;  // touched on threads[0] only
  struct extra_signal {
    asio::signal_set set;
    std::function<void()> fn;
  };
  std::vector<std::unique_ptr<extra_signal>> extra_signals;  // touched on threads[0] only

  /// SIGINT and SIGTERM begin a graceful stop (when `opts.handle_signals`), once the loop runs.
  void catch_stop_signals() {
    if (!opts.handle_signals || signals)
      return;
    signals.emplace(main_thread().ioc, SIGINT, SIGTERM);
    signals->async_wait([this](const boost::system::error_code& ec, int sig) {
      if (ec)
        return;
      spdlog::info("received {}, stopping gracefully", sig == SIGINT ? "SIGINT" : "SIGTERM");
      begin_stop(0);
    });
  }

  void arm(extra_signal* sig) {
    sig->set.async_wait([this, sig](const boost::system::error_code& ec, int) {
      if (ec)
        return;
      sig->fn();
      arm(sig);
    });
  }
  /// An open listener on threads[0]: a TCP acceptor, or a Unix one with its socket file.
  struct listener {
    std::unique_ptr<tcp::acceptor> tcp_acceptor;
    std::unique_ptr<unix_stream::acceptor> unix_acceptor;
    std::string path;
    tls_context_ptr tls;  ///< for ssl: endpoints

    uint16_t port() const {
      boost::system::error_code ec;
      return tcp_acceptor && tcp_acceptor->is_open() ? tcp_acceptor->local_endpoint(ec).port() : 0;
    }

    bool close() {
      boost::system::error_code ec;
      if (tcp_acceptor && tcp_acceptor->is_open()) {
        tcp_acceptor->close(ec);
        return true;
      }
      if (unix_acceptor && unix_acceptor->is_open()) {
        unix_acceptor->close(ec);
        ::unlink(path.c_str());
        return true;
      }
      return false;
    }
  };
  std::vector<listener> acceptors;  // touched on threads[0] only
  std::optional<asio::signal_set> signals;
  caf::actor control;
  std::atomic<bool> running{false};
  std::atomic<bool> stopping{false};
  std::atomic<bool> setup_failed{false};
  int exit_code = 0;

  /// Logs a failed listen or connect; before `run` it makes `run` return 2 at once.
  template <class T>
  caf::expected<T> check(caf::expected<T> result) {
    if (!result) {
      spdlog::error("{}", describe(result.error()));
      if (!running)
        setup_failed = true;
    }
    return result;
  }

  io_thread& main_thread() {
    return *threads.front();
  }

  io_thread& pick_thread() {
    return *threads[next_thread.fetch_add(1, std::memory_order_relaxed) % threads.size()];
  }

  caf::actor start_factory(const factory_maker& make) {
    return adopt_factory(make(sys));
  }

  /// Starts a factory actor (its `start_factory` runs before any connection) and stops it with
  /// us; a factory used again (a client reconnecting) is not started twice.
  caf::actor adopt_factory(caf::actor f) {
    std::lock_guard<std::mutex> guard{mtx};
    if (std::find(factories.begin(), factories.end(), f) != factories.end())
      return f;
    caf::anon_send(f, detail::start_atom::value, detail::reactor_ref{&self});
    factories.push_back(f);
    return f;
  }

  /// Hands a connected socket (TCP or Unix) to `factory`, on the thread that owns the socket.
  template <class Socket>
  void new_connection(io_thread& thr, Socket sock, const caf::actor& factory,
                      const tls_context_ptr& tls = nullptr) {
    // The connection keeps only the descriptor: the thread's poller watches it.
    boost::system::error_code ec;
    sock.non_blocking(true, ec);
    auto fd = sock.release(ec);
    if (ec) {
      spdlog::error("cannot take over an accepted socket: {}", ec.message());
      return;
    }
    auto conn = std::make_shared<detail::stream_connection>(
      thr, fd, next_connection_id.fetch_add(1, std::memory_order_relaxed));
    conn->open();
    if (tls)
      conn->start_tls(tls);  // before the protocol sees a byte
    thr.deliver(factory, caf::make_message(detail::made_atom::value, transport_ptr{conn}));
  }

  template <class Acceptor>
  void accept(Acceptor& acc, caf::actor factory, std::string where, tls_context_ptr tls) {
    auto& target = pick_thread();
    acc.async_accept(target.ioc, [this, &acc, &target, factory, where, tls](
                                   const boost::system::error_code& ec,
                                   typename Acceptor::protocol_type::socket sock) mutable {
      if (ec == asio::error::operation_aborted || !acc.is_open())
        return;
      if (ec) {
        // Out of file descriptors and the like: say so, and retry soon rather than spin.
        spdlog::warn("accept on {} failed: {}", where, ec.message());
        auto timer = std::make_shared<asio::steady_timer>(main_thread().ioc,
                                                          std::chrono::milliseconds(100));
        timer->async_wait([this, &acc, factory, where, timer, tls](const boost::system::error_code& tec) {
          if (!tec)
            accept(acc, factory, where, tls);
        });
        return;
      }
      if (over_limit(where)) {
        // Refused cleanly: the peer sees the connection closed; the others go on.
        boost::system::error_code ignored;
        sock.close(ignored);
      } else if (target.in_thread()) {
        new_connection(target, std::move(sock), factory, tls);
      } else {
        in_flight.fetch_add(1, std::memory_order_relaxed);
        asio::post(target.ioc, [this, &target, sock = std::move(sock), factory, tls]() mutable {
          new_connection(target, std::move(sock), factory, tls);
          in_flight.fetch_sub(1, std::memory_order_relaxed);
        });
      }
      accept(acc, std::move(factory), std::move(where), std::move(tls));
    });
  }

  /// Starts accepting on `l` (on threads[0], unless a stop began meanwhile).
  void add_listener(listener l, caf::actor f, std::string where) {
    asio::post(main_thread().ioc, [this, l = std::move(l), f, where]() mutable {
      if (stopping) {
        l.close();
        return;
      }
      acceptors.push_back(std::move(l));
      auto& added = acceptors.back();
      if (added.tcp_acceptor)
        accept(*added.tcp_acceptor, f, where, added.tls);
      else
        accept(*added.unix_acceptor, f, where, added.tls);
    });
  }

  caf::expected<uint16_t> listen(std::string_view text, const caf::actor* factory,
                                 const factory_maker* make) {
    auto ep = parse_server_endpoint(text);
    if (!ep)
      return ep.error();
    int backlog = 1024;
    if (auto i = ep->options.find("backlog"); i != ep->options.end())
      backlog = std::atoi(i->second.c_str());
    if (ep->type == endpoint::kind::unix_socket)
      return listen_unix(*ep, backlog, factory, make);
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
    boost::system::error_code ec;
    auto addr = ep->host.empty() ? asio::ip::address{asio::ip::address_v4::any()}
                                 : asio::ip::make_address(ep->host, ec);
    if (ec)
      return make_error(errc::bad_endpoint, "endpoint '" + std::string{text} + "': bad interface '"
                                              + ep->host + "'");
    auto acc = std::make_unique<tcp::acceptor>(main_thread().ioc);
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
    auto f = factory ? adopt_factory(*factory) : start_factory(*make);
    auto where = address{addr.to_string(), port}.to_string();
    spdlog::info("listening on {}{}", tls ? "ssl:" : "", where);
    listener l;
    l.tcp_acceptor = std::move(acc);
    l.tls = std::move(tls);
    add_listener(std::move(l), f, where);
    return port;
  }

  /// Listens on a Unix socket file: a stale file (nobody accepts on it) is replaced, a live one
  /// refused; `mode=660` sets its permissions. Returns port 0.
  caf::expected<uint16_t> listen_unix(const endpoint& ep, int backlog, const caf::actor* factory,
                                      const factory_maker* make) {
    auto what = "cannot listen on " + ep.path + ": ";
    struct stat st{};
    if (::lstat(ep.path.c_str(), &st) == 0) {
      if (!S_ISSOCK(st.st_mode))
        return make_error(errc::listen_failed, what + "the path exists and is not a socket");
      boost::system::error_code probe_ec;
      unix_stream::socket probe{main_thread().ioc};
      probe.connect(unix_stream::endpoint{ep.path}, probe_ec);
      if (!probe_ec)
        return make_error(errc::listen_failed, what + "another process listens there");
      ::unlink(ep.path.c_str());
      spdlog::info("replaced the stale socket file {}", ep.path);
    }
    boost::system::error_code ec;
    auto acc = std::make_unique<unix_stream::acceptor>(main_thread().ioc);
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
    auto f = factory ? adopt_factory(*factory) : start_factory(*make);
    spdlog::info("listening on {}", ep.path);
    listener l;
    l.unix_acceptor = std::move(acc);
    l.path = ep.path;
    add_listener(std::move(l), f, ep.path);
    return uint16_t{0};
  }

  caf::expected<caf::actor> connect(std::string_view text, const caf::actor* factory,
                                    const factory_maker* make) {
    auto ep = parse_client_endpoint(text);
    if (!ep)
      return ep.error();
    tls_context_ptr tls;
    if (ep->type == endpoint::kind::ssl) {
      auto ctx = tls_context::client(ep->option("ca"), ep->option("verify") != "no", ep->host);
      if (!ctx)
        return ctx.error();
      tls = std::move(*ctx);
    }
    if (ep->type == endpoint::kind::udp)
      return make_error(errc::bad_endpoint, "endpoint '" + std::string{text}
                                              + "': UDP is not a stream: use listen_udp");
    auto timeout = std::chrono::seconds(30);
    if (auto i = ep->options.find("timeout"); i != ep->options.end())
      timeout = std::chrono::seconds(std::stoi(i->second));
    auto f = factory ? adopt_factory(*factory) : start_factory(*make);
    auto& thr = pick_thread();
    asio::post(thr.ioc, [this, &thr, ep = *ep, f, timeout, tls] {
      if (ep.type == endpoint::kind::unix_socket)
        start_connect_unix(thr, ep.path, f);
      else
        start_connect(thr, ep, f, timeout, tls);
    });
    return f;
  }

  /// Tells a client factory that its connection attempt failed.
  void connect_failed(const caf::actor& f, const std::string& target, errc code,
                      const std::string& why) {
    spdlog::info("connection to {} failed: {}", target, why);
    caf::anon_send(f, detail::failed_atom::value, make_error(code, why + ": " + target));
  }

  void start_connect_unix(io_thread& thr, const std::string& path, caf::actor f) {
    auto sock = std::make_shared<unix_stream::socket>(thr.ioc);
    sock->async_connect(unix_stream::endpoint{path},
                        [this, &thr, sock, f, path](const boost::system::error_code& ec) {
                          if (ec == asio::error::connection_refused
                              || ec == boost::system::errc::no_such_file_or_directory)
                            connect_failed(f, path, errc::connection_refused, "connection refused");
                          else if (ec)
                            connect_failed(f, path, errc::connect_failed, ec.message());
                          else
                            new_connection(thr, std::move(*sock), f);
                        });
  }

  void start_connect(io_thread& thr, const endpoint& ep, caf::actor f,
                     std::chrono::seconds timeout, tls_context_ptr tls) {
    struct attempt {
      attempt(asio::io_context& ioc) : resolver(ioc), sock(ioc), timer(ioc) {
      }
      tcp::resolver resolver;
      tcp::socket sock;
      asio::steady_timer timer;
      bool timed_out = false;
    };
    auto at = std::make_shared<attempt>(thr.ioc);
    auto target = address{ep.host, ep.port}.to_string();
    auto failed = [this, f, target](errc code, const std::string& why) {
      connect_failed(f, target, code, why);
    };
    at->timer.expires_after(timeout);
    at->timer.async_wait([at](const boost::system::error_code& ec) {
      if (ec)
        return;
      at->timed_out = true;
      at->resolver.cancel();
      boost::system::error_code ignored;
      at->sock.close(ignored);
    });
    at->resolver.async_resolve(
      ep.host, std::to_string(ep.port),
      [this, &thr, at, f, failed, tls](const boost::system::error_code& ec,
                                       tcp::resolver::results_type results) {
        if (ec) {
          at->timer.cancel();
          failed(at->timed_out ? errc::timeout : errc::connect_failed,
                 at->timed_out ? "connection timed out" : "cannot resolve host (" + ec.message() + ")");
          return;
        }
        asio::async_connect(at->sock, results,
                            [this, &thr, at, f, failed, tls](const boost::system::error_code& cec,
                                                             const tcp::endpoint&) {
                              at->timer.cancel();
                              if (at->timed_out)
                                failed(errc::timeout, "connection timed out");
                              else if (cec == asio::error::connection_refused)
                                failed(errc::connection_refused, "connection refused");
                              else if (cec)
                                failed(errc::connect_failed, cec.message());
                              else
                                new_connection(thr, std::move(at->sock), f, tls);
                            });
      });
  }

  caf::expected<caf::actor> spawn_process(process_spec spec, const caf::actor* factory,
                                          const factory_maker* make) {
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
    auto f = factory ? adopt_factory(*factory) : start_factory(*make);
    auto& thr = pick_thread();
    asio::post(thr.ioc, [this, &thr, f, pid, out = io[0], errfd = err[0]] {
      auto conn = std::make_shared<detail::stream_connection>(
        thr, out, next_connection_id.fetch_add(1, std::memory_order_relaxed));
      auto err_conn = std::make_shared<detail::stream_connection>(
        thr, errfd, next_connection_id.fetch_add(1, std::memory_order_relaxed));
      conn->set_stderr(err_conn);
      conn->open();
      err_conn->open();
      watch_child(thr, pid, conn);
      thr.deliver(f, caf::make_message(detail::made_atom::value, transport_ptr{conn}));
    });
    return f;
  }

  /// Reaps `pid` when it ends and tells its connection: through a pidfd watched by the thread's
  /// io_context, or by polling where pidfds are not available.
  void watch_child(io_thread& thr, pid_t pid, std::shared_ptr<detail::stream_connection> conn) {
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

  std::mutex udp_mtx;
  std::vector<std::shared_ptr<detail::udp_port>> udp_ports;

  caf::expected<uint16_t> listen_udp(std::string_view text, const datagram_maker& make) {
    auto ep = parse_server_endpoint(text);
    if (!ep)
      return ep.error();
    if (ep->type != endpoint::kind::udp)
      return make_error(errc::bad_endpoint,
                        "endpoint '" + std::string{text} + "': listen_udp wants udp:PORT");
    boost::system::error_code ec;
    auto addr = ep->host.empty() ? asio::ip::address{asio::ip::address_v4::any()}
                                 : asio::ip::make_address(ep->host, ec);
    if (ec)
      return make_error(errc::bad_endpoint, "endpoint '" + std::string{text}
                                              + "': bad interface '" + ep->host + "'");
    auto& thr = pick_thread();
    asio::ip::udp::socket sock{thr.ioc};
    asio::ip::udp::endpoint bind_ep{addr, ep->port};
    auto what = "cannot bind UDP " + address{addr.to_string(), ep->port}.to_string() + ": ";
    if (sock.open(bind_ep.protocol(), ec); ec)
      return make_error(errc::listen_failed, what + ec.message());
    if (sock.bind(bind_ep, ec); ec)
      return make_error(errc::listen_failed, what + ec.message());
    auto port = std::make_shared<detail::udp_port>(thr, std::move(sock));
    {
      std::lock_guard<std::mutex> guard{udp_mtx};
      udp_ports.push_back(port);
    }
    port->start(make(sys));
    spdlog::info("listening on udp:{}", address{addr.to_string(), port->port()}.to_string());
    return port->port();
  }

  void close_udp() {
    std::lock_guard<std::mutex> guard{udp_mtx};
    for (auto& p : udp_ports)
      p->close();
    udp_ports.clear();
  }

  size_t open_connections() const {
    size_t n = 0;
    for (auto& t : threads)
      n += t->open_count.load(std::memory_order_relaxed);
    return n;
  }

  /// Runs `fn` on every open connection, on the thread that owns it.
  template <class F>
  void for_each_connection(F fn) {
    for (auto& t : threads)
      asio::post(t->ioc, [&t = *t, fn] {
        // A snapshot: closing a connection removes it from the map.
        std::vector<std::shared_ptr<detail::stream_connection>> conns;
        for (auto& kvp : t.connections)
          conns.push_back(kvp.second);
        for (auto& c : conns)
          fn(*c);
      });
  }

  // -- graceful stop: listeners, then connections, then factories, then threads --

  void begin_stop(int code) {
    if (stopping.exchange(true))
      return;
    exit_code = code;
    run_stop_hooks(stop_hooks.size());
  }

  /// Runs the stop hooks from the last registered to the first, each after the previous one's
  /// deferred fired (or its time ran out), then closes listeners and connections.
  void run_stop_hooks(size_t left) {
    if (left == 0) {
      stop_network();
      return;
    }
    auto& hook = stop_hooks[left - 1];
    auto next = [this, left](outcome<void> o) {
      if (!o.ok())
        spdlog::warn("a stop hook failed: {}", o.error().message());
      run_stop_hooks(left - 1);
    };
    try {
      auto d = hook();
      d.add_timeout(self, opts.stop_timeout).add_both(next);
    } catch (...) {
      next(outcome<void>{failure::current()});
    }
  }

  void stop_network() {
    if (setup_failed)
      spdlog::debug("stopping after a failed setup");
    else
      spdlog::info("stopping: closing {} listener(s) and {} connection(s)", acceptors.size(),
                   open_connections());
    boost::system::error_code ignored;
    for (auto& l : acceptors)
      l.close();
    if (signals)
      signals->cancel(ignored);
    for (auto& sig : extra_signals)
      sig->set.cancel(ignored);
    close_udp();
    for_each_connection([](detail::stream_connection& c) { c.lose_connection(); });
    auto deadline = std::chrono::steady_clock::now() + opts.stop_timeout;
    wait_until([this] { return open_connections() == 0; }, deadline, [this, deadline] {
      if (auto n = open_connections(); n > 0) {
        spdlog::warn("stopping: aborting {} connection(s) that did not flush in time", n);
        for_each_connection([](detail::stream_connection& c) { c.abort_connection(); });
      }
      stop_factories(deadline);
    });
  }

  void stop_factories(std::chrono::steady_clock::time_point deadline) {
    std::vector<caf::actor> fs;
    {
      std::lock_guard<std::mutex> guard{mtx};
      fs.swap(factories);
    }
    auto remaining = std::make_shared<std::atomic<size_t>>(fs.size());
    for (auto& f : fs) {
      f->attach_functor([remaining] { remaining->fetch_sub(1); });
      caf::anon_send(f, detail::stop_atom::value);
    }
    // Give the factories (and protocol actors still finishing) a moment of their own.
    auto factory_deadline = std::max(deadline, std::chrono::steady_clock::now()
                                                 + std::chrono::milliseconds(500));
    wait_until([remaining] { return remaining->load() == 0; }, factory_deadline, [this] {
      caf::anon_send_exit(control, caf::exit_reason::normal);
      for (auto& t : threads)
        t->reject_jobs();
      for (auto& t : threads)
        asio::post(t->ioc, [&t = *t] { t.ioc.stop(); });
    });
  }

  /// Closes the listeners matching `pred` (on threads[0]); whether there was one.
  template <class Pred>
  bool close_listeners(Pred pred) {
    std::promise<bool> found;
    auto fut = found.get_future();
    auto work = [this, pred, &found] {
      bool any = false;
      for (auto& l : acceptors)
        if (pred(l) && l.close())
          any = true;
      found.set_value(any);
    };
    if (main_thread().in_thread() || !running)
      work();
    else
      asio::post(main_thread().ioc, work);
    return fut.get();
  }

  template <class Pred, class Then>
  void wait_until(Pred done, std::chrono::steady_clock::time_point deadline, Then then) {
    if (done() || std::chrono::steady_clock::now() >= deadline) {
      then();
      return;
    }
    auto timer = std::make_shared<asio::steady_timer>(main_thread().ioc,
                                                      std::chrono::milliseconds(5));
    timer->async_wait([this, timer, done, deadline, then](const boost::system::error_code&) {
      wait_until(done, deadline, then);
    });
  }
};

reactor::reactor(caf::actor_system& sys) : reactor(sys, options{}) {
  // nop
}

reactor::reactor(caf::actor_system& sys, options opts)
  : impl_(std::make_unique<impl>(*this, sys, opts)) {
  // Caught from now on, not from `run`: a SIGTERM sent as soon as a program said it listens
  // waits for the loop and stops it gracefully, instead of killing the process.
  impl_->catch_stop_signals();
}

reactor::~reactor() = default;

caf::actor_system& reactor::system() {
  return impl_->sys;
}

caf::expected<uint16_t> reactor::listen(std::string_view endpoint, factory_maker make) {
  return impl_->check(impl_->listen(endpoint, nullptr, &make));
}

caf::expected<uint16_t> reactor::listen(std::string_view endpoint, caf::actor factory) {
  return impl_->check(impl_->listen(endpoint, &factory, nullptr));
}

caf::expected<uint16_t> reactor::listen_udp(std::string_view endpoint, datagram_maker make) {
  return impl_->check(impl_->listen_udp(endpoint, make));
}

caf::expected<caf::actor> reactor::connect(std::string_view endpoint, factory_maker make) {
  return impl_->check(impl_->connect(endpoint, nullptr, &make));
}

caf::expected<caf::actor> reactor::connect(std::string_view endpoint, caf::actor factory) {
  return impl_->check(impl_->connect(endpoint, &factory, nullptr));
}

caf::expected<caf::actor> reactor::spawn_process(process_spec spec, factory_maker make) {
  return impl_->check(impl_->spawn_process(std::move(spec), nullptr, &make));
}

caf::expected<caf::actor> reactor::spawn_process(process_spec spec, caf::actor factory) {
  return impl_->check(impl_->spawn_process(std::move(spec), &factory, nullptr));
}

void reactor::add_stop_hook(std::function<deferred<void>()> hook) {
  auto* d = impl_.get();
  if (d->running) {
    asio::post(d->main_thread().ioc, [d, hook = std::move(hook)] { d->stop_hooks.push_back(hook); });
    return;
  }
  d->stop_hooks.push_back(std::move(hook));
}

void reactor::on_signal(int signo, std::function<void()> fn) {
  auto* d = impl_.get();
  auto sig = std::unique_ptr<impl::extra_signal>(
    new impl::extra_signal{asio::signal_set{d->main_thread().ioc, signo}, std::move(fn)});
  d->arm(sig.get());
  d->extra_signals.push_back(std::move(sig));
}

bool reactor::stop_listening(uint16_t port) {
  return impl_->close_listeners([port](impl::listener& l) { return l.port() == port; });
}

bool reactor::stop_listening(std::string_view unix_path) {
  return impl_->close_listeners([unix_path](impl::listener& l) {
    return l.unix_acceptor && l.path == unix_path;
  });
}

caf::actor reactor::control() const {
  return impl_->control;
}

void reactor::call_from_thread(std::function<void()> fn) {
  // Posting is thread-safe; before run the io_context holds it until run starts.
  asio::post(impl_->main_thread().ioc, std::move(fn));
}

void reactor::call_when_running(std::function<void()> fn) {
  if (impl_->running) {
    asio::post(impl_->main_thread().ioc, std::move(fn));
    return;
  }
  std::lock_guard<std::mutex> guard{impl_->mtx};
  impl_->when_running.push_back(std::move(fn));
}

time_point reactor::now() const {
  return std::chrono::steady_clock::now();
}

delayed_call reactor::call_later(duration delay, std::function<void()> fn) {
  auto st = std::make_shared<detail::call_state>(std::move(fn));
  if (impl_->timer_faults) {
    std::lock_guard<std::mutex> guard{impl_->timer_faults_mtx};
    delay += impl_->timer_faults->timer_delay();
  }
  auto timer = std::make_shared<asio::steady_timer>(impl_->main_thread().ioc, delay);
  // A wait dropped unrun (the reactor went away first) cancels its call, which releases what the
  // function holds: a deferred's timeout holds its chain, for instance.
  struct cancel_if_dropped {
    explicit cancel_if_dropped(std::shared_ptr<detail::call_state> s) : st(std::move(s)) {
    }
    cancel_if_dropped(const cancel_if_dropped&) = delete;
    cancel_if_dropped& operator=(const cancel_if_dropped&) = delete;
    ~cancel_if_dropped() {
      st->cancel();  // no-op once the call fired or was cancelled
    }
    std::shared_ptr<detail::call_state> st;
  };
  auto guard = std::make_shared<cancel_if_dropped>(st);
  // Weak: a handle may outlive the reactor; the pending wait owns the timer. Set before the wait
  // starts: the timer may fire on the reactor thread at once, and firing clears it.
  st->on_cancel = [weak = std::weak_ptr<asio::steady_timer>{timer}] {
    if (auto t = weak.lock())
      asio::post(t->get_executor(), [t] { t->cancel(); });
  };
  timer->async_wait([guard, timer](const boost::system::error_code& ec) {
    if (ec)
      return;
    // What the call does is caused by the timer.
    auto id = trace::record("timer", "");
    auto outer = trace::detail::exchange_current(id);
    guard->st->fire();
    trace::detail::exchange_current(outer);
  });
  return delayed_call{st};
}

int reactor::run() {
  auto& d = *impl_;
  auto& main = d.main_thread();
  if (d.setup_failed) {
    // The failure itself was logged where it happened: one line, as promised.
    spdlog::debug("setup failed, not starting");
    d.exit_code = 2;
    d.begin_stop(2);
  }
  d.catch_stop_signals();  // again, for a reactor run a second time
  {
    std::lock_guard<std::mutex> guard{d.mtx};
    for (auto& fn : d.when_running)
      asio::post(main.ioc, std::move(fn));
    d.when_running.clear();
  }
  d.running = true;
  for (size_t i = 1; i < d.threads.size(); ++i)
    d.threads[i]->start_thread();
  main.run();
  for (size_t i = 1; i < d.threads.size(); ++i)
    d.threads[i]->stop();
  main.stop();
  d.running = false;
  d.signals.reset();
  d.extra_signals.clear();
  d.acceptors.clear();
  return d.exit_code;
}

void reactor::stop(int exit_code) {
  auto* d = impl_.get();
  asio::post(d->main_thread().ioc, [d, exit_code] { d->begin_stop(exit_code); });
}

bool reactor::running() const {
  return impl_->running && !impl_->stopping;
}

size_t reactor::max_connections() const {
  return impl_->opts.max_connections;
}

uint64_t reactor::refused_connections() const {
  return impl_->refused.load(std::memory_order_relaxed);
}

size_t reactor::connection_count() const {
  return impl_->open_connections();
}

size_t reactor::queued_output() const {
  int64_t total = 0;
  for (auto& t : impl_->threads)
    total += t->output_bytes.load(std::memory_order_relaxed);
  return total > 0 ? static_cast<size_t>(total) : 0;
}

} // namespace ply
