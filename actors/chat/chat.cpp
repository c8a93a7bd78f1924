// SPDX-License-Identifier: MIT
#include "chat/chat.hpp"

#include <CLI/CLI.hpp>
#include <algorithm>
#include <chrono>
#include <map>
#include <memory>
#include <set>

#include <caf/send.hpp>
#include <spdlog/spdlog.h>

#include <ply/cluster.hpp>
#include <ply/line_receiver.hpp>
#include <ply/services.hpp>
#include <ply/trace.hpp>

#include "chat/irc.hpp"
#include "chat/messages.hpp"
#include "clustered_server.hpp"
#include "record_batch.hpp"
#include "text.hpp"

namespace ply::actors::chat {

namespace {

// Hub -> hub.
using sync_atom = caf::atom_constant<caf::atom("ch_sync")>;
using entered_atom = caf::atom_constant<caf::atom("ch_enter")>;
using left_atom = caf::atom_constant<caf::atom("ch_left")>;
using relay_atom = caf::atom_constant<caf::atom("ch_relays")>;  ///< a record_batch of room lines
using private_atom = caf::atom_constant<caf::atom("ch_priv")>;
using ask_atom = caf::atom_constant<caf::atom("ch_ask")>;
using flush_atom = caf::atom_constant<caf::atom("ch_flush")>;

constexpr auto claim_timeout = std::chrono::seconds(2);

/// A line relayed from another node later than this after it was said is dropped, not delivered
/// as new: a frozen node that resumes, or a link that held it, made it stale. (Nodes' clocks are
/// taken to agree to well within this.)
constexpr auto stale_after = std::chrono::seconds(10);

/// Milliseconds since the epoch: when a line was said, as the nodes of a cluster agree on it.
int64_t wall_clock_ms() {
  return std::chrono::duration_cast<std::chrono::milliseconds>(
           std::chrono::system_clock::now().time_since_epoch())
    .count();
}
constexpr const char* help_text =
  "Commands: /join ROOM, /who, /rooms, /me ACTION, /msg NAME TEXT, /quit, /help";

/// One chat connection: asks for a name, then passes lines and commands to its hub.
class connection : public line_receiver {
public:
  explicit connection(options opts) : opts_(std::move(opts)) {
  }

  const char* name() const override {
    return "ply.chat.connection";
  }

  void connection_made() override {
    set_max_length(opts_.max_line);
    // A client that does not read is cut off once this much waits for it (the transport's hard
    // cap), and nobody else waits for it.
    transport().set_output_limit(opts_.max_buffer);
    send_line("What's your name?");
  }

  void line_received(std::string_view line) override {
    if (closing_)
      return;
    if (has_control_chars(line)) {
      refuse("Line refused: it contains control characters. Closing the connection.");
      return;
    }
    if (name_.empty())
      choose_name(line);
    else
      chat(line);
  }

  void line_length_exceeded(std::string_view) override {
    refuse("Line refused: longer than " + std::to_string(opts_.max_line) +
           " bytes. Closing the connection.");
  }

  void connection_lost(const caf::error& reason) override {
    if (is(reason, errc::output_limit))
      spdlog::warn("[{}] chat user '{}' is not reading: over {} bytes waiting, cut off",
                   log_prefix(), name_, opts_.max_buffer);
  }

  caf::message_handler extra_behavior() override {
    return {
      [this](line_atom, std::string& text) {
        if (!closing_)
          transport().write(std::move(text));  // the hub's batch goes to the socket uncopied
      },
      [this](close_atom, const std::string& why) {
        if (!closing_)
          refuse(why);
      },
    };
  }

private:
  void refuse(const std::string& why) {
    spdlog::info("[{}] {}", log_prefix(), why);
    send_line(why);
    closing_ = true;
    transport().lose_connection();
  }

  void choose_name(std::string_view line) {
    auto why = check_name(line, opts_.max_name);
    if (!why.empty()) {
      send_line("Name refused: " + why + "; please choose another.");
      return;
    }
    // The next lines wait until the hub (and through it every node) has answered.
    std::string wanted{line};
    hold_input_until(ask<bool>(factory(), claim_atom::value, wanted))
      .add_callbacks(
        [this, wanted](bool ok) {
          if (ok)
            name_ = wanted;
          else
            send_line("Name taken, please choose another.");
        },
        [this](failure f) {
          spdlog::warn("[{}] name claim failed: {}", log_prefix(), f.message());
          send_line("The chat is not answering, please try again.");
        });
  }

  void chat(std::string_view line) {
    if (line.empty())
      return;
    if (line.front() != '/') {
      send(factory(), say_atom::value, std::string{line});
      return;
    }
    auto space = line.find(' ');
    auto cmd = line.substr(0, space);
    auto rest = space == std::string_view::npos ? std::string_view{} : line.substr(space + 1);
    while (!rest.empty() && rest.front() == ' ')
      rest.remove_prefix(1);
    if (cmd == "/join") {
      auto why = check_name(rest, opts_.max_name);
      if (!why.empty())
        send_line("Room refused: " + why + ".");
      else
        send(factory(), join_atom::value, std::string{rest});
    } else if (cmd == "/who") {
      send(factory(), who_atom::value);
    } else if (cmd == "/rooms") {
      send(factory(), rooms_atom::value);
    } else if (cmd == "/me") {
      if (rest.empty())
        send_line("Usage: /me ACTION");
      else
        send(factory(), me_atom::value, std::string{rest});
    } else if (cmd == "/msg") {
      auto sp = rest.find(' ');
      if (sp == std::string_view::npos || sp + 1 >= rest.size())
        send_line("Usage: /msg NAME TEXT");
      else
        send(factory(), msg_atom::value, std::string{rest.substr(0, sp)},
             std::string{rest.substr(sp + 1)});
    } else if (cmd == "/quit") {
      send_line("Bye!");
      closing_ = true;
      transport().lose_connection();
    } else if (cmd == "/help") {
      send_line(help_text);
    } else {
      send_line("Unknown command: " + std::string{cmd} + " (" + help_text + ")");
    }
  }

  options opts_;
  std::string name_;
  bool closing_ = false;
};

std::string with_crlf(std::string text) {
  text += "\r\n";
  return text;
}

/// A node's chat hub: the factory of its connections and the keeper of its users and rooms. Hubs
/// of different nodes tell each other who entered, left and said what, so rooms span the cluster.
class hub_actor : public factory {
public:
  hub_actor(options opts, caf::actor member, std::string node,
            std::shared_ptr<std::atomic<uint16_t>> irc_port)
    : opts_(std::move(opts)),
      member_(std::move(member)),
      node_(std::move(node)),
      irc_port_(std::move(irc_port)) {
  }

  const char* name() const override {
    return "ply.chat.hub";
  }

  void start_factory() override {
    offer_to_cluster(member_, "chat", caf::actor{this});
  }

  caf::actor build_protocol(const ply::address&) override {
    return spawn_protocol<connection>(opts_);
  }

  caf::actor build_protocol_on(const ply::address& local, const ply::address& peer) override {
    if (irc_port_ && local.port != 0 && local.port == irc_port_->load())
      return spawn_irc_connection(*this, opts_);
    return build_protocol(peer);
  }

  void protocol_ended(const ply::connection& ended, const caf::error&) override {
    auto i = local_.find(ended);
    if (i == local_.end())
      return;
    auto name = i->second;
    local_.erase(i);
    auto u = users_.find(name);
    if (u == users_.end())
      return;
    auto room = u->second.room;
    users_.erase(u);
    announce(room, name + " has left the channel.");
    tell_peers(trace::carry(left_atom::value, name, room, true));
  }

  void on_exit() override {
    // Let go of other actors (the cluster's member, the hubs of other nodes): no cycles.
    factory::on_exit();
    member_ = nullptr;
    peers_.clear();
    claims_.clear();
    users_.clear();
    local_.clear();
  }

  caf::message_handler extra_behavior() override {
    return {
      // -- from this node's connections --
      [this](claim_atom, const std::string& name) -> caf::result<bool> {
        return claim(name);
      },
      [this](say_atom, const std::string& text) {
        if (auto* u = speaker())
          say(u->room, "<" + u->name + "> " + text);
      },
      [this](me_atom, const std::string& text) {
        if (auto* u = speaker())
          say(u->room, "* " + u->name + " " + text);
      },
      [this](join_atom, const std::string& room) {
        if (auto* u = speaker())
          move(*u, room);
      },
      [this](who_atom) {
        if (speaker() != nullptr)
          reply(who());
      },
      [this](rooms_atom) {
        if (speaker() != nullptr)
          reply(rooms());
      },
      [this](msg_atom, const std::string& to, const std::string& text) {
        auto* u = speaker();
        if (u == nullptr)
          return;
        auto t = users_.find(to);
        if (t == users_.end()) {
          reply("No such user: " + to);
          return;
        }
        auto line = with_crlf("*" + u->name + "* " + text);
        if (t->second.conn) {
          queue(t->second, line);
        } else {
          send_relays();  // behind the lines said before it
          send(t->second.hub, trace::carry(private_atom::value, to, line, wall_clock_ms()));
        }
      },
      // -- from the cluster --
      [this](peer_up_atom, const caf::actor& hub, const std::string& node) {
        peer_up(hub, node);
      },
      [this](peer_down_atom, const caf::actor& hub, const std::string& node) {
        peer_down(hub, node);
      },
      [this](sync_atom, const std::string& node, const std::vector<std::string>& names,
             const std::vector<std::string>& rooms) {
        // The other hub may hear of us first: its sync can come before our member tells us of
        // it (a node rejoining with users), so a sync from an unknown hub introduces it.
        auto hub = sender();
        if (hub && peers_.count(hub.address()) == 0)
          peer_up(hub, node);
        auto p = peers_.find(hub.address());
        if (p == peers_.end())
          return;
        for (size_t k = 0; k < names.size() && k < rooms.size(); ++k)
          add_remote(p->second, names[k], rooms[k], false);
      },
      [this](entered_atom, const std::string& name, const std::string& room) {
        auto p = peers_.find(sender().address());
        if (p != peers_.end())
          add_remote(p->second, name, room, true);
      },
      [this](left_atom, const std::string& name, const std::string& room, bool gone) {
        // Only the user's own node says it left: after a split, another node's user may hold
        // the name now.
        auto u = users_.find(name);
        if (u == users_.end() || u->second.conn || u->second.hub != sender())
          return;
        if (gone)
          users_.erase(u);
        announce(room, name + " has left the channel.");
      },
      [this](relay_atom, const std::string& packed, int64_t said_at) {
        if (drop_if_stale(said_at))
          return;
        std::string room;
        std::string line;
        bool whole = for_each_record<2>(packed, [&](const auto& r) {
          room.assign(r[0]);
          line.assign(r[1]);
          deliver(room, line);
        });
        if (!whole)
          spdlog::warn("chat {}: a batch of lines from another node was cut short ({} bytes); "
                       "delivered its whole lines", node_, packed.size());
      },
      [this](private_atom, const std::string& to, const std::string& line, int64_t said_at) {
        if (drop_if_stale(said_at))
          return;
        auto t = users_.find(to);
        if (t != users_.end() && t->second.conn)
          queue(t->second, line);
      },
      [this](flush_atom) { flush(); },
      [this](ask_atom, const std::string& name, const std::string& from_node) -> bool {
        return grant(name, from_node);
      },
    };
  }

private:
  struct user {
    std::string name;
    std::string room;
    caf::actor conn;  ///< the connection, for users of this node
    caf::actor hub;   ///< the hub of the user's node, for users of other nodes
    std::string node;
    std::string outbox;  ///< lines for a local user, sent at the end of the hub's burst
    size_t last_outbox = 0;  ///< the size of the last one: the next starts that large
    bool dirty = false;      ///< listed in dirty_: the outbox leaves at the end of the burst
  };

  struct peer {
    caf::actor hub;
    std::string node;
  };

  /// A name being claimed by a connection of this node: waiting for the other hubs' answers.
  struct pending_claim {
    caf::typed_response_promise<bool> promise;
    caf::actor conn;          ///< the claiming connection's protocol
    ply::connection handle;   ///< and its handle
    size_t waiting = 0;
    bool refused = false;
  };

  /// The user behind the current message's connection (null before it has a name).
  user* speaker() {
    auto i = local_.find(caller());
    if (i == local_.end())
      return nullptr;
    auto u = users_.find(i->second);
    return u == users_.end() ? nullptr : &u->second;
  }

  /// Answers the current message's connection, in order with the lines queued for it.
  void reply(const std::string& text) {
    if (auto* u = speaker())
      queue(*u, with_crlf(text));
    else
      send(sender(), line_atom::value, with_crlf(text));
  }

  /// An outbox this large is sent at once, not at the end of the burst.
  static constexpr size_t max_outbox = 32 * 1024;

  /// Queues `line` for local user `u`. Everything queued in one burst of the hub's messages
  /// leaves as one message per user when the burst ends (a flush message the hub sends itself
  /// goes behind the messages already waiting), so a busy room costs one message per member per
  /// burst instead of one per line, and nothing waits longer than the burst. An outbox that
  /// reaches `max_outbox` leaves at once: the memory a burst touches stays small and is reused
  /// (fresh pages for every burst's outboxes cost more than the lines' copies).
  void queue(user& u, const std::string& line) {
    if (!u.dirty) {
      u.dirty = true;
      dirty_.push_back(u.name);
    }
    if (u.outbox.empty())
      u.outbox.reserve(std::max(u.last_outbox, line.size()));  // no regrowth in a steady room
    u.outbox += line;
    if (u.outbox.size() >= max_outbox && u.conn)
      send_outbox(u);
    if (!flush_sent_) {
      flush_sent_ = true;
      send(this, flush_atom::value);
    }
  }

  void flush() {
    flush_sent_ = false;
    send_relays();
    for (auto& name : dirty_) {
      auto i = users_.find(name);
      if (i == users_.end())
        continue;
      i->second.dirty = false;
      if (i->second.conn && !i->second.outbox.empty())
        send_outbox(i->second);
    }
    dirty_.clear();
  }

  /// Sends local user `u` the lines queued for it, as one message.
  void send_outbox(user& u) {
    u.last_outbox = u.outbox.size();
    send(u.conn, line_atom::value, std::move(u.outbox));
    u.outbox.clear();
  }

  caf::result<bool> claim(const std::string& name) {
    if (users_.count(name) > 0 || claims_.count(name) > 0)
      return false;
    auto& c = claims_[name];
    c.conn = sender();
    c.handle = caller();
    c.promise = make_response_promise<bool>();
    c.waiting = peers_.size();
    auto promise = c.promise;
    for (auto& [addr, p] : peers_) {
      auto node = p.node;
      request(p.hub, claim_timeout, trace::carry(ask_atom::value, name, node_))
        .then([this, name](bool ok) { answered(name, ok); },
              [this, name, node](const caf::error& e) {
                spdlog::warn("chat {}: node {} did not answer a name claim ({}); going on",
                             node_, node, system().render(e));
                answered(name, true);
              });
    }
    if (c.waiting == 0)
      settle(name);
    return promise;
  }

  void answered(const std::string& name, bool ok) {
    auto i = claims_.find(name);
    if (i == claims_.end())
      return;
    if (!ok)
      i->second.refused = true;
    if (i->second.waiting > 0 && --i->second.waiting == 0)
      settle(name);
  }

  /// Every hub answered: the name is the connection's, or taken.
  void settle(const std::string& name) {
    auto c = std::move(claims_.at(name));
    claims_.erase(name);
    if (c.refused || users_.count(name) > 0) {
      c.promise.deliver(false);
      return;
    }
    users_[name] = user{name, opts_.lobby, c.conn, {}, node_, {}};
    local_[c.handle] = name;
    c.promise.deliver(true);
    send(c.conn, line_atom::value, with_crlf("Welcome, " + name + "!"));
    entered(users_[name]);
  }

  /// A hub on `from_node` asks whether its connection may take `name`.
  bool grant(const std::string& name, const std::string& from_node) {
    if (users_.count(name) > 0)
      return false;
    // Two nodes claiming the same name at once: the lower node name wins.
    if (claims_.count(name) > 0 && node_ < from_node)
      return false;
    return true;
  }

  /// `u` entered its room: everyone there hears of it, on every node.
  void entered(const user& u) {
    announce(u.room, u.name + " has joined the channel.", u.conn);
    tell_peers(trace::carry(entered_atom::value, u.name, u.room));
  }

  void move(user& u, const std::string& room) {
    if (u.room == room) {
      reply("You are already in " + room + ".");
      return;
    }
    auto old = u.room;
    announce(old, u.name + " has left the channel.", u.conn);
    tell_peers(trace::carry(left_atom::value, u.name, old, false));
    u.room = room;
    reply("You are now in " + room + ".");
    entered(u);
  }

  void say(const std::string& room, const std::string& text) {
    auto line = with_crlf(text);
    deliver(room, line, sender());
    if (peers_.empty())
      return;
    // The other nodes get the lines of this burst as one batch, stamped with the first one's
    // time (the staleness rule stays on the safe side).
    if (relays_.empty())
      relays_said_at_ = wall_clock_ms();
    relays_.add({room, line});
    // Lines for the other nodes wait at most until the hub's current burst of messages ends.
    if (relays_.size() >= max_batch_bytes) {
      send_relays();
    } else if (!flush_sent_) {
      flush_sent_ = true;
      send(this, flush_atom::value);
    }
  }

  /// Sends the lines said since the last flush to every other node, as one message.
  void send_relays() {
    if (relays_.empty())
      return;
    auto batch = trace::carry(relay_atom::value, relays_.take(), relays_said_at_);
    for (auto& [addr, p] : peers_)
      send(p.hub, batch);
  }

  /// Sends `msg` to every other node, behind the lines said before it.
  void tell_peers(const caf::message& msg) {
    send_relays();
    for (auto& [addr, p] : peers_)
      send(p.hub, msg);
  }

  /// Queues `line` for this node's members of `room`, except `except`.
  void deliver(const std::string& room, const std::string& line, const caf::actor& except = {}) {
    for (auto& [name, u] : users_)
      if (u.conn && u.room == room && u.conn != except)
        queue(u, line);
  }

  void announce(const std::string& room, const std::string& text, const caf::actor& except = {}) {
    deliver(room, with_crlf(text), except);
  }

  std::string who() const {
    std::string out = "Online (" + std::to_string(users_.size()) + "):";
    for (auto& [name, u] : users_)
      out += " " + name + " [" + u.room + (u.conn ? "" : " @" + u.node) + "]";
    return out;
  }

  std::string rooms() const {
    std::map<std::string, size_t> count;
    for (auto& [name, u] : users_)
      ++count[u.room];
    std::string out = "Rooms:";
    for (auto& [room, n] : count)
      out += " " + room + " (" + std::to_string(n) + ")";
    return out;
  }

  void peer_up(const caf::actor& hub, const std::string& node) {
    if (peers_.count(hub.address()) > 0)
      return;
    send_relays();  // lines said before the node came are not for it
    peers_[hub.address()] = peer{hub, node};
    spdlog::info("chat {}: rooms now shared with node {}", node_, node);
    std::vector<std::string> names;
    std::vector<std::string> rooms;
    for (auto& [name, u] : users_) {
      if (u.conn) {
        names.push_back(name);
        rooms.push_back(u.room);
      }
    }
    send(hub, trace::carry(sync_atom::value, node_, names, rooms));
  }

  void peer_down(const caf::actor& hub, const std::string& node) {
    if (peers_.erase(hub.address()) == 0)
      return;
    std::vector<std::pair<std::string, std::string>> gone;
    for (auto& [name, u] : users_)
      if (!u.conn && u.hub == hub)
        gone.emplace_back(name, u.room);
    spdlog::warn("chat {}: node {} is gone with {} user(s)", node_, node, gone.size());
    for (auto& [name, room] : gone) {
      users_.erase(name);
      announce(room, name + " has left the channel.");
    }
  }

  void add_remote(const peer& p, const std::string& name, const std::string& room, bool tell) {
    auto i = users_.find(name);
    // A name taken on two nodes (each side of a split network gave it out): the node whose name
    // sorts first keeps it, as when two nodes claim one name at once.
    bool clash = false;
    if (i != users_.end() && i->second.node != p.node) {
      if (i->second.node < p.node)
        return;
      if (i->second.conn) {
        give_up(name, p.node);
        clash = true;  // the room saw ours leave: it sees theirs come, however we heard of them
      }
    } else if (i != users_.end() && i->second.room == room) {
      return;
    }
    users_[name] = user{name, room, {}, p.hub, p.node, {}};
    if (tell || clash)
      announce(room, name + " has joined the channel.");
  }

  /// Whether a line said at `said_at` comes too late to be delivered; such a line is counted, and
  /// logged (the first, then every 1,000th).
  bool drop_if_stale(int64_t said_at) {
    auto late = std::chrono::milliseconds{wall_clock_ms() - said_at};
    if (late <= stale_after)
      return false;
    // A frozen node wakes to a backlog of them: one warning for the first, then every 1,000th.
    if (stale_lines_++ % 1000 == 0)
      spdlog::warn("chat {}: dropped a line said {} s ago, too late to deliver as new ({} so far)",
                   node_, late.count() / 1000, stale_lines_);
    return true;
  }

  /// This node's user `name` loses the name to node `winner`'s user: told why, disconnected,
  /// and gone from every room of the cluster.
  void give_up(const std::string& name, const std::string& winner) {
    spdlog::warn("chat {}: user '{}' is also on node {}, which keeps the name; disconnecting ours",
                 node_, name, winner);
    for (auto i = local_.begin(); i != local_.end(); ++i) {
      if (i->second == name) {
        local_.erase(i);
        break;
      }
    }
    auto u = users_.find(name);
    if (!u->second.outbox.empty())  // what it was to hear first
      send(u->second.conn, line_atom::value, std::move(u->second.outbox));
    send(u->second.conn, close_atom::value,
         "Your name " + name + " was also given out on node " + winner
           + " while the network was split; it stays theirs. Please reconnect with another name.");
    auto room = u->second.room;
    users_.erase(u);
    announce(room, name + " has left the channel.");
    tell_peers(trace::carry(left_atom::value, name, room, true));
  }

  options opts_;
  caf::actor member_;
  std::string node_;
  std::shared_ptr<std::atomic<uint16_t>> irc_port_;
  std::map<std::string, user> users_;               ///< every user of the cluster, by name
  std::map<ply::connection, std::string> local_;    ///< this node's connections with a name
  std::map<std::string, pending_claim> claims_;     ///< names being claimed here
  std::map<caf::actor_addr, peer> peers_;           ///< the hubs of the other nodes
  std::vector<std::string> dirty_;                  ///< local users with queued lines
  bool flush_sent_ = false;
  record_batch<2> relays_;      ///< lines for the other nodes: room, line
  int64_t relays_said_at_ = 0;  ///< when the first of them was said
  uint64_t stale_lines_ = 0;  ///< lines from other nodes dropped as too late
};

} // namespace

factory_maker hub(options opts, caf::actor cluster_member, std::string node,
                  std::shared_ptr<std::atomic<uint16_t>> irc_port) {
  return factory::of<hub_actor>(std::move(opts), std::move(cluster_member), std::move(node),
                                std::move(irc_port));
}

void register_plugin(plugin_registry& reg) {
  reg.add(plugin{
    "chat", "A chat server (nc friendly) whose rooms span a cluster of nodes",
    [](CLI::App& cmd) -> service_builder {
      auto port = std::make_shared<std::string>("tcp:8000");
      auto opts = std::make_shared<options>();
      auto cluster = std::make_shared<cluster_options>();
      cmd.add_option("--port", *port, "Endpoint to listen on")->capture_default_str();
      cmd.add_option("--max-line", opts->max_line, "Longest line a client may send (bytes)")
        ->capture_default_str()
        ->check(CLI::Range(size_t{16}, size_t{1} << 20));
      cmd.add_option("--max-name", opts->max_name, "Longest user or room name (bytes)")
        ->capture_default_str()
        ->check(CLI::Range(1, 256));
      cmd.add_option("--max-buffer", opts->max_buffer,
                     "Bytes waiting for a client that does not read, before it is cut off")
        ->capture_default_str()
        ->check(CLI::Range(size_t{1024}, size_t{1} << 30));
      cmd.add_option("--lobby", opts->lobby, "The room users start in")->capture_default_str();
      auto irc = std::make_shared<std::string>();
      cmd.add_option("--irc", *irc,
                     "Also speak IRC on this endpoint (e.g. tcp:6667), into the same rooms");
      add_cluster_options(cmd, *cluster);
      return [port, opts, cluster, irc](const std::string& name) -> service_ptr {
        auto irc_port = irc->empty() ? nullptr : std::make_shared<std::atomic<uint16_t>>(0);
        auto server = std::make_unique<clustered_server>(
          name, *port, *cluster, [opts, irc_port](caf::actor member, std::string node) {
            return hub(*opts, std::move(member), std::move(node), irc_port);
          });
        if (irc_port)
          server->add_listener(name + "-irc", *irc, [irc_port](uint16_t p) { *irc_port = p; });
        return server;
      };
    }});
}

} // namespace ply::actors::chat
