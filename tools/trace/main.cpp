// ply-trace: reads the traces that ply programs record (--trace FILE) and shows what the actors did.
#include <algorithm>
#include <cstdio>
#include <fstream>
#include <functional>
#include <iostream>
#include <map>
#include <set>
#include <sstream>

#include <CLI/CLI.hpp>

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

std::string actor_label(const trace& t, const std::string& node, uint64_t id) {
  auto label = t.type_of({node, id}) + "#" + std::to_string(id);
  if (t.nodes.size() > 1)
    label += "@" + node;
  return label;
}

/// One line describing an event, for follow and filter.
std::string describe(const trace& t, const event& e) {
  std::string out = fmt_time(e.t) + "  " + e.node + "#" + std::to_string(e.id) + "  " + e.ev;
  if (e.j.contains("actor"))
    out += "  " + actor_label(t, e.node, e.num("actor"));
  if (e.ev == "recv") {
    out += "  " + e.str("msg");
    if (e.num("from") != 0)
      out += "  from " + actor_label(t, e.str_or("from_node", e.node), e.num("from"));
  }
  if (e.j.contains("conn"))
    out += "  conn " + std::to_string(e.num("conn"));
  if (e.j.contains("n"))
    out += "  " + std::to_string(e.num("n")) + " bytes";
  for (auto key : {"state", "reason", "peer", "what", "type", "count"})
    if (e.j.contains(key) && !(e.ev == "spawn" && std::string{key} == "type"))
      out += std::string{"  "} + key + "=" +
             (e.j[key].is_string() ? e.j[key].get<std::string>() : e.j[key].dump());
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
  for (auto& e : t.events) {
    if (e.ev == "recv") {
      auto [a, ty] = touch({e.node, e.num("actor")});
      for (auto* s : {&a, &ty}) {
        ++s->in;
        s->handler.add(static_cast<double>(e.num("handler_ns")));
        if (e.j.contains("wait_ns"))
          s->wait.add(static_cast<double>(e.num("wait_ns")));
      }
      if (e.num("from") != 0) {
        auto [sa, sty] = touch({e.str_or("from_node", e.node), e.num("from")});
        ++sa.out;
        ++sty.out;
      }
    } else if (e.ev == "bytes_in" || e.ev == "bytes_out") {
      auto [a, ty] = touch({e.node, e.num("actor")});
      auto n = e.num("n");
      (e.ev == "bytes_in" ? a.bytes_in : a.bytes_out) += n;
      (e.ev == "bytes_in" ? ty.bytes_in : ty.bytes_out) += n;
    } else if (e.ev == "exit") {
      auto [a, ty] = touch({e.node, e.num("actor")});
      ++a.exits[e.str("reason")];
      ++ty.exits[e.str("reason")];
    } else if (e.ev == "deferred" && e.str("state") == "unhandled") {
      ++unhandled;
      unhandled_what.push_back(e.node + ": " + e.str("what"));
    } else if (e.ev == "dropped") {
      dropped += e.num("count");
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
  std::printf("%zu events from %zu node(s)%s\n\n", t.events.size(), t.nodes.size(),
              dropped > 0 ? (", " + std::to_string(dropped) + " dropped by the recorder").c_str()
                          : "");
  std::printf("%-36s %8s %8s %10s %10s %22s %22s  %s\n", "per actor type", "msgs in", "msgs out",
              "bytes in", "bytes out", "wait us mean/p99/max", "handler us mean/p99/max",
              "exits");
  for (auto& [type, s] : per_type)
    row(type, s);
  std::printf("\n%-36s\n", "per actor");
  for (auto& [a, s] : per_actor)
    row(actor_label(t, a.first, a.second), s);
  std::printf("\nunhandled failures: %zu\n", unhandled);
  for (auto& w : unhandled_what)
    std::printf("  %s\n", w.c_str());
  return 0;
}

int cmd_actors(const trace& t) {
  for (auto& node : t.nodes) {
    std::printf("node %s\n  reactor\n", node.c_str());
    std::map<uint64_t, std::vector<uint64_t>> children;
    for (auto& [a, parent] : t.parents)
      if (a.first == node)
        children[parent].push_back(a.second);
    std::function<void(uint64_t, int)> walk = [&](uint64_t id, int depth) {
      for (auto child : children[id]) {
        std::printf("%*s%s\n", depth * 2, "", actor_label(t, node, child).c_str());
        walk(child, depth + 1);
      }
    };
    walk(0, 2);
  }
  return 0;
}

int cmd_filter(const trace& t, const std::vector<uint64_t>& actors, const std::string& type,
               const std::vector<uint64_t>& conns, double since, double until,
               const std::string& trace_id) {
  event_key root;
  if (!trace_id.empty() && !parse_event_key(t, trace_id, root)) {
    std::cerr << "ply-trace: '" << trace_id << "' is not a trace id (NODE#ID)\n";
    return 2;
  }
  auto roots = t.all_roots();
  for (size_t i = 0; i < t.events.size(); ++i) {
    auto& e = t.events[i];
    if (!trace_id.empty() && roots[i] != root)
      continue;
    double secs = static_cast<double>(e.t) / 1e9;
    if (secs < since || (until >= 0 && secs > until))
      continue;
    if (!actors.empty()) {
      auto a = e.num("actor"), f = e.num("from");
      if (std::find(actors.begin(), actors.end(), a) == actors.end() &&
          std::find(actors.begin(), actors.end(), f) == actors.end())
        continue;
    }
    if (!type.empty() && e.ev != type && e.str("msg") != type &&
        t.type_of({e.node, e.num("actor")}) != type)
      continue;
    if (!conns.empty() && std::find(conns.begin(), conns.end(), e.num("conn")) == conns.end())
      continue;
    auto j = e.j;
    j["t"] = e.t;
    j["trace"] = roots[i].first + "#" + std::to_string(roots[i].second);
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
  auto root = t.root_of(*e);
  std::printf("trace %s#%llu\ncaused by:\n", root.first.c_str(),
              static_cast<unsigned long long>(root.second));
  for (auto i = before.rbegin(); i != before.rend(); ++i)
    std::printf("  %s\n", describe(t, **i).c_str());
  std::printf("event:\n  %s\nled to:\n", describe(t, *e).c_str());
  // Depth first, with a stack of its own: a chain of any depth (a long-lived connection's every
  // read) is shown without recursion.
  std::set<event_key> seen;
  std::vector<std::pair<const event*, int>> stack{{e, 1}};
  while (!stack.empty()) {
    auto [x, depth] = stack.back();
    stack.pop_back();
    auto next = t.effects_of(*x);
    for (auto i = next.rbegin(); i != next.rend(); ++i)
      if (seen.insert((*i)->key()).second)
        stack.emplace_back(*i, depth + 1);
    if (x != e)
      std::printf("%*s%s\n", (depth - 1) * 2, "", describe(t, *x).c_str());
  }
  return 0;
}

/// Send/receive pairs, in time order: what a sequence diagram shows.
struct arrow {
  const event* recv;
  std::string from, to;
};

std::vector<arrow> arrows(const trace& t, const std::vector<uint64_t>& actors) {
  std::vector<arrow> out;
  for (auto& e : t.events) {
    if (e.ev != "recv")
      continue;
    auto from_node = e.str_or("from_node", e.node);
    auto from = e.num("from"), to = e.num("actor");
    if (!actors.empty() && std::find(actors.begin(), actors.end(), from) == actors.end() &&
        std::find(actors.begin(), actors.end(), to) == actors.end())
      continue;
    out.push_back({&e, from == 0 ? "reactor@" + e.node : actor_label(t, from_node, from),
                   actor_label(t, e.node, to)});
  }
  return out;
}

int cmd_sequence(const trace& t, const std::vector<uint64_t>& actors, bool mermaid) {
  auto list = arrows(t, actors);
  if (mermaid) {
    std::printf("sequenceDiagram\n");
    std::vector<std::string> participants;
    for (auto& a : list)
      for (auto* p : {&a.from, &a.to})
        if (std::find(participants.begin(), participants.end(), *p) == participants.end())
          participants.push_back(*p);
    for (size_t i = 0; i < participants.size(); ++i)
      std::printf("  participant P%zu as %s\n", i, participants[i].c_str());
    auto index = [&](const std::string& p) {
      return std::find(participants.begin(), participants.end(), p) - participants.begin();
    };
    for (auto& a : list)
      std::printf("  P%td->>P%td: %s\n", index(a.from), index(a.to), a.recv->str("msg").c_str());
    return 0;
  }
  for (auto& a : list)
    std::printf("%s  %s -> %s  %s  (waited %s us, handled in %s us)\n",
                fmt_time(a.recv->t).c_str(), a.from.c_str(), a.to.c_str(),
                a.recv->str("msg").c_str(),
                fmt_us(static_cast<double>(a.recv->num("wait_ns"))).c_str(),
                fmt_us(static_cast<double>(a.recv->num("handler_ns"))).c_str());
  return 0;
}

/// Chrome Trace Event JSON: a process per node, a thread per actor, a slice per handled message,
/// flow arrows from send to receive.
nlohmann::json chrome_json(const trace& t) {
  nlohmann::json events = nlohmann::json::array();
  std::map<std::string, int> pid;
  for (auto& n : t.nodes) {
    pid[n] = static_cast<int>(pid.size()) + 1;
    events.push_back({{"ph", "M"}, {"name", "process_name"}, {"pid", pid[n]},
                      {"args", {{"name", "node " + n}}}});
  }
  std::set<actor_key> named;
  auto thread_name = [&](const std::string& node, uint64_t actor) {
    if (named.insert({node, actor}).second)
      events.push_back({{"ph", "M"}, {"name", "thread_name"}, {"pid", pid[node]},
                        {"tid", actor}, {"args", {{"name", actor_label(t, node, actor)}}}});
  };
  auto us = [](int64_t ns) { return static_cast<double>(ns) / 1e3; };
  for (auto& e : t.events) {
    auto p = pid[e.node];
    if (e.ev == "recv") {
      auto actor = e.num("actor");
      thread_name(e.node, actor);
      events.push_back({{"ph", "X"}, {"name", e.str("msg")}, {"pid", p}, {"tid", actor},
                        {"ts", us(e.t)}, {"dur", std::max(0.001, us(e.num("handler_ns")))},
                        {"args", {{"event", e.id}, {"wait_us", us(e.num("wait_ns"))}}}});
      // A flow arrow from the sender's track, when it was sent, to this slice.
      if (e.j.contains("sent_ns")) {
        auto from_node = e.str_or("from_node", e.node);
        auto from = e.num("from");
        thread_name(from_node, from);
        auto flow = e.node + "#" + std::to_string(e.id);
        events.push_back({{"ph", "s"}, {"name", "message"}, {"cat", "message"}, {"id", flow},
                          {"pid", pid[from_node]}, {"tid", from},
                          {"ts", us(e.t - static_cast<int64_t>(e.num("wait_ns")))}});
        events.push_back({{"ph", "f"}, {"bp", "e"}, {"name", "message"}, {"cat", "message"},
                          {"id", flow}, {"pid", p}, {"tid", actor}, {"ts", us(e.t)}});
      }
    } else if (e.ev != "meta") {
      auto actor = e.num("actor");
      thread_name(e.node, actor);
      events.push_back({{"ph", "i"}, {"s", "t"}, {"name", e.ev}, {"pid", p}, {"tid", actor},
                        {"ts", us(e.t)}, {"args", e.j}});
    }
  }
  return {{"traceEvents", events}, {"displayTimeUnit", "ns"}};
}

bool write_file(const std::string& path, const std::string& text) {
  std::ofstream out{path};
  out << text;
  if (!out) {
    std::cerr << "ply-trace: cannot write " << path << "\n";
    return false;
  }
  return true;
}

} // namespace

int html_page(const ply_trace::trace& t, std::string& out);
int run_top(const std::string& endpoint, double interval, size_t iterations, bool clear,
            size_t rows);

int main(int argc, char** argv) {
  CLI::App app{"ply-trace reads the traces ply programs record (--trace FILE or PLY_TRACE=FILE) "
               "and shows what every actor did.",
               "ply-trace"};
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
    return write_file(out_path, chrome_json(t).dump()) ? 0 : 2;
  if (html->parsed()) {
    std::string page;
    html_page(t, page);
    return write_file(out_path, page) ? 0 : 2;
  }
  return 2;
}
