#include "trace_file.hpp"

#include <algorithm>
#include <climits>
#include <fstream>
#include <istream>
#include <memory>

namespace ply_trace {

namespace {

struct link {
  event_key recv;
  event_key cause;
};

} // namespace

namespace {

/// Times are nanoseconds since the Unix epoch (about 1.8e18 now); past this bound (about 146
/// years) a record is not believed. Sums of times saturate instead of overflowing.
constexpr int64_t max_time = int64_t{1} << 62;

/// An integer field, or `fallback` when it is missing or not an integer.
int64_t integer(const nlohmann::json& j, const char* key, int64_t fallback = 0) {
  auto i = j.find(key);
  if (i == j.end() || !(i->is_number_integer() || i->is_number_unsigned()))
    return fallback;
  return i->is_number_unsigned() && i->get<uint64_t>() > static_cast<uint64_t>(INT64_MAX)
           ? INT64_MAX
           : i->get<int64_t>();
}

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

/// Reads one trace file's records into `out`. A damaged line (cut short by a crash, bytes that
/// are not UTF-8 from an older writer) is skipped, and the file read on: one warning per file says
/// how many and where the first was.
void read_records(trace& out, std::vector<link>& links, const std::string& file,
                  std::istream& in) {
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
  while (std::getline(in, line)) {
    ++number;
    if (line.empty())
      continue;
    auto j = nlohmann::json::parse(line, nullptr, false);
    if (j.is_discarded()) {
      skip("damaged record");
      continue;
    }
    if (!j.is_object() || !j.contains("ev") || !j.contains("node") || !j.contains("id") ||
        !j["ev"].is_string() || !j["node"].is_string() ||
        !(j["id"].is_number_unsigned() || j["id"].is_number_integer())) {
      skip("not a ply trace event");
      continue;
    }
    event e;
    e.node = j["node"].get<std::string>();
    e.id = j["id"].get<uint64_t>();
    e.ev = j["ev"].get<std::string>();
    e.t = integer(j, "t");
    e.j = std::move(j);
    if (e.ev == "meta") {
      have_meta = true;
      start_unix = integer(e.j, "start_unix_ns");
      auto schema = integer(e.j, "schema");
      if (schema != 1)
        out.warnings.push_back(file + ": schema " + std::to_string(schema) +
                               " (this ply-trace reads schema 1)");
    }
    if (e.t < -max_time || e.t > max_time || start_unix < -max_time || start_unix > max_time) {
      skip("time out of range");
      continue;
    }
    e.t = saturating_add(e.t, start_unix);
    if (std::find(out.nodes.begin(), out.nodes.end(), e.node) == out.nodes.end())
      out.nodes.push_back(e.node);
    if (e.ev == "spawn") {
      actor_key a{e.node, e.num("actor")};
      out.types[a] = e.str("type");
      out.parents[a] = e.num("parent");
    } else if (e.ev == "link") {
      links.push_back({{e.node, e.num("event")}, {e.str("cause_node"), e.num("cause")}});
    }
    out.events.push_back(std::move(e));
  }
  if (skipped > 0)
    out.warnings.push_back(first_skip + (skipped > 1 ? " (and " + std::to_string(skipped - 1)
                                                           + " more lines skipped)"
                                                     : " (line skipped)"));
  if (!have_meta)
    out.warnings.push_back(file + ": no meta record (times are not aligned with other files)");
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
  std::vector<link> links;
  std::map<std::string, int64_t> offsets;  // node -> ns added to its times
  for (auto& [file, in] : files)
    read_records(out, links, file, *in);
  // Events renamed mid-run (a cluster node learns its name after it started) keep their ids.
  for (size_t i = 0; i < out.events.size(); ++i)
    out.by_key[out.events[i].key()] = i;
  // Clock offsets between nodes, from the causal links: a receive never precedes its cause.
  for (int round = 0; round < 4; ++round) {
    bool changed = false;
    for (auto& l : links) {
      auto* r = out.find(l.recv);
      auto* c = out.find(l.cause);
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
  // One timeline, starting at 0.
  std::stable_sort(out.events.begin(), out.events.end(),
                   [](const event& a, const event& b) { return a.t < b.t; });
  int64_t t0 = out.events.empty() ? 0 : out.events.front().t;
  for (auto& e : out.events)
    e.t = saturating_sub(e.t, t0);
  out.by_key.clear();
  for (size_t i = 0; i < out.events.size(); ++i)
    out.by_key[out.events[i].key()] = i;
  for (auto& l : links)
    out.remote_causes[l.recv] = l.cause;
  // Effects: the inverse of causes.
  for (size_t i = 0; i < out.events.size(); ++i)
    if (auto* c = out.cause_of(out.events[i]))
      out.effects[c->key()].push_back(i);
  return out;
}

const event* trace::cause_of(const event& e) const {
  if (e.ev != "recv")
    return nullptr;
  // A message relayed from another node: its link names the cause there.
  if (auto i = remote_causes.find(e.key()); i != remote_causes.end())
    if (auto* c = find(i->second))
      return c;
  if (e.num("cause") == 0)
    return nullptr;
  return find({e.str_or("cause_node", e.node), e.num("cause")});
}

event_key trace::root_of(const event& e) const {
  const event* at = &e;
  for (size_t hops = 0; hops <= events.size(); ++hops) {  // bounded: a damaged trace may loop
    auto* c = cause_of(*at);
    if (c == nullptr)
      break;
    at = c;
  }
  return at->key();
}

std::vector<event_key> trace::all_roots() const {
  // Each chain is walked once: a walk stops at the first event whose root is known, and every
  // event it passed gets that root (one pass over a chain of any length, not one per event).
  constexpr size_t unknown = static_cast<size_t>(-1);
  std::vector<size_t> root(events.size(), unknown);
  std::vector<size_t> path;
  for (size_t i = 0; i < events.size(); ++i) {
    size_t at = i;
    path.clear();
    while (root[at] == unknown) {
      path.push_back(at);
      auto* c = cause_of(events[at]);
      if (c == nullptr || path.size() > events.size()) {  // the first event (or a loop)
        root[at] = at;
        break;
      }
      at = static_cast<size_t>(c - events.data());
    }
    for (auto p : path)
      root[p] = root[at];
  }
  std::vector<event_key> out;
  out.reserve(events.size());
  for (auto r : root)
    out.push_back(events[r].key());
  return out;
}

std::vector<const event*> trace::effects_of(const event& e) const {
  std::vector<const event*> out;
  auto i = effects.find(e.key());
  if (i != effects.end())
    for (auto idx : i->second)
      out.push_back(&events[idx]);
  return out;
}

bool parse_event_key(const trace& t, const std::string& text, event_key& out) {
  auto hash = text.rfind('#');
  try {
    if (hash == std::string::npos) {
      if (t.nodes.size() != 1)
        return false;
      out = {t.nodes.front(), std::stoull(text)};
      return true;
    }
    out = {text.substr(0, hash), std::stoull(text.substr(hash + 1))};
    return true;
  } catch (const std::exception&) {
    return false;
  }
}

} // namespace ply_trace
