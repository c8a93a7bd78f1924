// SPDX-License-Identifier: MIT
#pragma once

#include <cstddef>
#include <string>

#include <ply/plugin.hpp>
#include <ply/protocol.hpp>

namespace ply::actors {

/// RFC 864 character generator: rotating 72-character lines for as long as the client reads.
/// It produces only while the transport takes the bytes: a client that stops reading pauses it
/// (`pause_producing`), so memory stays at the write buffer's high-water mark.
class chargen : public protocol {
public:
  const char* name() const override {
    return "ply.chargen";
  }

  void connection_made() override;
  void data_received(bytes) override;
  void pause_producing() override;
  void resume_producing() override;
  caf::message_handler extra_behavior() override;

  /// Line `n` of the pattern (without CRLF): 72 printable characters starting at offset n % 95.
  static std::string line(size_t n);

private:
  void produce();

  size_t next_ = 0;
  bool paused_ = false;
  bool scheduled_ = false;
};

void register_chargen_plugin(plugin_registry& reg);

} // namespace ply::actors
