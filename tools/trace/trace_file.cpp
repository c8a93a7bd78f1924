// SPDX-License-Identifier: MIT
#include "trace_file.hpp"

#include "record.hpp"

#include <algorithm>
#include <climits>
#include <fstream>
#include <istream>
#include <iterator>
#include <memory>
#include <string_view>
#include <tuple>
#include <unordered_map>

namespace ply_trace {

namespace {

/// A node index and an event id: an event named in a record.
using node_event = std::pair<uint32_t, uint64_t>;

/// A `link` record: the receive it names and its cause on another node.
struct link {
  node_event recv;
  node_event cause;
};

/// Times are nanoseconds since the Unix epoch (about 1.8e18 now); past this bound (about 146
/// years) a record is not believed. Sums of times saturate instead of overflowing.
constexpr int64_t max_time = int64_t{1} << 62;

/// `a + b`, held within the bounds of int64_t.
int64_t saturating_add(int64_t a, int64_t b) {
  int64_t out = 0;
  if (__builtin_add_overflow(a, b, &out))
    return b > 0 ? INT64_MAX : INT64_MIN;
  return out;
}

/// `a - b`, held within the bounds of int64_t.
int64_t saturating_sub(int64_t a, int64_t b) {
  int64_t out = 0;
  if (__builtin_sub_overflow(a, b, &out))
    return b < 0 ? INT64_MAX : INT64_MIN;
  return out;
}

constexpr std::string_view field_names[] = {"actor", "from", "cause", "conn", "n", "size",
                                           "sent_ns", "wait_ns", "handler_ns", "count", "queued",
                                           "parent", "event"};
static_assert(std::size(field_names) == static_cast<size_t>(field::count_of_fields));

/// Interns names (event kinds, message names, node names) as small indexes.
class interner {
public:
  explicit interner(std::vector<std::string>& table) : table_(table) {
  }
  uint32_t operator()(std::string_view name) {
    auto i = index_.find(name);
    if (i != index_.end())
      return i->second;
    auto n = static_cast<uint32_t>(table_.size());
    table_.emplace_back(name);
    index_.emplace(table_.back(), n);
    return n;
  }

private:
  struct hash {
    using is_transparent = void;
    size_t operator()(std::string_view s) const {
      return std::hash<std::string_view>{}(s);
    }
  };
  std::vector<std::string>& table_;
  std::unordered_map<std::string, uint32_t, hash, std::equal_to<>> index_;
};

/// An integer field's value, or `fallback` when it is not an integer.
int64_t integer(const record_item& item, int64_t fallback = 0) {
  if (item.type == record_item::kind::negative_integer)
    return item.i;
  if (item.type == record_item::kind::unsigned_integer)
    return item.u > static_cast<uint64_t>(INT64_MAX) ? INT64_MAX : static_cast<int64_t>(item.u);
  return fallback;
}

/// What loading needs beside the trace: the name tables' indexes and the links seen.
struct loader {
  explicit loader(trace& t) : out(t) {
  }

  trace& out;
  interner node_names{out.nodes};
  interner names{out.names};
  std::vector<bool> node_recorded;
  std::vector<link> links;
  uint32_t recv = names("recv"), spawn = names("spawn"), link_kind = names("link"),
           meta = names("meta");
  std::vector<record_item> items;  // the fields of the record being read

  /// Fills `e` from the fields of a record: the fields of `field` as numbers, the rest as JSON
  /// text. False when it is no trace event (no id, node or ev).
  bool take_fields(event& e) {
    const record_item *id = nullptr, *node = nullptr, *ev = nullptr;
    nlohmann::json rest;
    for (auto& item : items) {
      auto& key = item.key;
      if (key == "id") {
        id = &item;
        continue;
      }
      if (key == "node") {
        node = &item;
        continue;
      }
      if (key == "ev") {
        ev = &item;
        continue;
      }
      if (key == "t") {
        e.t = integer(item);
        continue;
      }
      if (item.type == record_item::kind::string &&
          (key == "msg" || key == "from_node" || key == "cause_node")) {
        if (key == "msg") {
          e.msg = names(item.text);
        } else if (key == "from_node") {
          e.from_node = node_names(item.text);
          e.names_from_node = true;
        } else {
          e.cause_node = node_names(item.text);
          e.names_cause_node = true;
        }
        continue;
      }
      auto f = std::find(std::begin(field_names), std::end(field_names), key);
      if (f != std::end(field_names) && item.type == record_item::kind::unsigned_integer) {
        auto i = static_cast<size_t>(f - std::begin(field_names));
        e.values[i] = item.u;
        e.present |= static_cast<uint16_t>(1u << i);
        continue;
      }
      rest[std::string{key}] = item.value();
    }
    if (id == nullptr || node == nullptr || ev == nullptr ||
        node->type != record_item::kind::string || ev->type != record_item::kind::string ||
        !(id->type == record_item::kind::unsigned_integer ||
          id->type == record_item::kind::negative_integer))
      return false;
    e.id = id->type == record_item::kind::unsigned_integer ? id->u : static_cast<uint64_t>(id->i);
    e.node = node_names(node->text);
    if (!e.names_from_node)
      e.from_node = e.node;
    if (!e.names_cause_node)
      e.cause_node = e.node;
    e.kind = names(ev->text);
    if (!rest.is_null()) {
      auto text = rest.dump();
      e.extras_at = out.extras.size();
      e.extras_size = static_cast<uint32_t>(text.size());
      out.extras += text;
    }
    return true;
  }

  /// The record's field `key`, or nullptr.
  const record_item* item(std::string_view key) const {
    for (auto& i : items)
      if (i.key == key)
        return &i;
    return nullptr;
  }

  /// Reads one trace file's records. A damaged line (cut short by a crash, bytes that are not
  /// UTF-8 from an older writer) is skipped, and the file read on: one warning per file says how
  /// many and where the first was.
  void read(const std::string& file, std::istream& in);
};

void loader::read(const std::string& file, std::istream& in) {
  std::string line;
  size_t number = 0;
  int64_t start_unix = 0;
  bool have_meta = false;
  size_t skipped = 0;
  std::string first_skip;
  auto skip = [&](const std::string& why) {
    if (skipped++ == 0)
      first_skip = file + ":" + std::to_string(number) + ": " + why;
  };
  nlohmann::json parsed;  // a record the fast path left to the full parser
  while (std::getline(in, line)) {
    ++number;
    if (line.empty())
      continue;
    if (!parse_flat_record(line, items)) {
      parsed = nlohmann::json::parse(line, nullptr, false);
      if (parsed.is_discarded()) {
        skip("damaged record");
        continue;
      }
      if (!parsed.is_object()) {
        skip("not a ply trace event");
        continue;
      }
      items_of(parsed, items);
    }
    if (out.events.size() >= no_event - 1) {
      skip("more events than ply-trace reads (4 billion)");
      break;
    }
    event e;
    if (!take_fields(e)) {
      skip("not a ply trace event");
      continue;
    }
    if (e.kind == meta) {
      have_meta = true;
      auto start = item("start_unix_ns");
      start_unix = start != nullptr ? integer(*start) : 0;
      auto schema_item = item("schema");
      auto schema = schema_item != nullptr ? integer(*schema_item) : 0;
      if (schema != 1)
        out.warnings.push_back(file + ": schema " + std::to_string(schema) +
                               " (this ply-trace reads schema 1)");
    }
    if (e.t < -max_time || e.t > max_time || start_unix < -max_time || start_unix > max_time) {
      skip("time out of range");
      continue;
    }
    e.t = saturating_add(e.t, start_unix);
    if (node_recorded.size() < out.nodes.size())
      node_recorded.resize(out.nodes.size());
    if (!node_recorded[e.node]) {
      node_recorded[e.node] = true;
      out.recorded.push_back(e.node);
    }
    if (e.kind == spawn) {
      auto type = item("type");
      actor_key a{e.node, e.num(field::actor)};
      out.types[a] = type != nullptr && type->type == record_item::kind::string
                       ? std::string{type->text}
                       : "";
      out.parents[a] = e.num(field::parent);
    } else if (e.kind == link_kind && e.names_cause_node) {
      links.push_back({{e.node, e.num(field::event)}, {e.cause_node, e.num(field::cause)}});
    }
    e.read_order = static_cast<uint32_t>(out.events.size());
    out.events.push_back(e);
  }
  if (skipped > 0)
    out.warnings.push_back(first_skip + (skipped > 1 ? " (and " + std::to_string(skipped - 1)
                                                           + " more lines skipped)"
                                                     : " (line skipped)"));
  if (!have_meta)
    out.warnings.push_back(file + ": no meta record (times are not aligned with other files)");
}

/// Sorts the (node, id) index of `t`'s events.
void index_keys(trace& t) {
  t.by_key.clear();
  t.by_key.reserve(t.events.size());
  for (size_t i = 0; i < t.events.size(); ++i)
    t.by_key.push_back({t.events[i].node, static_cast<uint32_t>(i), t.events[i].id});
  std::sort(t.by_key.begin(), t.by_key.end(), [](const auto& a, const auto& b) {
    return std::tie(a.node, a.id, a.index) < std::tie(b.node, b.id, b.index);
  });
}

} // namespace

trace load(const std::vector<std::string>& files) {
  std::vector<std::pair<std::string, std::unique_ptr<std::istream>>> streams;
  trace failed;
  for (auto& file : files) {
    auto in = std::make_unique<std::ifstream>(file);
    if (!*in) {
      failed.warnings.push_back(file + ": cannot open");
      continue;
    }
    streams.emplace_back(file, std::move(in));
  }
  std::vector<std::pair<std::string, std::istream*>> named;
  for (auto& [file, in] : streams)
    named.emplace_back(file, in.get());
  auto out = load(named);
  out.warnings.insert(out.warnings.begin(), failed.warnings.begin(), failed.warnings.end());
  return out;
}

trace load(const std::vector<std::pair<std::string, std::istream*>>& files) {
  trace out;
  loader in{out};
  for (auto& [file, stream] : files)
    in.read(file, *stream);
  index_keys(out);
  // Clock offsets between nodes, from the causal links: a receive never precedes its cause.
  std::vector<int64_t> offsets(out.nodes.size(), 0);  // node -> ns added to its times
  for (int round = 0; round < 4; ++round) {
    bool changed = false;
    for (auto& l : in.links) {
      auto* r = out.find(l.recv.first, l.recv.second);
      auto* c = out.find(l.cause.first, l.cause.second);
      if (r == nullptr || c == nullptr || r->node == c->node)
        continue;
      auto tr = saturating_add(r->t, offsets[r->node]);
      auto tc = saturating_add(c->t, offsets[c->node]);
      if (tr < tc) {
        auto& off = offsets[r->node];
        off = saturating_add(off, saturating_add(saturating_sub(tc, tr), 1));
        changed = true;
      }
    }
    if (!changed)
      break;
  }
  for (auto& e : out.events)
    e.t = saturating_add(e.t, offsets[e.node]);
  // One timeline, starting at 0; events of equal time stay in the order read. (In place: a
  // stable sort would want a second copy of every event.)
  std::sort(out.events.begin(), out.events.end(), [](const event& a, const event& b) {
    return a.t != b.t ? a.t < b.t : a.read_order < b.read_order;
  });
  int64_t t0 = out.events.empty() ? 0 : out.events.front().t;
  for (auto& e : out.events)
    e.t = saturating_sub(e.t, t0);
  index_keys(out);
  // Causes: a receive's cause is named by the record (on its node or, with cause_node, another),
  // or by a link record (which wins when it names an event of the trace).
  auto index = [&](const event* e) { return static_cast<uint32_t>(e - out.events.data()); };
  for (auto& e : out.events)
    if (e.kind == in.recv && e.num(field::cause) != 0)
      if (auto* c = out.find(e.cause_node, e.num(field::cause)))
        e.cause = index(c);
  for (auto& l : in.links) {
    auto* r = out.find(l.recv.first, l.recv.second);
    auto* c = out.find(l.cause.first, l.cause.second);
    if (r != nullptr && c != nullptr && r->kind == in.recv)
      out.events[index(r)].cause = index(c);
  }
  // Effects: the inverse of causes, in time order.
  out.effect_start.assign(out.events.size() + 1, 0);
  for (auto& e : out.events)
    if (e.cause != no_event)
      ++out.effect_start[e.cause + 1];
  for (size_t i = 1; i < out.effect_start.size(); ++i)
    out.effect_start[i] += out.effect_start[i - 1];
  out.effect_list.resize(out.effect_start.back());
  std::vector<uint32_t> filled(out.effect_start.begin(), out.effect_start.end() - 1);
  for (size_t i = 0; i < out.events.size(); ++i)
    if (auto c = out.events[i].cause; c != no_event)
      out.effect_list[filled[c]++] = static_cast<uint32_t>(i);
  return out;
}

const event* trace::find(uint32_t node, uint64_t id) const {
  // The last of equal keys, as a later record of the same name replaces an earlier one.
  auto i = std::upper_bound(by_key.begin(), by_key.end(), std::make_pair(node, id),
                            [](const std::pair<uint32_t, uint64_t>& k, const key_entry& e) {
                              return k < std::make_pair(e.node, e.id);
                            });
  if (i == by_key.begin())
    return nullptr;
  --i;
  return i->node == node && i->id == id ? &events[i->index] : nullptr;
}

const event* trace::find(const event_key& k) const {
  auto n = std::find(nodes.begin(), nodes.end(), k.first);
  return n == nodes.end() ? nullptr : find(static_cast<uint32_t>(n - nodes.begin()), k.second);
}

uint32_t trace::name_index(const std::string& name) const {
  auto i = std::find(names.begin(), names.end(), name);
  return i == names.end() ? UINT32_MAX : static_cast<uint32_t>(i - names.begin());
}

const std::string& trace::msg(const event& e) const {
  static const std::string none;
  return e.msg == UINT32_MAX ? none : names[e.msg];
}

std::string trace::str(const event& e, const char* key, const std::string& fallback) const {
  if (e.extras_size == 0)
    return fallback;
  auto j = nlohmann::json::parse(extras.begin() + static_cast<std::ptrdiff_t>(e.extras_at),
                                 extras.begin() + static_cast<std::ptrdiff_t>(e.extras_at +
                                                                              e.extras_size),
                                 nullptr, false);
  auto i = j.find(key);
  return i != j.end() && i->is_string() ? i->get<std::string>() : fallback;
}

nlohmann::json trace::to_json(const event& e) const {
  auto j = e.extras_size == 0
             ? nlohmann::json::object()
             : nlohmann::json::parse(
                 extras.begin() + static_cast<std::ptrdiff_t>(e.extras_at),
                 extras.begin() + static_cast<std::ptrdiff_t>(e.extras_at + e.extras_size),
                 nullptr, false);
  j["id"] = e.id;
  j["node"] = nodes[e.node];
  j["ev"] = names[e.kind];
  j["t"] = e.t;
  for (size_t i = 0; i < std::size(field_names); ++i)
    if (e.has(static_cast<field>(i)))
      j[std::string{field_names[i]}] = e.values[i];
  if (e.msg != UINT32_MAX)
    j["msg"] = names[e.msg];
  if (e.names_from_node)
    j["from_node"] = nodes[e.from_node];
  if (e.names_cause_node)
    j["cause_node"] = nodes[e.cause_node];
  return j;
}

int64_t trace::sent_at(const event& e) {
  auto wait = e.num(field::wait_ns);
  return saturating_sub(e.t, wait > static_cast<uint64_t>(INT64_MAX) ? INT64_MAX
                                                                      : static_cast<int64_t>(wait));
}

std::string trace::name_of(const event& e) const {
  return nodes[e.node] + "#" + std::to_string(e.id);
}

const event& trace::root_of(const event& e) const {
  const event* at = &e;
  for (size_t hops = 0; hops <= events.size(); ++hops) {  // bounded: a damaged trace may loop
    auto* c = cause_of(*at);
    if (c == nullptr)
      break;
    at = c;
  }
  return *at;
}

std::vector<uint32_t> trace::all_roots() const {
  // Each chain is walked once: a walk stops at the first event whose root is known, and every
  // event it passed gets that root (one pass over a chain of any length, not one per event).
  // A damaged trace may hold a loop of causes: an event met twice in one walk ends it (a walk
  // marks what it passes with its own number), so a loop costs one walk, not one per event.
  std::vector<uint32_t> root(events.size(), no_event);
  std::vector<uint32_t> walk(events.size(), no_event);
  std::vector<uint32_t> path;
  for (size_t i = 0; i < events.size(); ++i) {
    auto at = static_cast<uint32_t>(i);
    path.clear();
    while (root[at] == no_event) {
      path.push_back(at);
      walk[at] = static_cast<uint32_t>(i);
      auto c = events[at].cause;
      if (c == no_event || walk[c] == i) {  // the first event (or a loop)
        root[at] = at;
        break;
      }
      at = c;
    }
    for (auto p : path)
      root[p] = root[at];
  }
  return root;
}

std::vector<const event*> trace::effects_of(const event& e) const {
  std::vector<const event*> out;
  auto i = index_of(e);
  for (auto k = effect_start[i]; k < effect_start[i + 1]; ++k)
    out.push_back(&events[effect_list[k]]);
  return out;
}

bool parse_event_key(const trace& t, const std::string& text, event_key& out) {
  auto hash = text.rfind('#');
  try {
    if (hash == std::string::npos) {
      if (t.recorded.size() != 1)
        return false;
      out = {t.nodes[t.recorded.front()], std::stoull(text)};
      return true;
    }
    out = {text.substr(0, hash), std::stoull(text.substr(hash + 1))};
    return true;
  } catch (const std::exception&) {
    return false;
  }
}

} // namespace ply_trace
