// SPDX-License-Identifier: MIT
#pragma once

#include <chrono>
#include <cstddef>
#include <cstdint>
#include <string>
#include <string_view>
#include <utility>
#include <vector>

#include <caf/expected.hpp>
#include <caf/fwd.hpp>

#include "ply/deferred.hpp"

namespace ply {

class reactor;

} // namespace ply

/// An HTTP/1.1 client over ply's own connections (Twisted's getPage and Agent): a request is a
/// deferred that fires in the asking actor, between its messages.
///
/// ```
/// ply::http::get(this, reactor(), "http://example.org/status")
///   .add_callback([this](const ply::http::response& r) { send_line(r.body); });
/// ```
namespace ply::http {

/// What a server answered.
struct response {
  int status = 0;
  std::string reason;
  std::vector<std::pair<std::string, std::string>> headers;
  std::string body;
  /// The URL that answered, after any redirects.
  std::string url;

  /// The first header called `name` (in any case), or "".
  std::string header(std::string_view name) const;
};

/// How a request is made; the defaults suit a GET.
struct options {
  std::string method = "GET";
  /// Sent after Host, User-Agent, Connection and Content-Length, which the client writes itself.
  std::vector<std::pair<std::string, std::string>> headers;
  std::string body;
  /// For the whole exchange, redirects included: then the request fails with `errc::timeout`.
  std::chrono::milliseconds timeout{30000};
  /// A response body longer than this fails the request (`errc::protocol_error`).
  size_t max_body = 16 * 1024 * 1024;
  /// Redirects (301, 302, 303, 307, 308) followed before the request fails; 0 follows none.
  int max_redirects = 5;
  /// For https: the CA certificates to trust instead of the system's. The server's certificate
  /// must name the URL's host either way.
  std::string ca_file;
};

/// A URL the client can fetch: `http://` or `https://`, a host, a port (80 and 443 unless
/// given) and a target (path and query, "/" at least).
struct url {
  std::string scheme;
  std::string host;
  uint16_t port = 0;
  std::string target;

  /// "host" or "host:port" (the port when it is not the scheme's), as the Host header says it.
  std::string authority() const;

  std::string to_string() const;
};

/// Parses an absolute http or https URL; `errc::bad_option` naming what is wrong otherwise.
caf::expected<url> parse_url(std::string_view text);

/// Where a redirect's `location` leads from `base`: absolute, absolute path, or relative path.
caf::expected<url> resolve(const url& base, std::string_view location);

/// Makes a request from inside actor `self` on connections of `r`, following redirects; fires
/// with the response whatever its status. Cancelling it closes its connection. Fails with
/// `errc::bad_option` (a bad URL), the connection's error, `errc::protocol_error` (a malformed or
/// too large response, too many redirects) or `errc::timeout`.
deferred<response> request(caf::event_based_actor* self, reactor& r, std::string url,
                           options opts);

/// A GET as Twisted's getPage: as `request`, but a status of 400 or more fails it
/// (`errc::protocol_error`, "HTTP 404 Not Found from URL").
deferred<response> get(caf::event_based_actor* self, reactor& r, std::string url,
                       options opts = {});

/// The same from code that runs on the reactor's first thread rather than in an actor (a
/// program's setup, `call_later` functions): the deferred fires on that thread.
deferred<response> request(reactor& r, std::string url, options opts);
deferred<response> get(reactor& r, std::string url, options opts = {});

} // namespace ply::http
