// SPDX-License-Identifier: MIT
// ply-trace html: one self-contained page (no network access) with a zoomable timeline per actor,
// flow arrows from send to receive, and a sequence diagram.
#include <climits>
#include <map>
#include <ostream>
#include <string>

#include "html.hpp"

namespace {

constexpr const char* page_head = R"HTML(<!doctype html>
<html><head><meta charset="utf-8"><title>ply trace</title>
<style>
body { font: 13px sans-serif; margin: 0; color: #222; }
header { padding: 8px 12px; background: #f0f0f4; border-bottom: 1px solid #ccc; }
h2 { font-size: 14px; margin: 14px 12px 6px; }
#timeline, #sequence { margin: 0 12px; border: 1px solid #ddd; overflow: auto; }
#timeline { height: 420px; cursor: grab; }
.label { font: 11px monospace; fill: #333; }
.slice { fill: #4a7bd0; }
.slice:hover { fill: #e0702a; }
.flow { stroke: #999; stroke-width: 0.7; fill: none; marker-end: url(#arrow); }
.life { stroke: #bbb; stroke-dasharray: 3 3; }
.msg { stroke: #4a7bd0; marker-end: url(#arrow); }
#status { color: #888; margin-left: 12px; }
</style></head><body>
<header><b>ply trace</b> <span id="summary"></span>
<span id="status">loading</span><br><small>Timeline: wheel zooms, drag pans; hover a slice for
its message.</small></header>
<h2>Timeline (one row per actor, grouped by node)</h2><div id="timeline"></div>
<h2>Sequence (first 300 messages)</h2><div id="sequence"></div>
<script id="data" type="application/json">)HTML";

constexpr const char* page_tail = R"HTML(</script>
<script>
(function () {
  const status = document.getElementById('status');
  window.onerror = function (m) { status.textContent = 'error: ' + m; document.body.dataset.status = 'error'; };
  const data = JSON.parse(document.getElementById('data').textContent);
  const NS = 'http://www.w3.org/2000/svg';
  const el = (tag, attrs, parent) => {
    const e = document.createElementNS(NS, tag);
    for (const k in attrs) e.setAttribute(k, attrs[k]);
    if (parent) parent.appendChild(e);
    return e;
  };
  const defs = (svg) => {
    const d = el('defs', {}, svg);
    const m = el('marker', { id: 'arrow', viewBox: '0 0 10 10', refX: 10, refY: 5,
                             markerWidth: 6, markerHeight: 6, orient: 'auto' }, d);
    el('path', { d: 'M0,0 L10,5 L0,10 z', fill: '#888' }, m);
  };
  document.getElementById('summary').textContent =
    data.actors.length + ' actors, ' + data.slices.length + ' handled messages, ' +
    data.nodes.length + ' node(s), ' + ((data.end - data.start) / 1e6).toFixed(3) + ' ms' +
    (data.total > data.slices.length
       ? ' (the first ' + data.slices.length + ' of ' + data.total + ' messages: ' +
         'ply-trace html --since/--until/--limit show others)'
       : '');

  // -- timeline --
  const rowH = 18, labelW = 260, box = document.getElementById('timeline');
  const width = Math.max(box.clientWidth, 800);
  let scale = (width - labelW - 20) / Math.max(data.end - data.start, 1), offset = data.start;
  const svg = el('svg', { width: width, height: data.actors.length * rowH + 20 }, box);
  defs(svg);
  data.actors.forEach((a, i) => {
    const t = el('text', { x: 4, y: i * rowH + 13, class: 'label' }, svg);
    t.textContent = a.label;
  });
  const plot = el('g', {}, svg);
  const draw = () => {
    while (plot.firstChild) plot.removeChild(plot.firstChild);
    const x = (t) => labelW + (t - offset) * scale;
    for (const s of data.slices) {
      const r = el('rect', { x: x(s[1]), y: s[0] * rowH + 3, width: Math.max(1, s[2] * scale),
                             height: rowH - 6, class: 'slice' }, plot);
      el('title', {}, r).textContent = s[3] + ' (' + (s[2] / 1e3).toFixed(1) + ' us)';
    }
    for (const f of data.flows.slice(0, 2000)) {
      if (f[0] === f[2]) continue;
      el('line', { x1: x(f[1]), y1: f[0] * rowH + rowH / 2, x2: x(f[3]),
                   y2: f[2] * rowH + rowH / 2, class: 'flow' }, plot);
    }
  };
  draw();
  box.addEventListener('wheel', (ev) => {
    ev.preventDefault();
    const at = offset + (ev.offsetX - labelW) / scale;
    scale *= ev.deltaY < 0 ? 1.25 : 0.8;
    offset = at - (ev.offsetX - labelW) / scale;
    draw();
  });
  let dragX = null;
  box.addEventListener('mousedown', (ev) => { dragX = ev.clientX; });
  window.addEventListener('mouseup', () => { dragX = null; });
  window.addEventListener('mousemove', (ev) => {
    if (dragX === null) return;
    offset -= (ev.clientX - dragX) / scale;
    dragX = ev.clientX;
    draw();
  });

  // -- sequence diagram --
  const seq = document.getElementById('sequence');
  const msgs = data.flows.slice(0, 300);
  const used = [...new Set(msgs.flatMap((f) => [f[0], f[2]]))];
  const colW = 170, seqSvg = el('svg', { width: Math.max(used.length * colW, 300),
                                          height: msgs.length * 20 + 50 }, seq);
  defs(seqSvg);
  const col = (a) => used.indexOf(a) * colW + colW / 2;
  used.forEach((a) => {
    const t = el('text', { x: col(a), y: 14, class: 'label', 'text-anchor': 'middle' }, seqSvg);
    t.textContent = data.actors[a].label;
    el('line', { x1: col(a), y1: 20, x2: col(a), y2: msgs.length * 20 + 40, class: 'life' }, seqSvg);
  });
  msgs.forEach((f, i) => {
    const y = 36 + i * 20;
    el('line', { x1: col(f[0]), y1: y, x2: col(f[2]) + (f[0] === f[2] ? 20 : 0), y2: y,
                 class: 'msg' }, seqSvg);
    const t = el('text', { x: (col(f[0]) + col(f[2])) / 2 + 4, y: y - 3, class: 'label' }, seqSvg);
    t.textContent = f[4];
  });
  status.textContent = 'ok';
  document.body.dataset.status = 'ok';
})();
</script></body></html>
)HTML";

} // namespace

namespace {

/// `j` as JSON text that can stand inside a script element ("</" cannot).
std::string script_safe(const nlohmann::json& j) {
  auto json = j.dump();
  std::string safe;
  safe.reserve(json.size());
  for (size_t i = 0; i < json.size(); ++i) {
    if (json[i] == '<' && i + 1 < json.size() && json[i + 1] == '/')
      safe += "<\\";
    else
      safe += json[i];
  }
  return safe;
}

} // namespace

void ply_trace::html_page(const trace& t, std::ostream& out, double since, double until,
                          size_t limit) {
  std::map<actor_key, size_t> index;
  nlohmann::json actors = nlohmann::json::array();
  auto actor = [&](uint32_t node, uint64_t id) {
    auto [i, added] = index.emplace(actor_key{node, id}, index.size());
    if (added)
      actors.push_back({{"label", (id == 0 ? std::string{"reactor"}
                                           : t.type_of({node, id}) + "#" + std::to_string(id)) +
                                    " @" + t.nodes[node]},
                        {"node", t.nodes[node]}});
    return i->second;
  };
  auto recv = t.name_index("recv");
  int64_t start = INT64_MAX, end = 0;
  size_t shown = 0, total = 0;
  std::string flows;
  out << page_head << R"({"slices":[)";
  for (auto& e : t.events) {
    if (!e.within(since, until))
      continue;
    // Past the last message shown, events only count.
    if (e.kind == recv ? ++total > limit : total >= limit)
      continue;
    start = std::min(start, e.t);
    end = std::max(end, e.t);
    if (e.kind != recv)
      continue;
    auto to = actor(e.node, e.num(field::actor));
    auto from = actor(e.from_node, e.num(field::from));
    out << (shown++ == 0 ? "" : ",")
        << script_safe({to, e.t, e.num(field::handler_ns), t.msg(e)});
    if (!flows.empty())
      flows += ',';
    flows += script_safe({from, trace::sent_at(e), to, e.t, t.msg(e)});
  }
  nlohmann::json nodes = nlohmann::json::array();
  for (auto n : t.recorded)
    nodes.push_back(t.nodes[n]);
  out << R"(],"flows":[)" << flows << R"(],"actors":)" << script_safe(actors)
      << R"(,"nodes":)" << script_safe(nodes) << R"(,"start":)" << (start == INT64_MAX ? 0 : start) << R"(,"end":)" << end << R"(,"total":)" << total
      << "}" << page_tail;
}
