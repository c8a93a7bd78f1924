// SPDX-License-Identifier: MIT
#pragma once

#include <memory>
#include <string>

#include <nlohmann/json.hpp>
#include <ply/service.hpp>

namespace plyd {

/// What the control endpoint reports besides live figures: filled in once the services are up.
struct control_info {
  nlohmann::json services = nlohmann::json::object();
  std::string application;
};

/// The `--control ENDPOINT` service: a line protocol for operators and tools. `stats` answers one
/// JSON line (pid, uptime, open connections, services and their endpoints), `actors` one with
/// every live ply actor (type, messages handled, messages queued; what `ply-trace top` shows),
/// `help` lists the commands, `quit` closes; anything else gets a JSON error.
ply::service_ptr make_control_service(const std::string& endpoint,
                                      std::shared_ptr<const control_info> info);

} // namespace plyd
