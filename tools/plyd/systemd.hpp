// SPDX-License-Identifier: MIT
#pragma once

#include <memory>
#include <string>

#include <ply/time.hpp>

namespace plyd {

/// What plyd tells systemd when it runs as a `Type=notify` service (NOTIFY_SOCKET set): nothing
/// otherwise. Any thread.
namespace systemd {

/// Every service listens: `READY=1`, with `status` as the status line `systemctl status` shows.
void ready(const std::string& status);

/// A graceful stop began: `STOPPING=1`.
void stopping();

/// When systemd watches plyd (`WatchdogSec=`, so WATCHDOG_USEC is set for this process): sends
/// `WATCHDOG=1` at half that interval from the reactor's first thread, so a hung reactor is
/// restarted. Returns what keeps it going (nothing when there is no watchdog).
std::unique_ptr<ply::looping_call> keep_watchdog(ply::clock& reactor_clock);

} // namespace systemd

} // namespace plyd
