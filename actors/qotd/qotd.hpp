// SPDX-License-Identifier: MIT
#pragma once

#include <string>

#include <ply/plugin.hpp>
#include <ply/protocol.hpp>

namespace ply::actors {

/// RFC 865 quote of the day: sends a quote, then closes.
class qotd : public protocol {
public:
  explicit qotd(std::string quote);
  void connection_made() override;

private:
  std::string quote_;
};

void register_qotd_plugin(plugin_registry& reg);

} // namespace ply::actors
