// SPDX-License-Identifier: MIT
#include "reactor/connecting.hpp"

#include <chrono>
#include <memory>
#include <string>

#include <caf/send.hpp>
#include <spdlog/spdlog.h>

#include "reactor/reactor_core.hpp"
#include "ply/address.hpp"
#include "ply/endpoint.hpp"
#include "ply/error.hpp"

namespace ply::detail {

namespace {

using unix_stream = asio::local::stream_protocol;

/// Tells a client factory that its connection attempt failed.
void connect_failed(const caf::actor& f, const std::string& target, errc code,
                    const std::string& why) {
  spdlog::info("connection to {} failed: {}", target, why);
  caf::anon_send(f, failed_atom::value, make_error(code, why + ": " + target));
}

void connect_unix(reactor_core& core, io_thread& thr, const std::string& path, caf::actor f) {
  auto sock = std::make_shared<unix_stream::socket>(thr.ioc);
  sock->async_connect(unix_stream::endpoint{path},
                      [&core, &thr, sock, f, path](const boost::system::error_code& ec) {
                        if (ec == asio::error::connection_refused
                            || ec == boost::system::errc::no_such_file_or_directory)
                          connect_failed(f, path, errc::connection_refused, "connection refused");
                        else if (ec)
                          connect_failed(f, path, errc::connect_failed, ec.message());
                        else
                          core.new_connection(thr, std::move(*sock), f);
                      });
}

/// One TCP connection attempt: resolving, then connecting, under one timer.
struct attempt {
  explicit attempt(asio::io_context& ioc) : resolver(ioc), sock(ioc), timer(ioc) {
  }
  tcp::resolver resolver;
  tcp::socket sock;
  asio::steady_timer timer;
  bool timed_out = false;
};

void connect_tcp(reactor_core& core, io_thread& thr, const endpoint& ep, caf::actor f,
                 std::chrono::seconds timeout, tls_context_ptr tls) {
  auto at = std::make_shared<attempt>(thr.ioc);
  auto target = address{ep.host, ep.port}.to_string();
  auto failed = [f, target](errc code, const std::string& why) {
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
    [&core, &thr, at, f, failed, tls](const boost::system::error_code& ec,
                                      tcp::resolver::results_type results) {
      if (ec) {
        at->timer.cancel();
        failed(at->timed_out ? errc::timeout : errc::connect_failed,
               at->timed_out ? "connection timed out"
                             : "cannot resolve host (" + ec.message() + ")");
        return;
      }
      asio::async_connect(at->sock, results,
                          [&core, &thr, at, f, failed, tls](const boost::system::error_code& cec,
                                                            const tcp::endpoint&) {
                            at->timer.cancel();
                            if (at->timed_out)
                              failed(errc::timeout, "connection timed out");
                            else if (cec == asio::error::connection_refused)
                              failed(errc::connection_refused, "connection refused");
                            else if (cec)
                              failed(errc::connect_failed, cec.message());
                            else
                              core.new_connection(thr, std::move(at->sock), f, tls);
                          });
    });
}

} // namespace

caf::expected<caf::actor> connect(reactor_core& core, std::string_view text,
                                  const caf::actor* factory, const factory_maker* make) {
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
  auto f = core.factory_for(factory, make);
  auto& thr = core.pick_thread();
  asio::post(thr.ioc, [&core, &thr, ep = *ep, f, timeout, tls] {
    if (ep.type == endpoint::kind::unix_socket)
      connect_unix(core, thr, ep.path, f);
    else
      connect_tcp(core, thr, ep, f, timeout, tls);
  });
  return f;
}

} // namespace ply::detail
