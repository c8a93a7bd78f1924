// SPDX-License-Identifier: MIT
#pragma once

#include <cstdint>
#include <iosfwd>
#include <map>
#include <string>
#include <utility>
#include <vector>

#include <nlohmann/json.hpp>

namespace ply_trace {

/// An event's identity across nodes, as people write it: node name and event id.
using event_key = std::pair<std::string, uint64_t>;
/// An actor's identity across nodes: node (index into `trace::nodes`) and actor id.
using actor_key = std::pair<uint32_t, uint64_t>;

/// "No such event": an index that names none.
constexpr uint32_t no_event = UINT32_MAX;

/// The fields of schema 1 that every tool reads, kept as numbers. An event holds them in a fixed
/// record (168 bytes), so that a million events fit in a few hundred megabytes; the fields it does
/// not know stay as JSON text beside it (`extras`).
enum class field : uint8_t {
  actor, from, cause, conn, n, size, sent_ns, wait_ns, handler_ns, count, queued, parent, event,
  count_of_fields
};

/// One recorded event.
struct event {
  int64_t t = 0;  ///< nanoseconds on the merged timeline
  uint64_t id = 0;
  uint32_t node = 0;            ///< index into `trace::nodes`
  uint32_t kind = 0;            ///< index into `trace::names`: "recv", "spawn", ...
  uint32_t msg = UINT32_MAX;    ///< `recv.msg`, index into `trace::names`
  uint32_t from_node = 0;       ///< sender's node (this event's own when the record names none)
  uint32_t cause_node = 0;      ///< cause's node (likewise)
  uint32_t cause = no_event;    ///< index of the cause in `trace::events`, once loaded
  uint32_t read_order = 0;      ///< position in the files as read: equal times keep it
  uint16_t present = 0;         ///< bit per `field` the record holds
  bool names_from_node = false;   ///< the record held `from_node`
  bool names_cause_node = false;  ///< the record held `cause_node`
  uint32_t extras_size = 0;
  uint64_t extras_at = 0;       ///< other fields, a JSON object in `trace::extras`
  uint64_t values[static_cast<size_t>(field::count_of_fields)] = {};

  bool has(field f) const {
    return (present >> static_cast<unsigned>(f)) & 1u;
  }
  /// Whether the event happened between `since` and `until` (seconds on the merged timeline;
  /// until < 0: the end).
  bool within(double since, double until) const {
    double secs = static_cast<double>(t) / 1e9;
    return secs >= since && (until < 0 || secs <= until);
  }
  /// A numeric field, 0 when the record does not hold it.
  uint64_t num(field f) const {
    return values[static_cast<size_t>(f)];
  }
};

static_assert(sizeof(event) <= 168, "an event record grew: a million of them must stay small");

/// Every event of several trace files, merged into one timeline.
struct trace {
  std::vector<event> events;           ///< sorted by time
  std::vector<std::string> nodes;      ///< every node named, by index
  std::vector<uint32_t> recorded;      ///< the nodes that recorded events, in order of appearance
  std::vector<std::string> names;      ///< event kinds and message names
  std::string extras;                  ///< the fields events hold beyond `field`, as JSON text
  std::map<actor_key, std::string> types;  ///< actor -> type, from spawn events
  std::map<actor_key, uint64_t> parents;   ///< actor -> parent actor id (same node)
  std::vector<std::string> warnings;

  /// The event named `node`#`id`, or nullptr.
  const event* find(uint32_t node, uint64_t id) const;
  /// The event named by `k`, or nullptr.
  const event* find(const event_key& k) const;

  const std::string& kind(const event& e) const {
    return names[e.kind];
  }
  /// The index of `name` in `names` (event kinds and message names), or UINT32_MAX when no
  /// record named it (the kinds the reader itself uses, such as "recv", are always there).
  uint32_t name_index(const std::string& name) const;
  /// `recv.msg`, or "" when there is none.
  const std::string& msg(const event& e) const;
  /// A string field beyond the numeric ones (`reason`, `peer`, `what`, `state`, `type`...), or
  /// `fallback` when the record holds none.
  std::string str(const event& e, const char* key, const std::string& fallback = {}) const;
  /// The record as JSON: every field it held, `t` on the merged timeline.
  nlohmann::json to_json(const event& e) const;
  /// "node#id".
  std::string name_of(const event& e) const;
  /// When a received message was sent: its time less its wait in the mailbox (held within
  /// int64_t whatever a damaged record says).
  static int64_t sent_at(const event& e);

  std::string type_of(const actor_key& a) const {
    auto i = types.find(a);
    return i == types.end() ? "?" : i->second;
  }

  size_t index_of(const event& e) const {
    return static_cast<size_t>(&e - events.data());
  }

  /// The event that caused `e` (same node or, through a link, another), if recorded.
  const event* cause_of(const event& e) const {
    return e.cause == no_event ? nullptr : &events[e.cause];
  }

  /// The trace `e` belongs to: the first event of its causal chain (a socket read, a timer, a
  /// message from outside any ply actor), across nodes.
  const event& root_of(const event& e) const;

  /// The index of `root_of` for every event, in one pass.
  std::vector<uint32_t> all_roots() const;

  /// Events directly caused by `e`, in time order.
  std::vector<const event*> effects_of(const event& e) const;

  /// Index: (node, id, event index), sorted; `find` searches it.
  struct key_entry {
    uint32_t node;
    uint32_t index;
    uint64_t id;
  };
  std::vector<key_entry> by_key;
  /// Effects, the inverse of causes: those of event i are effect_list[effect_start[i] ...
  /// effect_start[i + 1]).
  std::vector<uint32_t> effect_start, effect_list;
};

/// Reads and merges `files`. A damaged file is read up to the damage, with a warning.
trace load(const std::vector<std::string>& files);

/// Reads and merges already open files, each with the name its warnings use.
trace load(const std::vector<std::pair<std::string, std::istream*>>& files);

/// "node#id" or "id" (with a single node) -> key; false when it is neither.
bool parse_event_key(const trace& t, const std::string& text, event_key& out);

} // namespace ply_trace
