// SPDX-License-Identifier: MIT
#include "chargen/chargen.hpp"

#include "tcp_plugin.hpp"

namespace ply::actors {

namespace {

using more_atom = caf::atom_constant<caf::atom("cg_more")>;

/// Bytes written per turn before the actor lets other work (and the socket) run.
constexpr size_t burst = 64 * 1024;

} // namespace

std::string chargen::line(size_t n) {
  std::string out;
  out.reserve(72);
  for (size_t i = 0; i < 72; ++i)
    out += static_cast<char>(' ' + (n + i) % 95);
  return out;
}

void chargen::connection_made() {
  produce();
}

void chargen::data_received(bytes) {
  // What the client sends is ignored (RFC 864).
}

void chargen::pause_producing() {
  paused_ = true;
}

void chargen::resume_producing() {
  paused_ = false;
  produce();
}

caf::message_handler chargen::extra_behavior() {
  return {[this](more_atom) {
    scheduled_ = false;
    produce();
  }};
}

void chargen::produce() {
  if (paused_)
    return;
  std::string chunk;
  chunk.reserve(burst + 80);
  while (chunk.size() < burst) {
    chunk += line(next_++);
    chunk += "\r\n";
  }
  transport().write(chunk);
  // The next burst comes a moment later, after the reactor sent this one and compared what the
  // socket did not take with the high-water mark: a pause arrives before it. (A message to itself
  // would be handled in the same turn, before any send.)
  if (!scheduled_) {
    scheduled_ = true;
    delayed_send(this, std::chrono::milliseconds(1), more_atom::value);
  }
}

void register_chargen_plugin(plugin_registry& reg) {
  reg.add(tcp_plugin<chargen>("chargen", "Generate characters while the client reads (RFC 864)",
                              "tcp:19"));
}

} // namespace ply::actors
