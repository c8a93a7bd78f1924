// SPDX-License-Identifier: MIT
#include "reactor/connecting.hpp"

#include <chrono>
#include <functional>
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

/// One TCP connection attempt: looking the host up, then connecting, under one timer.
struct attempt {
  explicit attempt(asio::io_context& ioc) : sock(ioc), timer(ioc) {
  }
  tcp::socket sock;
  asio::steady_timer timer;
  bool looking_up = false;
  bool timed_out = false;
};

/// Connects `at` to the first of `endpoints` that answers and hands the socket over.
void connect_to(reactor_core& core, io_thread& thr, std::shared_ptr<attempt> at,
                const name_lookup::endpoints& endpoints, const caf::actor& f,
                const std::function<void(errc, const std::string&)>& failed, tls_context_ptr tls) {
  asio::async_connect(at->sock, endpoints,
                      [&core, &thr, at, f, failed, tls](const boost::system::error_code& ec,
                                                        const tcp::endpoint&) {
                        at->timer.cancel();
                        if (at->timed_out)
                          failed(errc::timeout, "connection timed out");
                        else if (ec == asio::error::connection_refused)
                          failed(errc::connection_refused, "connection refused");
                        else if (ec)
                          failed(errc::connect_failed, ec.message());
                        else
                          core.new_connection(thr, std::move(at->sock), f, tls);
                      });
}

void connect_tcp(reactor_core& core, io_thread& thr, const endpoint& ep, caf::actor f,
                 std::chrono::seconds timeout, tls_context_ptr tls) {
  auto at = std::make_shared<attempt>(thr.ioc);
  auto target = address{ep.host, ep.port}.to_string();
  std::function<void(errc, const std::string&)> failed = [f, target](errc code,
                                                                     const std::string& why) {
    connect_failed(f, target, code, why);
  };
  at->timer.expires_after(timeout);
  at->timer.async_wait([at, failed](const boost::system::error_code& ec) {
    if (ec)
      return;
    at->timed_out = true;
    if (at->looking_up) {  // the lookup's answer, whenever it comes, is dropped
      failed(errc::timeout, "connection timed out");
      return;
    }
    boost::system::error_code ignored;
    at->sock.close(ignored);  // the connect's handler says it timed out
  });
  boost::system::error_code not_numeric;
  auto numeric = asio::ip::make_address(ep.host, not_numeric);
  if (!not_numeric) {
    connect_to(core, thr, at, {tcp::endpoint{numeric, ep.port}}, f, failed, tls);
    return;
  }
  at->looking_up = true;
  core.names.resolve(ep.host, std::to_string(ep.port), thr.shared_from_this(),
                     [&core, &thr, at, f, failed, tls](const boost::system::error_code& ec,
                                                       name_lookup::endpoints found) {
                       if (at->timed_out)
                         return;
                       at->looking_up = false;
                       if (ec || found.empty()) {
                         at->timer.cancel();
                         failed(errc::connect_failed, "cannot resolve host ("
                                                        + (ec ? ec.message() : "no address")
                                                        + ")");
                         return;
                       }
                       connect_to(core, thr, at, found, f, failed, tls);
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
  thr.post([&core, &thr, ep = *ep, f, timeout, tls] {
    if (ep.type == endpoint::kind::unix_socket)
      connect_unix(core, thr, ep.path, f);
    else
      connect_tcp(core, thr, ep, f, timeout, tls);
  });
  return f;
}

} // namespace ply::detail
