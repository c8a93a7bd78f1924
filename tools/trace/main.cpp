// SPDX-License-Identifier: MIT
// ply-trace: reads the traces that ply programs record (--trace FILE) and shows what the actors did.
#include <algorithm>
#include <charconv>
#include <cstdio>
#include <fstream>
#include <functional>
#include <iostream>
#include <map>
#include <set>
#include <unordered_map>
#include <sstream>

#include <CLI/CLI.hpp>
#include <ply/version.hpp>

#include "html.hpp"
#include "trace_file.hpp"

namespace {

using namespace ply_trace;

std::string fmt_time(int64_t ns) {
  char buf[32];
  std::snprintf(buf, sizeof(buf), "%.6f", static_cast<double>(ns) / 1e9);
  return buf;
}

std::string fmt_us(double ns) {
  char buf[32];
  std::snprintf(buf, sizeof(buf), "%.1f", ns / 1e3);
  return buf;
}

std::string actor_label(const trace& t, uint32_t node, uint64_t id) {
  auto label = t.type_of({node, id}) + "#" + std::to_string(id);
  if (t.recorded.size() > 1)
    label += "@" + t.nodes[node];
  return label;
}

/// One line describing an event, for follow.
std::string describe(const trace& t, const event& e) {
  auto j = t.to_json(e);
  std::string out = fmt_time(e.t) + "  " + t.name_of(e) + "  " + t.kind(e);
  if (e.has(field::actor))
    out += "  " + actor_label(t, e.node, e.num(field::actor));
  if (t.kind(e) == "recv") {
    out += "  " + t.msg(e);
    if (e.num(field::from) != 0)
      out += "  from " + actor_label(t, e.from_node, e.num(field::from));
  }
  if (e.has(field::conn))
    out += "  conn " + std::to_string(e.num(field::conn));
  if (e.has(field::n))
    out += "  " + std::to_string(e.num(field::n)) + " bytes";
  for (auto key : {"state", "reason", "peer", "what", "type", "count"})
    if (j.contains(key) && !(t.kind(e) == "spawn" && std::string{key} == "type"))
      out += std::string{"  "} + key + "=" +
             (j[key].is_string() ? j[key].get<std::string>() : j[key].dump());
  return out;
}

void print_warnings(const trace& t) {
  for (auto& w : t.warnings)
    std::cerr << "ply-trace: warning: " << w << "\n";
}

struct stats {
  std::vector<double> values;
  void add(double v) {
    values.push_back(v);
  }
  std::string summary() {
    if (values.empty())
      return "-";
    std::sort(values.begin(), values.end());
    double sum = 0;
    for (auto v : values)
      sum += v;
    auto p99 = values[std::min(values.size() - 1, values.size() * 99 / 100)];
    return fmt_us(sum / static_cast<double>(values.size())) + "/" + fmt_us(p99) + "/" +
           fmt_us(values.back());
  }
};

struct actor_stats {
  size_t in = 0, out = 0;
  uint64_t bytes_in = 0, bytes_out = 0;
  stats wait, handler;
  std::map<std::string, size_t> exits;
};

int cmd_summary(const trace& t) {
  std::map<actor_key, actor_stats> per_actor;
  std::map<std::string, actor_stats> per_type;
  size_t unhandled = 0, dropped = 0;
  std::vector<std::string> unhandled_what;
  auto touch = [&](const actor_key& a) -> std::pair<actor_stats&, actor_stats&> {
    return {per_actor[a], per_type[t.type_of(a)]};
  };
  auto recv = t.name_index("recv"), bytes_in = t.name_index("bytes_in"),
       bytes_out = t.name_index("bytes_out"), exit = t.name_index("exit"),
       deferred = t.name_index("deferred"), dropped_kind = t.name_index("dropped");
  for (auto& e : t.events) {
    if (e.kind == recv) {
      auto [a, ty] = touch({e.node, e.num(field::actor)});
      for (auto* s : {&a, &ty}) {
        ++s->in;
        s->handler.add(static_cast<double>(e.num(field::handler_ns)));
        if (e.has(field::wait_ns))
          s->wait.add(static_cast<double>(e.num(field::wait_ns)));
      }
      if (e.num(field::from) != 0) {
        auto [sa, sty] = touch({e.from_node, e.num(field::from)});
        ++sa.out;
        ++sty.out;
      }
    } else if (e.kind == bytes_in || e.kind == bytes_out) {
      auto [a, ty] = touch({e.node, e.num(field::actor)});
      auto n = e.num(field::n);
      (e.kind == bytes_in ? a.bytes_in : a.bytes_out) += n;
      (e.kind == bytes_in ? ty.bytes_in : ty.bytes_out) += n;
    } else if (e.kind == exit) {
      auto [a, ty] = touch({e.node, e.num(field::actor)});
      auto reason = t.str(e, "reason");
      ++a.exits[reason];
      ++ty.exits[reason];
    } else if (e.kind == deferred && t.str(e, "state") == "unhandled") {
      ++unhandled;
      unhandled_what.push_back(t.nodes[e.node] + ": " + t.str(e, "what"));
    } else if (e.kind == dropped_kind) {
      dropped += e.num(field::count);
    }
  }
  auto row = [](const std::string& name, actor_stats& s) {
    std::string exits;
    for (auto& [reason, n] : s.exits)
      exits += (exits.empty() ? "" : ", ") + reason + " x" + std::to_string(n);
    std::printf("%-36s %8zu %8zu %10llu %10llu %22s %22s  %s\n", name.c_str(), s.in, s.out,
                static_cast<unsigned long long>(s.bytes_in),
                static_cast<unsigned long long>(s.bytes_out), s.wait.summary().c_str(),
                s.handler.summary().c_str(), exits.c_str());
  };
  std::printf("%zu events from %zu node(s)%s\n\n", t.events.size(), t.recorded.size(),
              dropped > 0 ? (", " + std::to_string(dropped) + " dropped by the recorder").c_str()
                          : "");
  std::printf("%-36s %8s %8s %10s %10s %22s %22s  %s\n", "per actor type", "msgs in", "msgs out",
              "bytes in", "bytes out", "wait us mean/p99/max", "handler us mean/p99/max",
              "exits");
  for (auto& [type, s] : per_type)
    row(type, s);
  std::printf("\n%-36s\n", "per actor");
  // By node name, then actor id.
  std::vector<std::pair<const actor_key, actor_stats>*> actors;
  for (auto& entry : per_actor)
    actors.push_back(&entry);
  std::stable_sort(actors.begin(), actors.end(), [&](auto* a, auto* b) {
    return t.nodes[a->first.first] < t.nodes[b->first.first];
  });
  for (auto* a : actors)
    row(actor_label(t, a->first.first, a->first.second), a->second);
  std::printf("\nunhandled failures: %zu\n", unhandled);
  for (auto& w : unhandled_what)
    std::printf("  %s\n", w.c_str());
  return 0;
}

int cmd_actors(const trace& t) {
  for (auto node : t.recorded) {
    std::printf("node %s\n  reactor\n", t.nodes[node].c_str());
    std::map<uint64_t, std::vector<uint64_t>> children;
    for (auto& [a, parent] : t.parents)
      if (a.first == node && a.second != parent)
        children[parent].push_back(a.second);
    // Depth first with a stack of its own: a tree of any depth, no recursion.
    std::vector<std::pair<uint64_t, int>> stack;
    auto push_children = [&](uint64_t id, int depth) {
      auto& list = children[id];
      for (auto i = list.rbegin(); i != list.rend(); ++i)
        stack.emplace_back(*i, depth);
    };
    push_children(0, 2);
    while (!stack.empty()) {
      auto [id, depth] = stack.back();
      stack.pop_back();
      std::printf("%*s%s\n", depth * 2, "", actor_label(t, node, id).c_str());
      push_children(id, depth + 1);
    }
  }
  return 0;
}

int cmd_filter(const trace& t, const std::vector<uint64_t>& actors, const std::string& type,
               const std::vector<uint64_t>& conns, double since, double until,
               const std::string& trace_id) {
  event_key root_key;
  if (!trace_id.empty() && !parse_event_key(t, trace_id, root_key)) {
    std::cerr << "ply-trace: '" << trace_id << "' is not a trace id (NODE#ID)\n";
    return 2;
  }
  const event* root = trace_id.empty() ? nullptr : t.find(root_key);
  if (!trace_id.empty() && root == nullptr)
    return 0;  // no such event: no event of its trace
  auto roots = t.all_roots();
  for (size_t i = 0; i < t.events.size(); ++i) {
    auto& e = t.events[i];
    if (root != nullptr && roots[i] != t.index_of(*root))
      continue;
    if (!e.within(since, until))
      continue;
    if (!actors.empty()) {
      auto a = e.num(field::actor), f = e.num(field::from);
      if (std::find(actors.begin(), actors.end(), a) == actors.end() &&
          std::find(actors.begin(), actors.end(), f) == actors.end())
        continue;
    }
    if (!type.empty() && t.kind(e) != type && t.msg(e) != type &&
        t.type_of({e.node, e.num(field::actor)}) != type)
      continue;
    if (!conns.empty() &&
        std::find(conns.begin(), conns.end(), e.num(field::conn)) == conns.end())
      continue;
    auto j = t.to_json(e);
    j["trace"] = t.name_of(t.events[roots[i]]);
    std::printf("%s\n", j.dump().c_str());
  }
  return 0;
}

int cmd_follow(const trace& t, const std::string& which) {
  event_key k;
  if (!parse_event_key(t, which, k)) {
    std::cerr << "ply-trace: '" << which << "' is not an event (NODE#ID, or ID with one node)\n";
    return 2;
  }
  auto* e = t.find(k);
  if (e == nullptr) {
    std::cerr << "ply-trace: no event " << k.first << "#" << k.second << "\n";
    return 2;
  }
  std::vector<const event*> before;
  for (auto* c = t.cause_of(*e); c != nullptr && before.size() < 1000; c = t.cause_of(*c))
    before.push_back(c);
  std::printf("trace %s\ncaused by:\n", t.name_of(t.root_of(*e)).c_str());
  for (auto i = before.rbegin(); i != before.rend(); ++i)
    std::printf("  %s\n", describe(t, **i).c_str());
  std::printf("event:\n  %s\nled to:\n", describe(t, *e).c_str());
  // Depth first, with a stack of its own: a chain of any depth (a long-lived connection's every
  // read) is shown without recursion.
  std::vector<bool> seen(t.events.size());
  std::vector<std::pair<const event*, int>> stack{{e, 1}};
  while (!stack.empty()) {
    auto [x, depth] = stack.back();
    stack.pop_back();
    auto next = t.effects_of(*x);
    for (auto i = next.rbegin(); i != next.rend(); ++i)
      if (!seen[t.index_of(**i)]) {
        seen[t.index_of(**i)] = true;
        stack.emplace_back(*i, depth + 1);
      }
    // Indented by depth, up to a limit: past it a long chain would print mostly spaces.
    constexpr int max_indent = 40;
    if (x != e && depth - 1 <= max_indent)
      std::printf("%*s%s\n", (depth - 1) * 2, "", describe(t, *x).c_str());
    else if (x != e)
      std::printf("%*s[depth %d] %s\n", max_indent * 2, "", depth - 1, describe(t, *x).c_str());
  }
  return 0;
}

/// Calls `f(recv, from, to)` for each message (a `recv` event) to or from `actors` (all when
/// empty), in time order: what a sequence diagram shows.
template <class F>
void for_each_arrow(const trace& t, const std::vector<uint64_t>& actors, F f) {
  auto recv = t.name_index("recv");
  for (auto& e : t.events) {
    if (e.kind != recv)
      continue;
    auto from = e.num(field::from), to = e.num(field::actor);
    if (!actors.empty() && std::find(actors.begin(), actors.end(), from) == actors.end() &&
        std::find(actors.begin(), actors.end(), to) == actors.end())
      continue;
    f(e, from == 0 ? "reactor@" + t.nodes[e.node] : actor_label(t, e.from_node, from),
      actor_label(t, e.node, to));
  }
}

int cmd_sequence(const trace& t, const std::vector<uint64_t>& actors, bool mermaid) {
  if (mermaid) {
    // Participants first (Mermaid names them before the arrows), then the arrows.
    std::printf("sequenceDiagram\n");
    std::unordered_map<std::string, size_t> participants;
    auto index = [&](const std::string& p) {
      auto [i, added] = participants.emplace(p, participants.size());
      if (added)
        std::printf("  participant P%zu as %s\n", i->second, p.c_str());
      return i->second;
    };
    for_each_arrow(t, actors, [&](const event&, const std::string& from, const std::string& to) {
      index(from);
      index(to);
    });
    for_each_arrow(t, actors, [&](const event& e, const std::string& from, const std::string& to) {
      std::printf("  P%zu->>P%zu: %s\n", index(from), index(to), t.msg(e).c_str());
    });
    return 0;
  }
  for_each_arrow(t, actors, [&](const event& e, const std::string& from, const std::string& to) {
    std::printf("%s  %s -> %s  %s  (waited %s us, handled in %s us)\n", fmt_time(e.t).c_str(),
                from.c_str(), to.c_str(), t.msg(e).c_str(),
                fmt_us(static_cast<double>(e.num(field::wait_ns))).c_str(),
                fmt_us(static_cast<double>(e.num(field::handler_ns))).c_str());
  });
  return 0;
}

/// Chrome Trace Event JSON: a process per node, a thread per actor, a slice per handled message,
/// flow arrows from send to receive. Written as it goes: a million events need no more memory
/// than the trace itself.
void write_chrome(const trace& t, std::ostream& out) {
  bool first = true;
  auto put = [&](const nlohmann::json& j) {
    out << (first ? "" : ",") << j.dump();
    first = false;
  };
  out << R"({"displayTimeUnit":"ns","traceEvents":[)";
  std::vector<int> pid(t.nodes.size(), 0);
  for (size_t i = 0; i < t.recorded.size(); ++i) {
    auto n = t.recorded[i];
    pid[n] = static_cast<int>(i) + 1;
    put({{"ph", "M"}, {"name", "process_name"}, {"pid", pid[n]},
         {"args", {{"name", "node " + t.nodes[n]}}}});
  }
  std::set<actor_key> named;
  auto thread_name = [&](uint32_t node, uint64_t actor) {
    if (named.insert({node, actor}).second)
      put({{"ph", "M"}, {"name", "thread_name"}, {"pid", pid[node]}, {"tid", actor},
           {"args", {{"name", actor_label(t, node, actor)}}}});
  };
  auto us = [](int64_t ns) { return static_cast<double>(ns) / 1e3; };
  auto recv = t.name_index("recv"), meta = t.name_index("meta");
  // Message names as JSON strings, and "" last for a message without one.
  std::vector<std::string> names;
  for (auto& n : t.names)
    names.push_back(nlohmann::json(n).dump());
  names.push_back("\"\"");
  // The shortest text that reads back as the same double.
  auto number = [](double v) {
    char buf[64];
    auto end = std::to_chars(buf, buf + sizeof(buf), v).ptr;
    return std::string(buf, end);
  };
  for (auto& e : t.events) {
    auto p = pid[e.node];
    auto actor = e.num(field::actor);
    if (e.kind == recv) {
      // A million of these: written by hand, not through a JSON object each.
      thread_name(e.node, actor);
      auto name = names[e.msg == UINT32_MAX ? names.size() - 1 : e.msg];
      auto wait = static_cast<int64_t>(e.num(field::wait_ns));
      out << (first ? "" : ",") << R"({"args":{"event":)" << e.id << R"(,"wait_us":)"
          << number(us(wait)) << R"(},"dur":)"
          << number(std::max(0.001, us(static_cast<int64_t>(e.num(field::handler_ns)))))
          << R"(,"name":)" << name << R"(,"ph":"X","pid":)" << p << R"(,"tid":)" << actor
          << R"(,"ts":)" << number(us(e.t)) << "}";
      first = false;
      // A flow arrow from the sender's track, when it was sent, to this slice.
      if (e.has(field::sent_ns)) {
        auto from = e.num(field::from);
        thread_name(e.from_node, from);
        auto flow = nlohmann::json(t.name_of(e)).dump();
        out << R"(,{"cat":"message","id":)" << flow << R"(,"name":"message","ph":"s","pid":)"
            << pid[e.from_node] << R"(,"tid":)" << from << R"(,"ts":)"
            << number(us(trace::sent_at(e))) << "}";
        out << R"(,{"bp":"e","cat":"message","id":)" << flow
            << R"(,"name":"message","ph":"f","pid":)" << p << R"(,"tid":)" << actor
            << R"(,"ts":)" << number(us(e.t)) << "}";
      }
    } else if (e.kind != meta) {
      thread_name(e.node, actor);
      put({{"ph", "i"}, {"s", "t"}, {"name", t.kind(e)}, {"pid", p}, {"tid", actor},
           {"ts", us(e.t)}, {"args", t.to_json(e)}});
    }
  }
  out << "]}";
}

/// Writes `path` with `write(stream)`; false (with a message) when it could not be written.
template <class F>
bool write_file(const std::string& path, F write) {
  std::ofstream out{path};
  if (out)
    write(out);
  out.close();
  if (!out) {
    std::cerr << "ply-trace: cannot write " << path << "\n";
    return false;
  }
  return true;
}

} // namespace

int run_top(const std::string& endpoint, double interval, size_t iterations, bool clear,
            size_t rows);

int main(int argc, char** argv) {
  CLI::App app{"ply-trace reads the traces ply programs record (--trace FILE or PLY_TRACE=FILE) "
               "and shows what every actor did.",
               "ply-trace"};
  app.set_version_flag("--version", std::string{"ply-trace (ply) "} + PLY_VERSION_STRING);
  app.require_subcommand(1);
  std::vector<std::string> files;
  std::vector<uint64_t> actors, conns;
  std::string type, out_path, which;
  double since = 0, until = -1;
  bool mermaid = false;
  auto add_files = [&](CLI::App* c) {
    c->add_option("FILE", files, "Trace files (several nodes merge into one timeline)")
      ->required()
      ->check(CLI::ExistingFile);
  };
  auto* summary = app.add_subcommand("summary", "Per actor type and per actor: messages, bytes, "
                                                "mailbox wait, handler time, exits");
  add_files(summary);
  auto* tree = app.add_subcommand("actors", "The supervision tree per node");
  add_files(tree);
  auto* filter = app.add_subcommand("filter", "Events that match (JSON lines)");
  add_files(filter);
  filter->add_option("--actor", actors, "Actor id (as receiver or sender)");
  filter->add_option("--type", type, "Event kind, message name or actor type");
  filter->add_option("--conn", conns, "Connection id");
  filter->add_option("--since", since, "Seconds from the start of the timeline");
  filter->add_option("--until", until, "Seconds from the start of the timeline");
  std::string trace_id;
  filter->add_option("--trace", trace_id,
                     "Only this trace: the events of one causal chain, named by its first event "
                     "(NODE#ID, as 'follow' and every filtered event print it)");
  auto* follow = app.add_subcommand("follow", "The causal chain before and after one event");
  std::vector<std::string> follow_args;
  follow->add_option("FILE... EVENT", follow_args,
                     "Trace files, then the event: NODE#ID (or ID with one node), as the other "
                     "commands print it")
    ->required()
    ->expected(2, -1);
  auto* sequence = app.add_subcommand("sequence", "A sequence diagram of the messages");
  add_files(sequence);
  sequence->add_option("--actor", actors, "Only messages to or from these actors");
  sequence->add_flag("--mermaid", mermaid, "Mermaid syntax instead of text");
  auto* chrome = app.add_subcommand("chrome", "Chrome Trace Event JSON (opens in Perfetto)");
  add_files(chrome);
  chrome->add_option("-o,--output", out_path, "Output file")->required();
  auto* html = app.add_subcommand("html", "One self-contained HTML page: timeline and sequence");
  add_files(html);
  html->add_option("-o,--output", out_path, "Output file")->required();
  size_t limit = 20000;
  html->add_option("--since", since, "Seconds from the start of the timeline");
  html->add_option("--until", until, "Seconds from the start of the timeline");
  html->add_option("--limit", limit,
                   "At most this many handled messages on the page (a browser draws some "
                   "tens of thousands; the page says how many it left out)")
    ->capture_default_str()
    ->check(CLI::PositiveNumber);
  auto* top = app.add_subcommand("top", "Live view of a running ply process (plyd --control)");
  std::string connect;
  double interval = 1.0;
  size_t iterations = 0, rows = 30;
  bool no_clear = false;
  top->add_option("--connect", connect, "Its control endpoint, tcp:HOST:PORT")->required();
  top->add_option("--interval", interval, "Seconds between refreshes")->capture_default_str();
  top->add_option("--iterations", iterations, "Stop after this many refreshes (0: never)")
    ->capture_default_str();
  top->add_option("--rows", rows, "Actors shown")->capture_default_str();
  top->add_flag("--no-clear", no_clear, "Print each refresh below the last (for logs and pipes)");
  try {
    app.parse(argc, argv);
  } catch (const CLI::ParseError& e) {
    // --help is 0; any bad usage, or a file that is not there, is 2 (CLI11's own codes vary).
    return app.exit(e) == 0 ? 0 : 2;
  }
  if (top->parsed())
    return run_top(connect, interval, iterations, !no_clear, rows);

  if (follow->parsed()) {
    which = follow_args.back();
    follow_args.pop_back();
    for (auto& f : follow_args)
      if (!std::ifstream{f}) {
        std::cerr << "ply-trace: cannot read " << f << "\n";
        return 2;
      }
    files = follow_args;
  }
  auto t = load(files);
  print_warnings(t);
  if (t.events.empty()) {
    std::cerr << "ply-trace: no trace event in " << (files.size() == 1 ? files.front() : "these files")
              << " (ply programs record one with --trace FILE)\n";
    return 2;
  }
  if (summary->parsed())
    return cmd_summary(t);
  if (tree->parsed())
    return cmd_actors(t);
  if (filter->parsed())
    return cmd_filter(t, actors, type, conns, since, until, trace_id);
  if (follow->parsed())
    return cmd_follow(t, which);
  if (sequence->parsed())
    return cmd_sequence(t, actors, mermaid);
  if (chrome->parsed())
    return write_file(out_path, [&](std::ostream& out) { write_chrome(t, out); }) ? 0 : 2;
  if (html->parsed()) {
    return write_file(out_path, [&](std::ostream& out) {
             html_page(t, out, since, until, limit);
           })
             ? 0
             : 2;
  }
  return 2;
}
