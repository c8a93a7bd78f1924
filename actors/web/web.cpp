// SPDX-License-Identifier: MIT
// The site (a factory that renders) and the HTTP connection (a protocol actor that parses with
// Boost.Beast, keeps answers in request order and streams files with flow control).
#include <CLI/CLI.hpp>
#include <utility>  // before Beast: Boost 1.74's Asio misses it under C++20

#include "web/web.hpp"
#include "web/access_log.hpp"

#include <fcntl.h>
#include <signal.h>
#include <unistd.h>

#include <ctime>
#include <deque>
#include <optional>

#include <boost/beast/http/error.hpp>
#include <boost/beast/http/parser.hpp>
#include <boost/beast/http/status.hpp>
#include <boost/beast/http/string_body.hpp>
#include <caf/allowed_unsafe_message_type.hpp>
#include <spdlog/spdlog.h>

#include <ply/actor_deferred.hpp>
#include <ply/protocol.hpp>
#include <ply/reactor.hpp>
#include <ply/services.hpp>
#include <ply/time.hpp>

CAF_ALLOW_UNSAFE_MESSAGE_TYPE(ply::actors::web::http_request)
CAF_ALLOW_UNSAFE_MESSAGE_TYPE(ply::actors::web::http_response)

namespace ply::actors::web {

namespace {

namespace http = boost::beast::http;

using render_atom = caf::atom_constant<caf::atom("web_rend")>;
using rendered_atom = caf::atom_constant<caf::atom("web_done")>;
using more_atom = caf::atom_constant<caf::atom("web_more")>;

/// "Date:" values change once a second: formatted once a second per thread.
const std::string& current_date() {
  thread_local int64_t last = -1;
  thread_local std::string text;
  auto now = static_cast<int64_t>(std::time(nullptr));
  if (now != last) {
    last = now;
    text = http_date(now);
  }
  return text;
}

http_response error_page(int status, std::string_view why) {
  auto reason = std::string{http::obsolete_reason(static_cast<http::status>(status))};
  return http_response{status, "text/plain; charset=utf-8",
                       reason + (why.empty() ? "" : ": " + std::string{why}) + "\n"};
}

/// The site: the resource tree, and rendering for every connection of the listener.
class site : public factory {
public:
  site(resource_ptr root, limits l, std::shared_ptr<access_log> log)
    : root_(std::move(root)), limits_(l), log_(std::move(log)), clock_(this) {
  }

  const char* name() const override {
    return "ply.web.site";
  }

  caf::actor build_protocol(const ply::address&) override;

  caf::message_handler extra_behavior() override {
    return {
      // A plain message each way rather than a request: no response promise, no awaited-response
      // bookkeeping per HTTP request. The connection matches answers by sequence number.
      [this](render_atom, uint64_t seq, http_request& req) {
        auto conn = caf::actor_cast<caf::actor>(current_sender());
        auto target = req.target;
        try {
          render_context ctx{this, &clock_};
          traverse(req)
            ->render(req, ctx)
            .add_both([this, conn, seq, target](outcome<http_response> o) mutable {
              if (!o.ok())
                spdlog::warn("web: rendering {} failed: {}", target, o.error().message());
              send(conn, rendered_atom::value, seq,
                   o.ok() ? std::move(o.value()) : error_page(500, ""));
            });
        } catch (const std::exception& e) {
          spdlog::warn("web: rendering {} failed: {}", target, e.what());
          send(conn, rendered_atom::value, seq, error_page(500, ""));
        }
      },
    };
  }

private:
  /// Walks the tree along the request's path (Twisted's getChildForRequest): registered children
  /// first, then a leaf takes the rest, else `get_child`; a trailing slash with no "" child
  /// renders the directory's own resource.
  resource_ptr traverse(http_request& req) {
    static const auto missing = std::make_shared<resource>();
    auto res = root_;
    auto& segs = req.postpath;
    size_t i = 0;
    for (; i < segs.size(); ++i) {
      auto& seg = segs[i];
      if (res->has_child(seg)) {
        res = res->child(seg, req);
      } else if (res->is_leaf()) {
        break;
      } else if (seg.empty() && i + 1 == segs.size()) {
        ++i;
        break;
      } else {
        res = res->get_child(seg, req);
        if (!res)
          return missing;
      }
      req.prepath.push_back(seg);
    }
    segs.erase(segs.begin(), segs.begin() + static_cast<std::ptrdiff_t>(i));
    return res;
  }

  resource_ptr root_;
  limits limits_;
  std::shared_ptr<access_log> log_;
  actor_clock clock_;
};

/// One HTTP/1.1 connection: requests parsed as they arrive (pipelining included), rendered by the
/// site concurrently, answered strictly in order.
class http_connection : public protocol {
public:
  http_connection(limits l, std::shared_ptr<access_log> log) : limits_(l), log_(std::move(log)) {
  }

  const char* name() const override {
    return "ply.web.connection";
  }

  void data_received(bytes data) override {
    if (closing_)
      return;
    buffer_.append(data.data(), data.size());
    parse();
  }

  void pause_producing() override {
    paused_ = true;
    transport().pause_reading();
  }

  void resume_producing() override {
    paused_ = false;
    if (!reading_paused_for_pipeline())
      transport().resume_reading();
    stream_file();
  }

  void connection_lost(const caf::error&) override {
    close_file();
  }

  caf::message_handler extra_behavior() override {
    return {
      [this](more_atom) { stream_file(); },
      [this](rendered_atom, uint64_t seq, http_response& r) { answered(seq, std::move(r)); },
    };
  }

private:
  struct slot {
    uint64_t seq = 0;
    bool ready = false;
    bool head = false;
    bool keep_alive = true;
    unsigned version = 11;
    std::string request_line;  ///< for the access log ("-" for a request that could not be read)
    http_response response;
  };

  bool reading_paused_for_pipeline() const {
    return slots_.size() >= limits_.max_pipeline;
  }

  void parse() {
    while (!closing_ && !buffer_.empty() && !reading_paused_for_pipeline()) {
      if (!parser_) {
        parser_.emplace();
        parser_->header_limit(static_cast<uint32_t>(limits_.max_header));
        parser_->body_limit(limits_.max_body);
        parser_->eager(true);
        continue_sent_ = false;
      }
      boost::beast::error_code ec;
      auto n = parser_->put(boost::asio::buffer(buffer_.data(), buffer_.size()), ec);
      buffer_.erase(0, n);
      if (ec == http::error::need_more) {
        if (buffer_.size() > limits_.max_header + limits_.max_body)
          return refuse(413, "request too large");
        break;
      }
      if (ec) {
        if (ec == http::error::header_limit)
          return refuse(431, "headers too large");
        if (ec == http::error::body_limit)
          return refuse(413, "body too large");
        return refuse(400, ec.message());
      }
      if (parser_->is_header_done() && !parser_->is_done() && !continue_sent_) {
        continue_sent_ = true;
        auto expect = parser_->get()[http::field::expect];
        if (boost::beast::iequals(expect, "100-continue"))
          transport().write("HTTP/1.1 100 Continue\r\n\r\n");
      }
      if (parser_->is_done())
        dispatch();
      else if (n == 0)
        break;
    }
    if (reading_paused_for_pipeline())
      transport().pause_reading();
  }

  void dispatch() {
    auto msg = parser_->release();
    parser_.reset();
    http_request req;
    req.method = std::string{msg.method_string()};
    req.target = std::string{msg.target()};
    req.version = msg.version();
    req.peer = transport().peer();
    for (auto& field : msg)
      req.headers.emplace_back(std::string{field.name_string()}, std::string{field.value()});
    req.body = std::move(msg.body());
    bool keep_alive = msg.keep_alive();
    // Only origin-form targets ("/path?query"); decoded segment by segment, so an encoded slash
    // stays inside its segment.
    auto path_part = std::string_view{req.target}.substr(0, req.target.find('?'));
    if (auto q = req.target.find('?'); q != std::string::npos)
      req.query = req.target.substr(q + 1);
    bool ok = !path_part.empty() && path_part.front() == '/';
    size_t pos = 1;
    while (ok) {
      auto slash = path_part.find('/', pos);
      std::string seg;
      ok = url_decode(path_part.substr(pos, slash - pos), seg);
      req.postpath.push_back(std::move(seg));
      if (slash == std::string_view::npos)
        break;
      pos = slash + 1;
    }
    ok = ok && url_decode(path_part, req.path);
    if (!ok)
      return refuse(400, "bad request target", req.version, req.method == "HEAD");
    if (!keep_alive)
      closing_ = true;
    slot s;
    s.seq = next_seq_++;
    s.head = req.method == "HEAD";
    s.keep_alive = keep_alive;
    s.version = req.version;
    if (log_)
      s.request_line = req.method + " " + req.target + (req.version == 10 ? " HTTP/1.0" : " HTTP/1.1");
    auto seq = s.seq;
    slots_.push_back(std::move(s));
    send(factory(), render_atom::value, seq, std::move(req));
  }

  /// Answers `status` after the answers already due, then closes: nothing after a bad request is
  /// read.
  void refuse(int status, std::string_view why, unsigned version = 11, bool head = false) {
    spdlog::info("[{}] answering {}: {}", log_prefix(), status, why);
    parser_.reset();
    buffer_.clear();
    closing_ = true;
    slot s;
    s.seq = next_seq_++;
    s.ready = true;
    s.keep_alive = false;
    s.version = version;
    s.head = head;
    s.request_line = "-";
    s.response = error_page(status, why);
    slots_.push_back(std::move(s));
    write_ready();
  }

  void answered(uint64_t seq, http_response r) {
    for (auto& s : slots_)
      if (s.seq == seq) {
        s.ready = true;
        s.response = std::move(r);
      }
    write_ready();
  }

  /// Writes the answers at the front that are ready, in order; a file answer is streamed before
  /// the next one.
  void write_ready() {
    while (!slots_.empty() && slots_.front().ready && file_fd_ < 0) {
      auto& s = slots_.front();
      write_head(s);
      if (!s.response.file.empty() && !s.head && s.response.length > 0) {
        file_fd_ = ::open(s.response.file.c_str(), O_RDONLY | O_CLOEXEC);
        if (file_fd_ < 0) {
          spdlog::warn("[{}] cannot open {}: closing", log_prefix(), s.response.file);
          transport().abort_connection();
          return;
        }
        file_pos_ = s.response.offset;
        file_left_ = s.response.length;
        stream_file();
        return;
      }
      finish_slot();
    }
  }

  void finish_slot() {
    bool keep = slots_.front().keep_alive;
    slots_.pop_front();
    if (!keep) {
      slots_.clear();
      transport().lose_connection();
      return;
    }
    if (closing_)
      return;
    parse();
    if (!paused_ && !reading_paused_for_pipeline())
      transport().resume_reading();
  }

  void write_head(const slot& s) {
    auto& r = s.response;
    auto reason = http::obsolete_reason(static_cast<http::status>(r.status));
    std::string head;
    head.reserve(256);
    head += s.version == 10 ? "HTTP/1.0 " : "HTTP/1.1 ";
    head += std::to_string(r.status);
    head += ' ';
    head.append(reason.data(), reason.size());
    head += "\r\nServer: ply\r\nDate: ";
    head += current_date();
    head += "\r\n";
    for (auto& [k, v] : r.headers) {
      head += k;
      head += ": ";
      head += v;
      head += "\r\n";
    }
    bool no_body = r.status == 304 || r.status == 204 || r.status < 200;
    if (!no_body) {
      head += "Content-Length: ";
      head += std::to_string(r.file.empty() ? r.body.size() : r.length);
      head += "\r\n";
    }
    if (!s.keep_alive)
      head += "Connection: close\r\n";
    else if (s.version == 10)
      head += "Connection: keep-alive\r\n";
    head += "\r\n";
    if (!s.head && !no_body && r.file.empty())
      head += r.body;
    transport().write(head);
    if (log_) {
      uint64_t body = s.head || no_body ? 0 : r.file.empty() ? r.body.size() : r.length;
      log_->hit(transport().peer().host, s.request_line, r.status, body, std::time(nullptr));
    }
  }

  /// Sends the next part of the file being answered, unless the peer is not reading: a burst of at
  /// most 256 KiB, then a message to itself, so other work (and the socket) gets a turn.
  void stream_file() {
    if (file_fd_ < 0 || paused_)
      return;
    constexpr size_t chunk = 64 * 1024;
    std::string buf;
    for (size_t sent = 0; sent < 4 * chunk && file_left_ > 0;) {
      buf.resize(std::min<uint64_t>(chunk, file_left_));
      auto n = ::pread(file_fd_, buf.data(), buf.size(), static_cast<off_t>(file_pos_));
      if (n <= 0) {
        spdlog::warn("[{}] reading a file failed: closing", log_prefix());
        close_file();
        transport().abort_connection();
        return;
      }
      transport().write(bytes_view{buf.data(), static_cast<size_t>(n)});
      file_pos_ += static_cast<uint64_t>(n);
      file_left_ -= static_cast<uint64_t>(n);
      sent += static_cast<size_t>(n);
    }
    if (file_left_ > 0) {
      send(this, more_atom::value);
      return;
    }
    close_file();
    finish_slot();
    write_ready();
  }

  void close_file() {
    if (file_fd_ >= 0)
      ::close(file_fd_);
    file_fd_ = -1;
  }

  limits limits_;
  std::shared_ptr<access_log> log_;
  std::string buffer_;
  std::optional<http::request_parser<http::string_body>> parser_;
  std::deque<slot> slots_;
  uint64_t next_seq_ = 0;
  bool closing_ = false;
  bool paused_ = false;
  bool continue_sent_ = false;
  int file_fd_ = -1;
  uint64_t file_pos_ = 0;
  uint64_t file_left_ = 0;
};

caf::actor site::build_protocol(const ply::address&) {
  return spawn_protocol<http_connection>(limits_, log_);
}

// -- the seed's dynamic pages ---------------------------------------------------------------------

/// Counts its visitors (state in the site actor: no lock).
class counter_page : public resource {
public:
  deferred<http_response> render_get(http_request&, render_context&) override {
    ++count_;
    return succeed(http_response{200, "text/html; charset=utf-8",
                                 "<!doctype html><title>counter</title><p>I am request #"
                                   + std::to_string(count_) + "</p>\n"});
  }

private:
  uint64_t count_ = 0;
};

class clock_page : public resource {
public:
  deferred<http_response> render_get(http_request&, render_context&) override {
    auto now = std::time(nullptr);
    char buf[64];
    std::tm tm{};
    ::gmtime_r(&now, &tm);
    auto n = std::strftime(buf, sizeof(buf), "%Y-%m-%d %H:%M:%S UTC", &tm);
    return succeed(http_response{200, "text/html; charset=utf-8",
                                 "<!doctype html><title>clock</title><p>The time is "
                                   + std::string{buf, n} + "</p>\n"});
  }
};

/// The seed's NOT_DONE_YET page: answers after `?seconds=N` (default 1, at most 60) without
/// holding up any other request.
class slow_page : public resource {
public:
  deferred<http_response> render_get(http_request& req, render_context& ctx) override {
    double seconds = 1;
    if (auto arg = req.arg("seconds"); !arg.empty()) {
      char* end = nullptr;
      seconds = std::strtod(arg.c_str(), &end);
      if (end == arg.c_str() || *end != '\0' || !(seconds >= 0) || seconds > 60)
        return succeed(error_page(400, "seconds must be a number from 0 to 60"));
    }
    deferred<http_response> d;
    auto delay = std::chrono::duration_cast<duration>(std::chrono::duration<double>(seconds));
    ctx.clock->call_later(delay, [d, seconds]() mutable {
      d.callback(http_response{200, "text/html; charset=utf-8",
                               "<!doctype html><title>slow</title><p>Done after "
                                 + std::to_string(seconds) + " s</p>\n"});
    });
    return d;
  }
};

} // namespace

factory_maker site_factory(resource_ptr root, limits l, std::shared_ptr<access_log> log) {
  return factory::of<site>(std::move(root), l, std::move(log));
}

namespace {

/// `plyd web`: a site on a port, with its access log when given one: opened at start (a startup
/// error if it cannot be), flushed every second and at stop, reopened on SIGHUP.
class web_server : public stream_server {
public:
  web_server(std::string name, std::string port, resource_ptr root, limits l,
             std::string log_path)
    : web_server(std::move(name), std::move(port), std::move(root), l, std::move(log_path),
                 std::make_shared<std::shared_ptr<access_log>>()) {
  }

  void start_service(reactor& r) override {
    if (!log_path_.empty()) {
      *log_ = std::make_shared<access_log>(log_path_);
      r.on_signal(SIGHUP, [log = *log_] { log->reopen(); });
      flusher_ = std::make_unique<looping_call>(r, [log = *log_] { log->flush(); });
      flusher_->start(std::chrono::seconds(1), false);
    }
    stream_server::start_service(r);
  }

  deferred<void> stop_service() override {
    if (flusher_)
      flusher_->stop();
    if (*log_)
      (*log_)->flush();
    return stream_server::stop_service();
  }

private:
  web_server(std::string name, std::string port, resource_ptr root, limits l,
             std::string log_path, std::shared_ptr<std::shared_ptr<access_log>> log)
    : stream_server(std::move(name), std::move(port),
                    [root = std::move(root), l, log](caf::actor_system& sys) {
                      return site_factory(root, l, *log)(sys);
                    }),
      log_path_(std::move(log_path)),
      log_(std::move(log)) {
  }

  std::string log_path_;
  std::shared_ptr<std::shared_ptr<access_log>> log_;  ///< set at start, read by the factory
  std::unique_ptr<looping_call> flusher_;
};

} // namespace

void register_plugin(plugin_registry& reg) {
  reg.add(plugin{
    "web", "An HTTP/1.1 server: static files from --path, and the dynamic pages under /ply/",
    [](CLI::App& cmd) -> service_builder {
      auto port = std::make_shared<std::string>("tcp:8080");
      auto path = std::make_shared<std::string>();
      auto l = std::make_shared<limits>();
      cmd.add_option("--port", *port, "Endpoint to listen on")->capture_default_str();
      cmd.add_option("--path", *path, "Directory of static files served at /")
        ->check(CLI::ExistingDirectory);
      cmd.add_option("--max-header", l->max_header, "Longest request line plus headers (bytes)")
        ->capture_default_str()
        ->check(CLI::Range(size_t{256}, size_t{1} << 20));
      cmd.add_option("--max-body", l->max_body, "Largest request body (bytes)")
        ->capture_default_str()
        ->check(CLI::Range(size_t{0}, size_t{1} << 30));
      auto access = std::make_shared<std::string>();
      cmd.add_option("--access-log", *access,
                     "Log every answer to this file in the Common Log Format (reopened on SIGHUP)");
      return [port, path, l, access](const std::string& name) -> service_ptr {
        resource_ptr root;
        if (path->empty())
          root = std::make_shared<static_text>(
            "text/html; charset=utf-8",
            "<!doctype html><title>ply web</title><h1>ply web</h1><ul>"
            "<li><a href=\"/ply/counter\">counter</a></li><li><a href=\"/ply/clock\">clock</a>"
            "</li><li><a href=\"/ply/slow?seconds=2\">a slow page</a></li></ul>\n");
        else
          root = std::make_shared<static_dir>(*path);
        auto pages = std::make_shared<resource>();
        pages->put_child("counter", std::make_shared<counter_page>());
        pages->put_child("clock", std::make_shared<clock_page>());
        pages->put_child("slow", std::make_shared<slow_page>());
        pages->put_child("hello",
                         std::make_shared<static_text>("text/plain; charset=utf-8", "Hello, world!\n"));
        root->put_child("ply", pages);
        return std::make_unique<web_server>(name, *port, root, *l, *access);
      };
    }});
}

} // namespace ply::actors::web
