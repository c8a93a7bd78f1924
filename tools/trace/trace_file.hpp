#pragma once

#include <cstdint>
#include <iosfwd>
#include <map>
#include <string>
#include <utility>
#include <vector>

#include <nlohmann/json.hpp>

namespace ply_trace {

/// An event's identity across nodes.
using event_key = std::pair<std::string, uint64_t>;  // node, id
/// An actor's identity across nodes.
using actor_key = std::pair<std::string, uint64_t>;  // node, actor id

/// One recorded event.
struct event {
  std::string node;
  uint64_t id = 0;
  std::string ev;
  int64_t t = 0;  ///< nanoseconds on the merged timeline
  nlohmann::json j;

  uint64_t num(const char* key) const {
    auto i = j.find(key);
    return i != j.end() && i->is_number_unsigned() ? i->get<uint64_t>()
           : i != j.end() && i->is_number_integer() ? static_cast<uint64_t>(i->get<int64_t>())
                                                    : 0;
  }
  std::string str(const char* key) const {
    return str_or(key, {});
  }
  /// A string field, or `fallback` when it is missing or not a string.
  std::string str_or(const char* key, const std::string& fallback) const {
    auto i = j.find(key);
    return i != j.end() && i->is_string() ? i->get<std::string>() : fallback;
  }
  event_key key() const {
    return {node, id};
  }
};

/// Every event of several trace files, merged into one timeline.
struct trace {
  std::vector<event> events;                  ///< sorted by time
  std::map<event_key, size_t> by_key;         ///< index into events
  std::map<actor_key, std::string> types;     ///< actor -> type, from spawn events
  std::map<actor_key, uint64_t> parents;      ///< actor -> parent actor id (same node)
  std::vector<std::string> nodes;             ///< in order of appearance
  std::vector<std::string> warnings;

  const event* find(const event_key& k) const {
    auto i = by_key.find(k);
    return i == by_key.end() ? nullptr : &events[i->second];
  }

  std::string type_of(const actor_key& a) const {
    auto i = types.find(a);
    return i == types.end() ? "?" : i->second;
  }

  /// The event that caused `e` (same node or, through a link, another), if recorded.
  const event* cause_of(const event& e) const;

  /// The trace `e` belongs to: the first event of its causal chain (a socket read, a timer, a
  /// message from outside any ply actor), across nodes.
  event_key root_of(const event& e) const;

  /// `root_of` for every event, by index, in one pass.
  std::vector<event_key> all_roots() const;

  /// Events directly caused by `e`.
  std::vector<const event*> effects_of(const event& e) const;

  std::map<event_key, std::vector<size_t>> effects;  ///< cause -> indexes of its effects
  std::map<event_key, event_key> remote_causes;      ///< recv -> its cause on another node
};

/// Reads and merges `files`. A damaged file is read up to the damage, with a warning.
trace load(const std::vector<std::string>& files);

/// Reads and merges already open files, each with the name its warnings use.
trace load(const std::vector<std::pair<std::string, std::istream*>>& files);

/// "node#id" or "id" (with a single node) -> key; false when it is neither.
bool parse_event_key(const trace& t, const std::string& text, event_key& out);

} // namespace ply_trace
