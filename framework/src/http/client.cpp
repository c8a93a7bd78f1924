// SPDX-License-Identifier: MIT
// The HTTP client: one exchange per connection (a protocol actor that writes the request and
// parses the answer with Boost.Beast), a runner actor per exchange that answers the asking actor,
// and redirects followed in the asking actor's own deferred chain.
#include <utility>  // before Beast: Boost 1.74's Asio misses it under C++20

#include "ply/http.hpp"

#include <algorithm>

#include <boost/beast/core/string.hpp>
#include <boost/beast/http/error.hpp>
#include <boost/beast/http/parser.hpp>
#include <boost/beast/http/string_body.hpp>
#include <caf/actor_system.hpp>
#include <caf/event_based_actor.hpp>
#include <caf/send.hpp>

#include "ply/actor_deferred.hpp"
#include "ply/error.hpp"
#include "ply/factory.hpp"
#include "ply/protocol.hpp"
#include "ply/reactor.hpp"
#include "ply/version.hpp"
#include "protocols/spawn_function.hpp"

namespace ply::http {

/// How a response travels from the exchange to the runner and the asking actor (locally).
template <class Inspector>
typename Inspector::result_type inspect(Inspector& f, response& x) {
  return f(caf::meta::type_name("ply.http.response"), x.status, x.reason, x.headers, x.body, x.url);
}

namespace {

namespace beast_http = boost::beast::http;

using fetch_atom = caf::atom_constant<caf::atom("plyhfetch")>;
using got_atom = caf::atom_constant<caf::atom("plyhgot")>;
using failed_atom = caf::atom_constant<caf::atom("plyhfail")>;
using started_atom = caf::atom_constant<caf::atom("plyhstart")>;
using abort_atom = caf::atom_constant<caf::atom("plyhabort")>;
using deadline_atom = caf::atom_constant<caf::atom("plyhdead")>;

constexpr uint32_t max_header = 64 * 1024;

/// One request and its answer on one connection; it reports to its runner, then closes.
class exchange : public protocol {
public:
  exchange(caf::actor runner, std::string request, std::string url, bool head, uint64_t max_body)
    : runner_(std::move(runner)),
      request_(std::move(request)),
      url_(std::move(url)),
      max_body_(max_body) {
    parser_.header_limit(max_header);
    parser_.body_limit(max_body);
    parser_.eager(true);
    parser_.skip(head);  // an answer to HEAD has no body, whatever its Content-Length says
  }

  const char* name() const override {
    return "ply.http.exchange";
  }

  void connection_made() override {
    send(runner_, started_atom::value, caf::actor_cast<caf::actor>(this));
    transport().write(request_);
    request_.clear();
  }

  void data_received(bytes data) override {
    if (done_)
      return;
    buffer_.append(data.data(), data.size());
    while (!done_ && !buffer_.empty()) {
      boost::beast::error_code ec;
      auto n = parser_.put(boost::asio::buffer(buffer_.data(), buffer_.size()), ec);
      buffer_.erase(0, n);
      if (ec == beast_http::error::need_more)
        break;
      if (ec)
        return fail(parse_error(ec));
      if (parser_.is_done())
        return finish();
      if (n == 0)
        break;
    }
  }

  void connection_lost(const caf::error& reason) override {
    if (done_)
      return;
    // A body that runs to the end of the connection is complete when the server closes.
    if (is(reason, errc::connection_done) && parser_.is_header_done()) {
      boost::beast::error_code ec;
      parser_.put_eof(ec);
      if (!ec && parser_.is_done())
        return finish();
    }
    fail(make_error(errc::connection_lost, "the connection to " + url_
                                             + " closed before the answer was whole ("
                                             + describe(reason) + ")"));
  }

  caf::message_handler extra_behavior() override {
    return {[this](abort_atom) {
      done_ = true;
      transport().abort_connection();
    }};
  }

private:
  caf::error parse_error(const boost::beast::error_code& ec) const {
    if (ec == beast_http::error::body_limit)
      return make_error(errc::protocol_error, "the answer from " + url_ + " is over "
                                                + std::to_string(max_body_) + " bytes");
    if (ec == beast_http::error::header_limit)
      return make_error(errc::protocol_error, "the answer's headers from " + url_ + " are over "
                                                + std::to_string(max_header) + " bytes");
    return make_error(errc::protocol_error, "a malformed answer from " + url_ + ": " + ec.message());
  }

  void finish() {
    done_ = true;
    auto& m = parser_.get();
    ply::http::response r;
    r.status = static_cast<int>(m.result_int());
    r.reason = std::string{m.reason()};
    for (auto& field : m)
      r.headers.emplace_back(std::string{field.name_string()}, std::string{field.value()});
    r.body = std::move(m.body());
    r.url = url_;
    send(runner_, got_atom::value, std::move(r));
    transport().lose_connection();
  }

  void fail(caf::error why) {
    if (done_)
      return;
    done_ = true;
    send(runner_, failed_atom::value, std::move(why));
    transport().abort_connection();
  }

  caf::actor runner_;
  std::string request_;
  std::string url_;
  uint64_t max_body_;
  beast_http::response_parser<beast_http::string_body> parser_;
  std::string buffer_;
  bool done_ = false;
};

/// The client factory of one exchange: a failed connection is the runner's answer.
class exchange_factory : public client_factory {
public:
  exchange_factory(caf::actor runner, std::string request, std::string url, bool head,
                   uint64_t max_body)
    : runner_(std::move(runner)),
      request_(std::move(request)),
      url_(std::move(url)),
      head_(head),
      max_body_(max_body) {
  }

  caf::actor build_protocol(const ply::address&) override {
    return spawn_protocol<exchange>(runner_, request_, url_, head_, max_body_);
  }

  void client_connection_failed(const caf::error& reason) override {
    send(runner_, failed_atom::value, reason);
    quit();
  }

  void client_connection_lost(const caf::error&) override {
    quit();  // one exchange, then done
  }

private:
  caf::actor runner_;
  std::string request_;
  std::string url_;
  bool head_;
  uint64_t max_body_;
};

using boost::beast::iequals;

/// Whether header `name` is one the client writes itself (it frames the exchange).
bool framing_header(const std::string& name) {
  for (const char* own : {"host", "content-length", "transfer-encoding", "connection"})
    if (iequals(name, own))
      return true;
  return false;
}

/// `value` for an endpoint option: its ':' and '\' escaped, as endpoint strings read them.
std::string endpoint_value(std::string_view value) {
  std::string out;
  for (char c : value) {
    if (c == ':' || c == '\\')
      out += '\\';
    out += c;
  }
  return out;
}

/// The request as it goes on the wire; `errc::bad_option` when a header would break it.
caf::expected<std::string> request_text(const url& u, const options& o) {
  auto bad_text = [](std::string_view s) {
    return s.find_first_of("\r\n") != std::string_view::npos;
  };
  if (o.method.empty() || o.method.find_first_of(" \r\n") != std::string::npos)
    return make_error(errc::bad_option, "bad HTTP method '" + o.method + "'");
  std::string out = o.method + " " + u.target + " HTTP/1.1\r\nHost: ";
  out += u.authority();
  out += "\r\nUser-Agent: ply/";
  out += ply::version();
  out += "\r\nAccept: */*\r\nConnection: close\r\n";
  if (!o.body.empty() || o.method == "POST" || o.method == "PUT")
    out += "Content-Length: " + std::to_string(o.body.size()) + "\r\n";
  for (auto& [k, v] : o.headers) {
    if (k.empty() || bad_text(k) || k.find_first_of(": \t") != std::string::npos || bad_text(v))
      return make_error(errc::bad_option, "bad HTTP header '" + k.substr(0, 64) + "'");
    if (framing_header(k))
      return make_error(errc::bad_option, "the client writes the '" + k + "' header itself");
    out += k + ": " + v + "\r\n";
  }
  out += "\r\n";
  out += o.body;
  return out;
}

/// One exchange, without redirects: a runner actor connects and answers once it is over.
deferred<response> exchange_once(caf::event_based_actor* self, reactor& r, const url& u,
                                 const options& o, caf::timespan budget) {
  auto text = request_text(u, o);
  if (!text)
    return fail<response>(failure{text.error()});
  // ply's endpoint syntax takes an IPv6 host in brackets, as a URL does.
  auto host = url{"http", u.host, 80, ""}.authority();
  auto endpoint = (u.scheme == "https" ? "ssl:host=" : "tcp:host=") + host
                  + ":port=" + std::to_string(u.port);
  // The connection attempt gets the whole budget, in whole seconds (at least one).
  auto connect_seconds = std::max<int64_t>(
    1, std::chrono::duration_cast<std::chrono::seconds>(budget).count());
  endpoint += ":timeout=" + std::to_string(connect_seconds);
  if (u.scheme == "https" && !o.ca_file.empty())
    endpoint += ":ca=" + endpoint_value(o.ca_file);
  auto runner = detail::spawn_function(self->system(), [&r](caf::event_based_actor* run) -> caf::behavior {
    return {[run, &r](fetch_atom, const std::string& endpoint, std::string& text,
                      const std::string& where, bool head, uint64_t max_body,
                      caf::timespan budget) -> caf::result<response> {
      auto rp = run->make_response_promise<response>();
      auto started = r.connect(endpoint, factory::of<exchange_factory>(
                                           caf::actor{run}, std::move(text), where, head,
                                           max_body));
      if (!started) {
        rp.deliver(started.error());
        run->quit();
        return rp;
      }
      // The runner owns the deadline: connecting, writing and reading all fit in the budget.
      run->delayed_send(run, budget, deadline_atom::value);
      struct state {
        caf::actor exchange;  ///< once connected
        bool over = false;    ///< answered, timed out or cancelled: an exchange that comes is aborted
      };
      auto st = std::make_shared<state>();
      // Timed out or cancelled: answers now; aborts the exchange, or, not connected yet, stays to
      // abort it once it is (or to hear that the connection failed).
      auto end = [run, rp, st](caf::error why) mutable {
        if (st->over)
          return;
        st->over = true;
        rp.deliver(std::move(why));
        if (st->exchange) {
          run->send(st->exchange, abort_atom::value);
          run->quit();
        }
      };
      run->become(
        [run, rp, st](got_atom, response& resp) mutable {
          if (!st->over)
            rp.deliver(std::move(resp));
          st->over = true;
          run->quit();
        },
        [run, rp, st](failed_atom, caf::error& why) mutable {
          if (!st->over)
            rp.deliver(std::move(why));
          st->over = true;
          run->quit();
        },
        [run, st](started_atom, const caf::actor& a) {
          st->exchange = a;
          if (st->over) {
            run->send(a, abort_atom::value);
            run->quit();
          }
        },
        [end, where](deadline_atom) mutable {
          end(make_error(errc::timeout, "no whole answer from " + where + " in time"));
        },
        [end](abort_atom) mutable { end(make_error(errc::cancelled, "request cancelled")); });
      return rp;
    }};
  });
  // The runner answers within the budget; the margin lets its answer, which names the URL,
  // arrive before the request's own timeout.
  auto d = ply::request<response>(self, runner, budget + std::chrono::seconds(1), fetch_atom::value,
                                  endpoint, std::move(*text), u.to_string(), o.method == "HEAD",
                                  static_cast<uint64_t>(o.max_body), budget);
  d.set_canceller([runner] { caf::anon_send(runner, abort_atom::value); });
  return d;
}

using clock_type = std::chrono::steady_clock;

deferred<response> follow(caf::event_based_actor* self, reactor& r, url u, options o,
                          int hops_left, clock_type::time_point deadline) {
  auto left = std::chrono::duration_cast<caf::timespan>(deadline - clock_type::now());
  if (left <= caf::timespan{0})
    return fail<response>(failure{make_error(errc::timeout, "no answer from " + u.to_string()
                                                              + " in time")});
  return exchange_once(self, r, u, o, left)
    .add_callback([self, &r, u, o, hops_left, deadline](response resp) mutable -> deferred<response> {
      auto s = resp.status;
      bool redirect = s == 301 || s == 302 || s == 303 || s == 307 || s == 308;
      auto location = resp.header("Location");
      if (!redirect || location.empty() || o.max_redirects <= 0)
        return succeed(std::move(resp));
      if (hops_left <= 0)
        return fail<response>(failure{make_error(
          errc::protocol_error, "more than " + std::to_string(o.max_redirects)
                                  + " redirects, the last from " + u.to_string())});
      auto next = resolve(u, location);
      if (!next)
        return fail<response>(failure{next.error()});
      // Credentials are for the origin (scheme, host, port) they were given for, not for
      // wherever it redirects: not to another host, nor from https down to http.
      if (next->scheme != u.scheme || !iequals(next->host, u.host) || next->port != u.port)
        std::erase_if(o.headers, [](const auto& h) {
          return iequals(h.first, "authorization") || iequals(h.first, "cookie");
        });
      // As browsers do: a 303, or a 301/302 of a POST, is followed with a GET.
      if (s == 303 || ((s == 301 || s == 302) && o.method == "POST")) {
        o.method = o.method == "HEAD" ? "HEAD" : "GET";
        o.body.clear();
      }
      return follow(self, r, std::move(*next), std::move(o), hops_left - 1, deadline);
    });
}

} // namespace

deferred<response> request(caf::event_based_actor* self, reactor& r, std::string url_text,
                           options opts) {
  auto u = parse_url(url_text);
  if (!u)
    return fail<response>(failure{u.error()});
  auto deadline = clock_type::now() + opts.timeout;
  auto hops = opts.max_redirects;
  return follow(self, r, std::move(*u), std::move(opts), hops, deadline);
}

deferred<response> get(caf::event_based_actor* self, reactor& r, std::string url_text,
                       options opts) {
  opts.method = "GET";
  return request(self, r, std::move(url_text), std::move(opts))
    .add_callback([](response resp) -> deferred<response> {
      if (resp.status < 400)
        return succeed(std::move(resp));
      return fail<response>(failure{make_error(
        errc::protocol_error,
        "HTTP " + std::to_string(resp.status) + " " + resp.reason + " from " + resp.url)});
    });
}

namespace {

/// Makes `ask(actor)` in a helper actor and fires the returned deferred on the reactor's first
/// thread; cancelling it cancels the helper's.
deferred<response> on_reactor_thread(
  reactor& r, std::function<deferred<response>(caf::event_based_actor*)> ask) {
  deferred<response> result;
  auto helper = detail::spawn_function(
    r.system(), [&r, ask = std::move(ask), result](caf::event_based_actor* self) -> caf::behavior {
      auto inner = ask(self);
      inner.add_both([&r, result, self](outcome<response> o) mutable {
        r.call_from_thread([result, o = std::move(o)]() mutable {
          if (o.ok())
            result.callback(std::move(o.value()));
          else
            result.errback(o.error());
        });
        self->quit();
      });
      return {[inner](abort_atom) mutable { inner.cancel(); }};
    });
  result.set_canceller([helper] { caf::anon_send(helper, abort_atom::value); });
  return result;
}

} // namespace

deferred<response> request(reactor& r, std::string url_text, options opts) {
  return on_reactor_thread(r, [&r, url_text = std::move(url_text),
                               opts = std::move(opts)](caf::event_based_actor* self) {
    return request(self, r, url_text, opts);
  });
}

deferred<response> get(reactor& r, std::string url_text, options opts) {
  return on_reactor_thread(r, [&r, url_text = std::move(url_text),
                               opts = std::move(opts)](caf::event_based_actor* self) {
    return get(self, r, url_text, opts);
  });
}

} // namespace ply::http
