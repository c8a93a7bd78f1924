// SPDX-License-Identifier: MIT
// ply-loadgen: a closed-loop load generator for echo servers (used by tools/bench/*.sh).
//   echo mode: N connections each send a message, wait for all of it to come back, and repeat;
//              prints msgs/s and latency percentiles as one JSON line.
//   idle mode: opens N connections, checks each with one echoed byte (or the server's first line,
//              --greeting), then holds them.
//   accept mode: N loops each connect, check the connection with one echoed byte and close it
//              (with a reset, so no TIME_WAIT piles up), again and again; prints connections/s.
#include <algorithm>
#include <chrono>
#include <cstdio>
#include <functional>
#include <iostream>
#include <memory>
#include <optional>
#include <string>
#include <vector>

#include <CLI/CLI.hpp>
#include <ply/version.hpp>

#include <utility>
#include <boost/asio.hpp>

namespace asio = boost::asio;
using tcp = asio::ip::tcp;
using clock_type = std::chrono::steady_clock;

namespace {

struct stats {
  bool measuring = false;
  size_t messages = 0;
  std::vector<uint32_t> latencies_us;
  size_t errors = 0;
};

class session : public std::enable_shared_from_this<session> {
public:
  session(asio::io_context& ioc, size_t size, stats& st)
    : sock_(ioc), out_(size, 'x'), in_(size, '\0'), st_(st) {
  }

  void start(const tcp::endpoint& ep) {
    sock_.async_connect(ep, [self = shared_from_this()](const boost::system::error_code& ec) {
      if (ec) {
        ++self->st_.errors;
        return;
      }
      self->sock_.set_option(tcp::no_delay(true));
      self->send();
    });
  }

  void stop() {
    boost::system::error_code ignored;
    sock_.close(ignored);
  }

private:
  void send() {
    sent_at_ = clock_type::now();
    asio::async_write(sock_, asio::buffer(out_),
                      [self = shared_from_this()](const boost::system::error_code& ec, size_t) {
                        if (ec)
                          return self->fail();
                        self->receive();
                      });
  }

  void receive() {
    asio::async_read(sock_, asio::buffer(in_),
                     [self = shared_from_this()](const boost::system::error_code& ec, size_t) {
                       if (ec)
                         return self->fail();
                       auto& st = self->st_;
                       if (st.measuring) {
                         ++st.messages;
                         auto us = std::chrono::duration_cast<std::chrono::microseconds>(
                           clock_type::now() - self->sent_at_);
                         st.latencies_us.push_back(static_cast<uint32_t>(us.count()));
                       }
                       self->send();
                     });
  }

  void fail() {
    ++st_.errors;
  }

  tcp::socket sock_;
  std::string out_;
  std::string in_;
  stats& st_;
  clock_type::time_point sent_at_;
};

/// Runs `ioc` for `warmup` seconds, then for `duration` seconds with `st.measuring` set, then
/// calls `stop` and stops `ioc`; returns the seconds measured.
double run_measured(asio::io_context& ioc, stats& st, double warmup, double duration,
                    const std::function<void()>& stop) {
  auto seconds = [](double s) {
    return std::chrono::duration_cast<clock_type::duration>(std::chrono::duration<double>(s));
  };
  asio::steady_timer timer{ioc};
  clock_type::time_point begin;
  timer.expires_after(seconds(warmup));
  timer.async_wait([&](const boost::system::error_code&) {
    st.measuring = true;
    begin = clock_type::now();
    timer.expires_after(seconds(duration));
    timer.async_wait([&](const boost::system::error_code&) {
      st.measuring = false;
      stop();
      ioc.stop();
    });
  });
  ioc.run();
  return std::chrono::duration<double>(clock_type::now() - begin).count();
}

int run_echo(const tcp::endpoint& ep, size_t conns, size_t size, double warmup, double duration) {
  asio::io_context ioc{1};
  stats st;
  std::vector<std::shared_ptr<session>> sessions;
  for (size_t i = 0; i < conns; ++i) {
    sessions.push_back(std::make_shared<session>(ioc, size, st));
    sessions.back()->start(ep);
  }
  double secs = run_measured(ioc, st, warmup, duration, [&] {
    for (auto& s : sessions)
      s->stop();
  });
  auto& lat = st.latencies_us;
  std::sort(lat.begin(), lat.end());
  auto pct = [&](double p) -> double {
    if (lat.empty())
      return 0;
    return lat[std::min(lat.size() - 1, static_cast<size_t>(p * lat.size()))];
  };
  std::printf("{\"connections\": %zu, \"size\": %zu, \"msgs_per_s\": %.0f, \"p50_us\": %.0f, "
              "\"p99_us\": %.0f, \"errors\": %zu}\n",
              conns, size, st.messages / secs, pct(0.50), pct(0.99), st.errors);
  return st.errors == 0 ? 0 : 1;
}

/// One loop of accept mode: connect, one byte there and back, close, repeat.
class churner : public std::enable_shared_from_this<churner> {
public:
  churner(asio::io_context& ioc, const tcp::endpoint& ep, stats& st) : ioc_(ioc), ep_(ep), st_(st) {
  }

  void start() {
    sock_.emplace(ioc_);
    sock_->async_connect(ep_, [self = shared_from_this()](const boost::system::error_code& ec) {
      if (ec)
        return self->retry();
      self->sock_->set_option(tcp::no_delay(true));
      asio::async_write(*self->sock_, asio::buffer(&self->byte_, 1),
                        [self](const boost::system::error_code& wec, size_t) {
                          if (wec)
                            return self->retry();
                          asio::async_read(*self->sock_, asio::buffer(&self->byte_, 1),
                                           [self](const boost::system::error_code& rec, size_t) {
                                             if (rec)
                                               return self->retry();
                                             if (self->st_.measuring)
                                               ++self->st_.messages;
                                             self->close();
                                             self->start();
                                           });
                        });
    });
  }

  void stop() {
    stopped_ = true;
    close();
  }

private:
  void close() {
    boost::system::error_code ignored;
    sock_->set_option(asio::socket_base::linger(true, 0), ignored);
    sock_->close(ignored);
  }

  void retry() {
    if (stopped_)
      return;
    ++st_.errors;
    close();
    start();
  }

  asio::io_context& ioc_;
  tcp::endpoint ep_;
  stats& st_;
  std::optional<tcp::socket> sock_;
  char byte_ = 'x';
  bool stopped_ = false;
};

int run_accept(const tcp::endpoint& ep, size_t conns, double warmup, double duration) {
  asio::io_context ioc{1};
  stats st;
  std::vector<std::shared_ptr<churner>> loops;
  for (size_t i = 0; i < conns; ++i) {
    loops.push_back(std::make_shared<churner>(ioc, ep, st));
    loops.back()->start();
  }
  double secs = run_measured(ioc, st, warmup, duration, [&] {
    for (auto& l : loops)
      l->stop();
  });
  std::printf("{\"loops\": %zu, \"conns_per_s\": %.0f, \"errors\": %zu}\n", conns,
              st.messages / secs, st.errors);
  return 0;
}

int run_idle(const tcp::endpoint& ep, size_t conns, double hold, bool greeting) {
  asio::io_context ioc{1};
  std::vector<tcp::socket> socks;
  socks.reserve(conns);
  size_t ok = 0;
  for (size_t i = 0; i < conns; ++i) {
    socks.emplace_back(ioc);
    boost::system::error_code ec;
    socks.back().connect(ep, ec);
    char c = 'x';
    if (greeting) {
      // The server speaks first (a chat's name prompt): read its first line.
      while (!ec && c != '\n')
        asio::read(socks.back(), asio::buffer(&c, 1), ec);
    } else {
      if (!ec)
        asio::write(socks.back(), asio::buffer(&c, 1), ec);
      if (!ec)
        asio::read(socks.back(), asio::buffer(&c, 1), ec);
    }
    if (!ec)
      ++ok;
    else {
      std::fprintf(stderr, "connection %zu failed: %s\n", i, ec.message().c_str());
      break;
    }
  }
  std::printf("{\"connections\": %zu, \"open\": %zu}\n", conns, ok);
  std::fflush(stdout);
  asio::steady_timer t{ioc, std::chrono::duration_cast<clock_type::duration>(
                              std::chrono::duration<double>(hold))};
  t.wait();
  return ok == conns ? 0 : 1;
}

} // namespace

int main(int argc, char** argv) {
  CLI::App app{"Closed-loop load generator for echo servers", "ply-loadgen"};
  app.set_version_flag("--version", std::string{"ply-loadgen (ply) "} + PLY_VERSION_STRING);
  std::string mode = "echo";
  std::string host = "127.0.0.1";
  uint16_t port = 8000;
  size_t conns = 50;
  size_t size = 64;
  double warmup = 1.0;
  double duration = 5.0;
  double hold = 5.0;
  bool greeting = false;
  app.add_option("--mode", mode, "echo, idle or accept")
    ->check(CLI::IsMember({"echo", "idle", "accept"}));
  app.add_option("--host", host, "Server address")->capture_default_str();
  app.add_option("--port", port, "Server port")->capture_default_str();
  app.add_option("--connections", conns, "Concurrent connections")->capture_default_str();
  app.add_option("--size", size, "Message size in bytes")->capture_default_str();
  app.add_option("--warmup", warmup, "Seconds before measuring")->capture_default_str();
  app.add_option("--duration", duration, "Seconds measured")->capture_default_str();
  app.add_option("--hold", hold, "Idle mode: seconds to hold the connections")->capture_default_str();
  app.add_flag("--greeting", greeting,
               "Idle mode: check each connection by reading the server's first line instead");
  CLI11_PARSE(app, argc, argv);
  tcp::endpoint ep{asio::ip::make_address(host), port};
  if (mode == "idle")
    return run_idle(ep, conns, hold, greeting);
  if (mode == "accept")
    return run_accept(ep, conns, warmup, duration);
  return run_echo(ep, conns, size, warmup, duration);
}
