// SPDX-License-Identifier: MIT
#pragma once

#include <cstdint>
#include <iosfwd>
#include <map>
#include <memory>
#include <string>
#include <string_view>
#include <utility>
#include <vector>

#include <caf/actor.hpp>
#include <caf/message.hpp>

#include <ply/address.hpp>
#include <ply/deferred.hpp>
#include <ply/factory.hpp>
#include <ply/plugin.hpp>

namespace caf {
class event_based_actor;
}

namespace ply::actors::web {

/// One HTTP request as a resource sees it (Twisted's Request).
struct http_request {
  std::string method;    ///< "GET", "HEAD", ...
  std::string target;    ///< as sent: "/a/b%20c?x=1"
  std::string path;      ///< decoded: "/a/b c"
  std::string query;     ///< after '?', not decoded
  /// The decoded path segments that traversal did not consume (Twisted's postpath).
  std::vector<std::string> postpath;
  /// Segments consumed on the way to the resource (Twisted's prepath).
  std::vector<std::string> prepath;
  unsigned version = 11;  ///< 10 or 11
  std::vector<std::pair<std::string, std::string>> headers;
  std::string body;
  address peer;

  /// A header's value (names compare case-insensitively); empty if absent.
  std::string_view header(std::string_view name) const;
  /// A query parameter's value, decoded; empty if absent.
  std::string arg(std::string_view name) const;
};

/// An HTTP response. The body is either `body` or a byte range of `file`, which the connection
/// streams with flow control.
struct http_response {
  int status = 200;
  std::vector<std::pair<std::string, std::string>> headers;
  std::string body;
  std::string file;
  uint64_t offset = 0;
  uint64_t length = 0;  ///< of the file range

  http_response() = default;
  http_response(int status, std::string content_type, std::string body);

  /// Sets (replaces) a header.
  http_response& set(std::string name, std::string value);
};

/// What rendering may use besides the request: the site actor (to `ply::request` other actors)
/// and its clock (for `call_later` and timeouts).
struct render_context {
  caf::event_based_actor* self = nullptr;
  ply::clock* clock = nullptr;
};

class resource;
using resource_ptr = std::shared_ptr<resource>;

/// A node of a site (Twisted's Resource): children by name, and a `render` that may answer now or
/// later (a deferred: Twisted's NOT_DONE_YET, without blocking other requests). Resources live in
/// the site actor, so their state (a counter) needs no locks.
class resource {
public:
  virtual ~resource();

  /// A leaf takes the rest of the path as `postpath` instead of traversing further.
  virtual bool is_leaf() const;

  /// A child not registered with `put_child` (Twisted's getChild); default: none (404).
  virtual resource_ptr get_child(std::string_view name, const http_request& req);

  /// Renders the request. Default: 405 for methods other than GET and HEAD, else `render_get`.
  virtual deferred<http_response> render(http_request& req, render_context& ctx);

  /// Renders a GET (and a HEAD, whose body the connection drops). Default: 404.
  virtual deferred<http_response> render_get(http_request& req, render_context& ctx);

  /// Registers a child under `name` ("" is the child for a trailing slash).
  void put_child(std::string name, resource_ptr child);

  /// The registered child `name`, else `get_child`.
  resource_ptr child(std::string_view name, const http_request& req);

  /// Whether a child is registered under `name`.
  bool has_child(std::string_view name) const;

private:
  std::map<std::string, resource_ptr, std::less<>> children_;
};

/// A fixed page.
class static_text : public resource {
public:
  static_text(std::string content_type, std::string body);
  deferred<http_response> render_get(http_request& req, render_context& ctx) override;

private:
  std::string content_type_;
  std::string body_;
};

/// A page whose body an actor answers: asks `target` with `msg` and serves the string it answers.
class actor_resource : public resource {
public:
  actor_resource(caf::actor target, caf::message msg, std::string content_type);
  deferred<http_response> render_get(http_request& req, render_context& ctx) override;

private:
  caf::actor target_;
  caf::message msg_;
  std::string content_type_;
};

/// Files under a directory (Twisted's static.File): MIME types, directory listings (or
/// index.html), single byte ranges, If-Modified-Since, and nothing outside the root: `..`
/// segments (also percent-encoded) are refused, and symbolic links leading out are not followed.
class static_dir : public resource {
public:
  explicit static_dir(std::string root);
  ~static_dir() override;
  static_dir(const static_dir&) = delete;
  static_dir& operator=(const static_dir&) = delete;
  bool is_leaf() const override;
  deferred<http_response> render_get(http_request& req, render_context& ctx) override;

  /// The MIME type for a file name, by extension: from /etc/mime.types, else a built-in table,
  /// else "application/octet-stream". Text types carry "; charset=utf-8".
  static std::string mime_type(std::string_view file_name);

  /// Extension -> type, from a file in /etc/mime.types' format ("type ext ext ...", # comments).
  static std::map<std::string, std::string> read_mime_types(std::istream& in);

  /// Files up to this size are read at once and answered as a body; larger ones are streamed.
  static constexpr uint64_t inline_limit = 256 * 1024;

private:
  /// Opens `rel` (relative to the root) for reading, never outside the root; -1 with errno set
  /// (EXDEV or ELOOP for an escape).
  int open_beneath(const std::string& rel) const;
  http_response listing(int dir_fd, const std::string& path) const;

  std::string root_;       ///< as given
  std::string real_root_;  ///< resolved, for kernels without openat2
  int root_fd_ = -1;       ///< the root directory (O_PATH)
};

/// The site's limits on requests.
struct limits {
  size_t max_header = 8 * 1024;        ///< request line plus headers (431 beyond)
  size_t max_body = 1024 * 1024;       ///< request body (413 beyond)
  size_t max_pipeline = 64;            ///< requests of one connection waiting for answers
};

class access_log;

/// The factory of a site: holds the resource tree and renders every request of its connections;
/// each answer goes to `log` when given.
factory_maker site_factory(resource_ptr root, limits l = {}, std::shared_ptr<access_log> log = {});

/// Percent-decodes `s` (and '+' as space when `plus_is_space`); false if it is malformed.
bool url_decode(std::string_view s, std::string& out, bool plus_is_space = false);

/// Escapes text for HTML.
std::string html_escape(std::string_view s);

/// An HTTP date ("Sun, 06 Nov 1994 08:49:37 GMT") and back (-1 if unreadable).
std::string http_date(int64_t unix_seconds);
int64_t parse_http_date(std::string_view s);

/// `plyd web`: static files from `--path` plus the seed's dynamic pages under `/ply/`.
void register_plugin(plugin_registry& reg);

} // namespace ply::actors::web
