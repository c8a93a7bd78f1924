// SPDX-License-Identifier: MIT
#include "pubsub/pubsub.hpp"

#include <CLI/CLI.hpp>
#include <algorithm>
#include <charconv>
#include <deque>
#include <map>
#include <optional>
#include <set>
#include <unordered_map>

#include <caf/send.hpp>
#include <spdlog/spdlog.h>

#include <ply/cluster.hpp>
#include <ply/line_framer.hpp>
#include <ply/protocol.hpp>
#include <ply/services.hpp>
#include <ply/trace.hpp>
#include <ply/version.hpp>

#include "clustered_server.hpp"
#include "record_batch.hpp"
#include "text.hpp"
#include "pubsub/resp.hpp"

namespace ply::actors::pubsub {

namespace {

// Connection -> hub.
using sub_atom = caf::atom_constant<caf::atom("ps_sub")>;
using unsub_atom = caf::atom_constant<caf::atom("ps_unsub")>;
using pub_atom = caf::atom_constant<caf::atom("ps_pub")>;
using query_atom = caf::atom_constant<caf::atom("ps_query")>;
// Hub -> connection.
using push_atom = caf::atom_constant<caf::atom("ps_push")>;
using published_atom = caf::atom_constant<caf::atom("ps_pubd")>;
using answer_atom = caf::atom_constant<caf::atom("ps_answer")>;
// Hub -> hub.
using count_atom = caf::atom_constant<caf::atom("ps_count")>;
using relay_atom = caf::atom_constant<caf::atom("ps_relays")>;  ///< a record_batch of publications
using relayed_atom = caf::atom_constant<caf::atom("ps_relayd")>;  ///< that batch was delivered

/// Line-mode clients all subscribe to this channel: a plain line goes to every client.
const std::string everyone;

constexpr const char* line_help =
  "Commands: /sub TOPIC, /unsub TOPIC, /psub PATTERN, /punsub PATTERN, /pub TOPIC TEXT, /help; "
  "any other line goes to every client";

std::string upper(std::string s) {
  std::transform(s.begin(), s.end(), s.begin(), [](unsigned char c) { return std::toupper(c); });
  return s;
}

std::string lower(std::string s) {
  std::transform(s.begin(), s.end(), s.begin(), [](unsigned char c) { return std::tolower(c); });
  return s;
}

/// One pub/sub connection, in line mode or RESP mode.
class connection : public protocol {
public:
  explicit connection(options opts)
    : opts_(opts),
      lines_("\n", opts.max_line),
      parser_(resp::parser::limits{1024 * 1024, opts.max_bulk, opts.max_line}) {
  }

  const char* name() const override {
    return "ply.pubsub.connection";
  }

  void connection_made() override {
    transport().set_output_limit(opts_.max_buffer);  // a client that does not read is cut off
    if (opts_.how == mode::lines)
      send(factory(), sub_atom::value, false, everyone);
  }

  void data_received(bytes data) override {
    if (closing_)
      return;
    if (opts_.how == mode::resp) {
      auto err = parser_.feed(data, [this](std::vector<std::string>& args) { command(args); });
      if (!err.empty()) {
        queue_reply(resp::error("ERR " + err));
        fail(err);
      }
    } else {
      auto st = lines_.feed(data, [this](std::string_view line) {
        line_received(line);
        return !closing_;
      });
      if (st == line_framer::status::too_long) {
        out_ += "Line refused: longer than " + std::to_string(opts_.max_line) +
                " bytes. Closing the connection.\r\n";
        fail("line too long");
      }
    }
    flush();
  }

  void connection_lost(const caf::error& reason) override {
    if (is(reason, errc::output_limit))
      spdlog::warn("[{}] pub/sub client is not reading: over {} bytes waiting, cut off",
                   log_prefix(), opts_.max_buffer);
  }

  caf::message_handler extra_behavior() override {
    return {
      [this](push_atom, std::string& bytes) {
        if (!closing_)
          transport().write(std::move(bytes));  // uncopied, unless other subscribers share it
      },
      [this](published_atom, uint64_t ticket, int64_t receivers) {
        answered(ticket, resp::integer(receivers));
      },
      [this](answer_atom, uint64_t ticket, std::string& reply) {
        answered(ticket, std::move(reply));
      },
    };
  }

private:
  // -- output, in request order --

  /// A place for the hub's answer, behind the replies before it: its ticket (from 1).
  uint64_t await_hub() {
    replies_.emplace_back(std::nullopt);
    return head_seq_ + replies_.size();
  }

  /// The hub's answer to `ticket` came: it leaves once the replies before it have.
  void answered(uint64_t ticket, std::string reply) {
    auto seq = ticket - 1;
    if (ticket == 0 || seq < head_seq_ || seq - head_seq_ >= replies_.size())
      return;
    replies_[seq - head_seq_] = std::move(reply);
    flush();
  }

  void queue_reply(std::string r) {
    if (replies_.empty())
      out_ += r;
    else
      replies_.emplace_back(std::move(r));
  }

  void flush() {
    while (!replies_.empty() && replies_.front()) {
      out_ += *replies_.front();
      replies_.pop_front();
      ++head_seq_;
    }
    if (!out_.empty()) {
      transport().write(out_);
      out_.clear();
    }
    if (closing_ && replies_.empty() && !lost_sent_) {
      lost_sent_ = true;
      transport().lose_connection();
    }
  }

  void fail(const std::string& why) {
    spdlog::info("[{}] closing: {}", log_prefix(), why);
    closing_ = true;
  }

  // -- line mode --

  void line_received(std::string_view line) {
    if (has_control_chars(line)) {
      out_ += "Line refused: it contains control characters. Closing the connection.\r\n";
      fail("control characters in a line");
      return;
    }
    if (line.empty())
      return;
    if (line.front() != '/') {
      auto text = "<" + transport().peer().to_string() + "> " + std::string{line};
      send(factory(), pub_atom::value, uint64_t{0}, everyone, text);
      return;
    }
    auto space = line.find(' ');
    auto cmd = line.substr(0, space);
    auto rest = space == std::string_view::npos ? std::string_view{} : line.substr(space + 1);
    auto arg = std::string{rest.substr(0, rest.find(' '))};
    if (cmd == "/pub") {
      auto sp = rest.find(' ');
      if (arg.empty() || sp == std::string_view::npos)
        out_ += "Usage: /pub TOPIC TEXT\r\n";
      else
        send(factory(), pub_atom::value, uint64_t{0}, arg, std::string{rest.substr(sp + 1)});
    } else if (cmd == "/sub" || cmd == "/psub" || cmd == "/unsub" || cmd == "/punsub") {
      bool pattern = cmd == "/psub" || cmd == "/punsub";
      bool on = cmd == "/sub" || cmd == "/psub";
      if (arg.empty()) {
        out_ += "Usage: " + std::string{cmd} + (pattern ? " PATTERN\r\n" : " TOPIC\r\n");
        return;
      }
      subscribe(pattern, arg, on);
      out_ += std::string{on ? "Subscribed to " : "Unsubscribed from "} +
              (pattern ? "pattern " : "") + arg + ".\r\n";
    } else if (cmd == "/help") {
      out_ += std::string{line_help} + "\r\n";
    } else {
      out_ += "Unknown command: " + std::string{cmd} + " (" + line_help + ")\r\n";
    }
  }

  // -- RESP mode --

  /// Subscribes or unsubscribes; true when that changed anything.
  bool subscribe(bool pattern, const std::string& name, bool on) {
    auto& set = pattern ? patterns_ : channels_;
    bool changed = on ? set.insert(name).second : set.erase(name) > 0;
    if (changed) {
      if (on)
        send(factory(), sub_atom::value, pattern, name);
      else
        send(factory(), unsub_atom::value, pattern, name);
    }
    return changed;
  }

  std::string subscription_reply(const char* kind, const std::string& name) {
    return resp::array_header(3) + resp::bulk(kind) + resp::bulk(name) +
           resp::integer(static_cast<int64_t>(channels_.size() + patterns_.size()));
  }

  void command(std::vector<std::string>& args) {
    if (closing_)
      return;
    auto cmd = upper(args[0]);
    auto argc = args.size() - 1;
    auto wrong_args = [&] {
      // Redis names the command in lower case, however it was sent.
      queue_reply(resp::error("ERR wrong number of arguments for '" + lower(args[0].substr(0, 64))
                              + "' command"));
    };
    if (cmd == "PUBLISH") {
      if (argc != 2)
        return wrong_args();
      // The answer comes from the hub; later replies wait behind it. Tickets start at 1 (0 asks
      // for no answer).
      send(factory(), pub_atom::value, await_hub(), std::move(args[1]), std::move(args[2]));
    } else if (cmd == "PUBSUB") {
      pubsub_command(args);
    } else if (cmd == "CLIENT") {
      client_command(args);
    } else if (cmd == "HELLO") {
      hello(args);
    } else if (cmd == "RESET") {
      if (argc != 0)
        return wrong_args();
      for (auto& c : std::set<std::string>{channels_})
        subscribe(false, c, false);
      for (auto& p : std::set<std::string>{patterns_})
        subscribe(true, p, false);
      client_name_.clear();
      queue_reply(resp::simple("RESET"));
    } else if (cmd == "SUBSCRIBE" || cmd == "PSUBSCRIBE") {
      if (argc == 0)
        return wrong_args();
      bool pattern = cmd == "PSUBSCRIBE";
      for (size_t i = 1; i < args.size(); ++i) {
        subscribe(pattern, args[i], true);
        queue_reply(subscription_reply(pattern ? "psubscribe" : "subscribe", args[i]));
      }
    } else if (cmd == "UNSUBSCRIBE" || cmd == "PUNSUBSCRIBE") {
      bool pattern = cmd == "PUNSUBSCRIBE";
      auto kind = pattern ? "punsubscribe" : "unsubscribe";
      std::vector<std::string> names(args.begin() + 1, args.end());
      if (names.empty()) {
        auto& set = pattern ? patterns_ : channels_;
        names.assign(set.begin(), set.end());
        if (names.empty()) {
          queue_reply(resp::array_header(3) + resp::bulk(kind) + "$-1\r\n" +
                      resp::integer(static_cast<int64_t>(channels_.size() + patterns_.size())));
          return;
        }
      }
      for (auto& n : names) {
        subscribe(pattern, n, false);
        queue_reply(subscription_reply(kind, n));
      }
    } else if (cmd == "PING") {
      if (argc > 1)
        return wrong_args();
      if (!channels_.empty() || !patterns_.empty())
        queue_reply(resp::array_header(2) + resp::bulk("pong") +
                    resp::bulk(argc == 1 ? args[1] : ""));
      else
        queue_reply(argc == 1 ? resp::bulk(args[1]) : resp::simple("PONG"));
    } else if (cmd == "ECHO") {
      if (argc != 1)
        return wrong_args();
      queue_reply(resp::bulk(args[1]));
    } else if (cmd == "QUIT") {
      queue_reply(resp::simple("OK"));
      closing_ = true;
    } else {
      std::string words;
      for (size_t i = 1; i < args.size() && i < 4; ++i)
        words += "'" + args[i].substr(0, 64) + "' ";
      queue_reply(resp::error("ERR unknown command '" + args[0].substr(0, 64) +
                              "', with args beginning with: " + words));
    }
  }

  /// PUBSUB CHANNELS [pattern] | NUMSUB [channel ...] | NUMPAT: the hub answers, for the cluster.
  void pubsub_command(std::vector<std::string>& args) {
    if (args.size() < 2) {
      queue_reply(resp::error("ERR wrong number of arguments for 'pubsub' command"));
      return;
    }
    auto sub = upper(args[1]);
    auto argc = args.size() - 2;
    if (sub == "CHANNELS" && argc > 1) {
      queue_reply(resp::error("ERR unknown subcommand or wrong number of arguments for '"
                              + args[1].substr(0, 64) + "'. Try PUBSUB HELP."));
    } else if (sub == "NUMPAT" && argc != 0) {
      queue_reply(resp::error("ERR wrong number of arguments for 'pubsub|numpat' command"));
    } else if (sub == "CHANNELS" || sub == "NUMSUB" || sub == "NUMPAT") {
      args[1] = sub;
      send(factory(), query_atom::value, await_hub(),
           std::vector<std::string>(std::make_move_iterator(args.begin() + 1),
                                    std::make_move_iterator(args.end())));
    } else {
      queue_reply(resp::error("ERR unknown subcommand '" + args[1].substr(0, 64)
                              + "'. Try PUBSUB HELP."));
    }
  }

  /// CLIENT SETNAME name | GETNAME, as clients send them on connecting.
  void client_command(const std::vector<std::string>& args) {
    if (args.size() < 2) {
      queue_reply(resp::error("ERR wrong number of arguments for 'client' command"));
      return;
    }
    auto sub = upper(args[1]);
    if (sub == "SETNAME" || sub == "GETNAME") {
      auto lower = sub == "SETNAME" ? "setname" : "getname";
      if (args.size() != (sub == "SETNAME" ? 3u : 2u)) {
        queue_reply(resp::error(std::string{"ERR wrong number of arguments for 'client|"} + lower
                                + "' command"));
      } else if (sub == "GETNAME") {
        queue_reply(client_name_.empty() ? std::string{"$-1\r\n"} : resp::bulk(client_name_));
      } else if (auto why = set_client_name(args[2]); !why.empty()) {
        queue_reply(resp::error(why));
      } else {
        queue_reply(resp::simple("OK"));
      }
      return;
    }
    queue_reply(resp::error("ERR unknown subcommand '" + args[1].substr(0, 64)
                            + "'. Try CLIENT HELP."));
  }

  /// Names a client as Redis allows: printable, no spaces (empty: no name). An error, or "".
  std::string set_client_name(const std::string& name) {
    for (unsigned char c : name)
      if (c < '!' || c > '~')
        return "ERR Client names cannot contain spaces, newlines or special characters.";
    client_name_ = name;
    return {};
  }

  /// HELLO [protover [AUTH user pass] [SETNAME name]]: this server speaks RESP2 only.
  void hello(const std::vector<std::string>& args) {
    if (args.size() >= 2) {
      int64_t version = 0;
      auto& v = args[1];
      auto [end, ec] = std::from_chars(v.data(), v.data() + v.size(), version);
      if (ec != std::errc{} || end != v.data() + v.size()) {
        queue_reply(resp::error("ERR Protocol version is not an integer or out of range"));
        return;
      }
      if (version != 2) {
        queue_reply(resp::error("NOPROTO unsupported protocol version"));
        return;
      }
      std::string name;
      bool naming = false;
      for (size_t i = 2; i < args.size(); ++i) {
        auto opt = upper(args[i]);
        if (opt == "AUTH" && i + 2 < args.size()) {
          queue_reply(resp::error("WRONGPASS invalid username-password pair or user is disabled."));
          return;
        }
        if (opt == "SETNAME" && i + 1 < args.size()) {
          name = args[++i];
          naming = true;
          continue;
        }
        queue_reply(resp::error("ERR Syntax error in HELLO option '" + args[i].substr(0, 64) + "'"));
        return;
      }
      if (naming)
        if (auto why = set_client_name(name); !why.empty()) {
          queue_reply(resp::error(why));
          return;
        }
    }
    queue_reply(resp::array_header(14) + resp::bulk("server") + resp::bulk("ply")
                + resp::bulk("version") + resp::bulk(ply::version()) + resp::bulk("proto")
                + resp::integer(2) + resp::bulk("id")
                + resp::integer(static_cast<int64_t>(transport().id())) + resp::bulk("mode")
                + resp::bulk("standalone") + resp::bulk("role") + resp::bulk("master")
                + resp::bulk("modules") + resp::array_header(0));
  }

  options opts_;
  std::string client_name_;
  line_framer lines_;
  resp::parser parser_;
  std::set<std::string> channels_;
  std::set<std::string> patterns_;
  std::deque<std::optional<std::string>> replies_;  ///< replies waiting for an earlier PUBLISH
  uint64_t head_seq_ = 0;                           ///< sequence number of replies_.front()
  std::string out_;
  bool closing_ = false;
  bool lost_sent_ = false;
};

/// A node's pub/sub hub: the factory of its connections, the keeper of their subscriptions, and the
/// link to the other nodes' hubs, whose subscription counts it mirrors so that PUBLISH can answer
/// at once with the number of receivers across the cluster.
class hub_actor : public factory {
public:
  hub_actor(options opts, caf::actor member, std::string node)
    : opts_(opts), member_(std::move(member)), node_(std::move(node)) {
  }

  const char* name() const override {
    return "ply.pubsub.hub";
  }

  void start_factory() override {
    offer_to_cluster(member_, "pubsub", caf::actor{this});
  }

  caf::actor build_protocol(const ply::address&) override {
    return spawn_protocol<connection>(opts_);
  }

  void protocol_ended(const ply::connection& ended, const caf::error&) override {
    auto i = clients_.find(ended);
    const auto& who = ended.protocol();
    if (i == clients_.end())
      return;
    for (auto& c : i->second.channels)
      drop(channels_, c, who, false);
    for (auto& p : i->second.patterns)
      drop(patterns_, p, who, true);
    clients_.erase(i);
  }

  caf::message_handler extra_behavior() override {
    return {
      [this](sub_atom, bool pattern, const std::string& name) {
        auto who = sender();
        auto conn = caller();
        if (!who || !conn)
          return;
        auto& c = clients_[conn];
        auto& mine = pattern ? c.patterns : c.channels;
        if (!mine.insert(name).second)
          return;
        (pattern ? patterns_ : channels_)[name].push_back(who);
        tell_peers(pattern, name, 1);
      },
      [this](unsub_atom, bool pattern, const std::string& name) {
        auto c = clients_.find(caller());
        if (c == clients_.end())
          return;
        auto& mine = pattern ? c->second.patterns : c->second.channels;
        if (mine.erase(name) > 0)
          drop(pattern ? patterns_ : channels_, name, c->first.protocol(), pattern);
      },
      [this](pub_atom, uint64_t ticket, const std::string& channel, const std::string& payload) {
        auto n = deliver(channel, payload, [this](auto& to, std::string bytes) {
          push(to, std::move(bytes));
        });
        for (auto& [addr, p] : peers_) {
          auto theirs = p.receivers(channel);
          if (theirs > 0) {
            // A publication for another node leaves at once when that node has acknowledged
            // every batch sent to it; while it has not, publications wait and leave together
            // with its next acknowledgement (batches grow with the load, nothing waits longer
            // than one round trip), or once max_batch_bytes wait. Nodes of versions before this
            // batching do not understand ps_relays.
            p.relays.add({channel, payload});
            if (p.unacknowledged == 0 || p.relays.size() >= max_batch_bytes)
              send_relays(p);
            n += theirs;
          }
        }
        if (ticket != 0)
          send(sender(), published_atom::value, ticket, n);
      },
      // -- from the cluster --
      [this](peer_up_atom, const caf::actor& hub, const std::string& node) { meet(hub, node); },
      [this](peer_down_atom, const caf::actor& hub, const std::string& node) {
        auto p = peers_.find(hub.address());
        if (p == peers_.end())
          return;
        if (auto waiting = p->second.relays.count(); waiting > 0)
          spdlog::warn("pubsub {}: node {} is gone with its subscriptions and {} publication(s) "
                       "that waited for it", node_, node, waiting);
        else
          spdlog::warn("pubsub {}: node {} is gone with its subscriptions", node_, node);
        peers_.erase(p);
      },
      [this](count_atom, const std::string& node, bool pattern, const std::string& name,
             int64_t delta) {
        // The other hub may hear of us first (a node rejoining with subscribers): its counts can
        // come before our member tells us of it, so counts from an unknown hub introduce it.
        meet(sender(), node);
        auto p = peers_.find(sender().address());
        if (p == peers_.end())
          return;
        auto& counts = pattern ? p->second.patterns : p->second.channels;
        if ((counts[name] += delta) <= 0)
          counts.erase(name);
      },
      [this](relay_atom, const std::string& packed) {
        deliver_relays(packed);
        send(sender(), relayed_atom::value);
      },
      [this](relayed_atom) {
        auto p = peers_.find(sender().address());
        if (p == peers_.end())
          return;
        if (p->second.unacknowledged > 0)
          --p->second.unacknowledged;
        if (p->second.unacknowledged == 0 && !p->second.relays.empty())
          send_relays(p->second);
      },
      [this](query_atom, uint64_t ticket, const std::vector<std::string>& args) {
        send(sender(), answer_atom::value, ticket, pubsub_answer(args));
      },
    };
  }

protected:
  void on_exit() override {
    // Let go of other actors (the cluster's member, the hubs of other nodes): no cycles.
    factory::on_exit();
    member_ = nullptr;
    peers_.clear();
    channels_.clear();
    patterns_.clear();
    clients_.clear();
    outbox_.clear();
  }

private:
  using subscribers = std::unordered_map<std::string, std::vector<caf::actor>>;

  struct client {
    std::set<std::string> channels;
    std::set<std::string> patterns;
  };

  /// Another node's hub and how many subscribers it has per channel and pattern.
  struct peer {
    caf::actor hub;
    std::string node;
    std::unordered_map<std::string, int64_t> channels;
    std::unordered_map<std::string, int64_t> patterns;
    record_batch<2> relays;  ///< publications waiting for this node: channel, payload
    size_t unacknowledged = 0;  ///< batches sent to it that it has not yet delivered

    int64_t receivers(const std::string& channel) const {
      int64_t n = 0;
      if (auto i = channels.find(channel); i != channels.end())
        n += i->second;
      for (auto& [pattern, count] : patterns)
        if (resp::glob_match(pattern, channel))
          n += count;
      return n;
    }
  };

  /// PUBSUB's answer for the cluster: this node's subscriptions and the counts the other nodes
  /// told us (`args`: the subcommand, upper case, then its arguments).
  std::string pubsub_answer(const std::vector<std::string>& args) const {
    auto& sub = args.front();
    if (sub == "NUMSUB") {
      auto out = resp::array_header(2 * (args.size() - 1));
      for (size_t i = 1; i < args.size(); ++i) {
        int64_t n = 0;
        if (auto c = channels_.find(args[i]); c != channels_.end())
          n += static_cast<int64_t>(c->second.size());
        for (auto& [addr, p] : peers_)
          if (auto c = p.channels.find(args[i]); c != p.channels.end())
            n += c->second;
        out += resp::bulk(args[i]) + resp::integer(n);
      }
      return out;
    }
    // CHANNELS lists channels, NUMPAT counts patterns: each once, wherever subscribed.
    bool patterns = sub == "NUMPAT";
    std::set<std::string> names;
    for (auto& [name, subs] : patterns ? patterns_ : channels_)
      if (!subs.empty() && !name.empty())
        names.insert(name);
    for (auto& [addr, p] : peers_)
      for (auto& [name, count] : patterns ? p.patterns : p.channels)
        if (count > 0 && !name.empty())
          names.insert(name);
    if (patterns)
      return resp::integer(static_cast<int64_t>(names.size()));
    std::string out;
    size_t n = 0;
    for (auto& name : names)
      if (args.size() < 2 || resp::glob_match(args[1], name)) {
        out += resp::bulk(name);
        ++n;
      }
    return resp::array_header(n) + out;
  }

  /// Starts sharing topics with another node's hub (once): it learns our subscriber counts.
  void meet(const caf::actor& hub, const std::string& node) {
    if (!hub || peers_.count(hub.address()) > 0)
      return;
    peers_[hub.address()] = peer{hub, node, {}, {}, {}, 0};
    spdlog::info("pubsub {}: topics now shared with node {}", node_, node);
    for (auto& [name, subs] : channels_)
      send(hub, trace::carry(count_atom::value, node_, false, name,
                             static_cast<int64_t>(subs.size())));
    for (auto& [name, subs] : patterns_)
      send(hub, trace::carry(count_atom::value, node_, true, name,
                             static_cast<int64_t>(subs.size())));
  }

  void drop(subscribers& subs, const std::string& name, const caf::actor_addr& who, bool pattern) {
    auto i = subs.find(name);
    if (i == subs.end())
      return;
    auto& v = i->second;
    v.erase(std::remove_if(v.begin(), v.end(), [&](const caf::actor& a) { return a == who; }),
            v.end());
    if (v.empty())
      subs.erase(i);
    tell_peers(pattern, name, -1);
  }

  void tell_peers(bool pattern, const std::string& name, int64_t delta) {
    for (auto& [addr, p] : peers_)
      send(p.hub, trace::carry(count_atom::value, node_, pattern, name, delta));
  }

  /// Hands one shared, reference-counted message to each of `to`: fan-out copies no bytes.
  void push(const std::vector<caf::actor>& to, std::string bytes) {
    auto msg = caf::make_message(push_atom::value, std::move(bytes));
    for (auto& a : to)
      push_to(a, msg);
  }

  void push_to(const caf::actor& a, caf::message msg) {
    a->enqueue(caf::make_mailbox_element(ctrl(), caf::make_message_id(), {}, std::move(msg)),
               context());
  }

  void send_relays(peer& p) {
    send(p.hub, trace::carry(relay_atom::value, p.relays.take()));
    ++p.unacknowledged;
  }

  /// Delivers a batch of another node's publications to this node's subscribers, in order, as
  /// one message per subscriber.
  void deliver_relays(const std::string& packed) {
    std::string channel;
    bool whole = for_each_record<2>(packed, [&](const auto& r) {
      channel.assign(r[0]);
      deliver(channel, r[1], [this](auto& to, const std::string& bytes) {
        for (auto& a : to)
          outbox_[a] += bytes;
      });
    });
    for (auto& [to, bytes] : outbox_)
      push_to(to, caf::make_message(push_atom::value, std::move(bytes)));
    outbox_.clear();
    if (!whole)
      spdlog::warn("pubsub {}: a batch of publications from another node was cut short ({} bytes); "
                   "delivered its whole records", node_, packed.size());
  }

  /// Delivers to this node's subscribers through `sink(subscribers, bytes)`, the bytes each of
  /// them gets; returns how many received it.
  template <class Sink>
  int64_t deliver(const std::string& channel, std::string_view payload, Sink sink) {
    int64_t n = 0;
    // Line mode shows what RESP nodes of the cluster published as one line, whatever it holds.
    auto line = [&] {
      return channel.empty() ? printable(payload) + "\r\n"
                             : "[" + printable(channel) + "] " + printable(payload) + "\r\n";
    };
    if (auto i = channels_.find(channel); i != channels_.end()) {
      n += static_cast<int64_t>(i->second.size());
      sink(i->second, opts_.how == mode::resp ? resp::message(channel, payload) : line());
    }
    for (auto& [pattern, subs] : patterns_) {
      if (!resp::glob_match(pattern, channel))
        continue;
      n += static_cast<int64_t>(subs.size());
      sink(subs, opts_.how == mode::resp ? resp::pmessage(pattern, channel, payload) : line());
    }
    return n;
  }

  options opts_;
  caf::actor member_;
  std::string node_;
  subscribers channels_;
  subscribers patterns_;
  std::unordered_map<ply::connection, client> clients_;
  std::map<caf::actor_addr, peer> peers_;
  std::unordered_map<caf::actor, std::string> outbox_;  ///< deliver_relays's bytes per subscriber
};

} // namespace

factory_maker hub(options opts, caf::actor cluster_member, std::string node) {
  return factory::of<hub_actor>(opts, std::move(cluster_member), std::move(node));
}

void register_plugin(plugin_registry& reg) {
  reg.add(plugin{
    "pubsub", "Publish/subscribe over lines or Redis's protocol, with topics across a cluster",
    [](CLI::App& cmd) -> service_builder {
      auto port = std::make_shared<std::string>("tcp:8001");
      auto opts = std::make_shared<options>();
      auto use_resp = std::make_shared<bool>(false);
      auto cluster = std::make_shared<cluster_options>();
      cmd.add_option("--port", *port, "Endpoint to listen on")->capture_default_str();
      cmd.add_flag("--resp", *use_resp,
                   "Speak Redis's protocol (redis-cli, redis-benchmark) instead of lines");
      cmd.add_option("--max-line", opts->max_line, "Longest line or inline command (bytes)")
        ->capture_default_str()
        ->check(CLI::Range(size_t{16}, size_t{1} << 24));
      cmd.add_option("--max-bulk", opts->max_bulk, "Longest RESP bulk string (bytes)")
        ->capture_default_str()
        ->check(CLI::Range(size_t{16}, size_t{1} << 29));
      cmd.add_option("--max-buffer", opts->max_buffer,
                     "Bytes waiting for a client that does not read, before it is cut off")
        ->capture_default_str()
        ->check(CLI::Range(size_t{1024}, size_t{1} << 30));
      add_cluster_options(cmd, *cluster);
      return [port, opts, use_resp, cluster](const std::string& name) -> service_ptr {
        auto o = *opts;
        o.how = *use_resp ? mode::resp : mode::lines;
        return std::make_unique<clustered_server>(
          name, *port, *cluster, [o](caf::actor member, std::string node) {
            return hub(o, std::move(member), std::move(node));
          });
      };
    }});
}

} // namespace ply::actors::pubsub
