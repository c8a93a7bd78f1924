// SPDX-License-Identifier: MIT
// ply-trace's reader: trace files (JSON lines) from several nodes, merged into one timeline with
// causes followed across nodes. Bytes 0x01 split the input into separate files.
#include <sstream>
#include <string>
#include <vector>

#include "record.hpp"
#include "trace_file.hpp"

namespace {

/// The fast path reads a line only as the full JSON parser would: same fields, same values.
void check_fast_path(const std::string& text) {
  std::vector<ply_trace::record_item> items;
  size_t begin = 0;
  while (begin <= text.size()) {
    auto end = text.find('\n', begin);
    auto line = text.substr(begin, end == std::string::npos ? std::string::npos : end - begin);
    if (ply_trace::parse_flat_record(line, items)) {
      auto full = nlohmann::json::parse(line, nullptr, false);
      if (full.is_discarded() || !full.is_object())
        __builtin_trap();
      auto fast = nlohmann::json::object();
      for (auto& item : items)
        fast[std::string{item.key}] = item.value();
      if (fast != full)
        __builtin_trap();
    }
    if (end == std::string::npos)
      break;
    begin = end + 1;
  }
}

} // namespace

extern "C" int LLVMFuzzerTestOneInput(const uint8_t* data, size_t size) {
  std::string text{reinterpret_cast<const char*>(data), size};
  check_fast_path(text);
  std::vector<std::istringstream> files;
  size_t begin = 0;
  for (;;) {
    auto end = text.find('\x01', begin);
    files.emplace_back(text.substr(begin, end == std::string::npos ? end : end - begin));
    if (end == std::string::npos || files.size() == 4)
      break;
    begin = end + 1;
  }
  std::vector<std::pair<std::string, std::istream*>> named;
  for (size_t i = 0; i < files.size(); ++i)
    named.emplace_back("f" + std::to_string(i), &files[i]);
  auto t = ply_trace::load(named);
  // One timeline, in order; every cause and effect is an event of it.
  for (size_t i = 1; i < t.events.size(); ++i)
    if (t.events[i].t < t.events[i - 1].t)
      __builtin_trap();
  auto roots = t.all_roots();
  for (auto& e : t.events) {
    auto& root = t.root_of(e);
    if (t.find(root.node, root.id) == nullptr || roots[t.index_of(e)] >= t.events.size())
      __builtin_trap();
    for (auto* effect : t.effects_of(e))
      if (t.cause_of(*effect) != &e)
        __builtin_trap();
    t.to_json(e);
  }
  ply_trace::event_key key;
  ply_trace::parse_event_key(t, text.substr(0, 40), key);
  return 0;
}
