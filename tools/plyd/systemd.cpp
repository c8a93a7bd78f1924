// SPDX-License-Identifier: MIT
#include "systemd.hpp"

#include <unistd.h>

#include <spdlog/spdlog.h>
#include <systemd/sd-daemon.h>

namespace plyd::systemd {

void ready(const std::string& status) {
  sd_notifyf(0, "READY=1\nSTATUS=%s\nMAINPID=%lu", status.c_str(),
             static_cast<unsigned long>(::getpid()));
}

void stopping() {
  sd_notify(0, "STOPPING=1\nSTATUS=stopping");
}

std::unique_ptr<ply::looping_call> keep_watchdog(ply::clock& reactor_clock) {
  uint64_t usec = 0;
  if (sd_watchdog_enabled(0, &usec) <= 0 || usec == 0)
    return nullptr;
  auto every = std::chrono::microseconds(usec / 2);
  spdlog::info("systemd watchdog: telling systemd every {} ms", every.count() / 1000);
  auto loop = std::make_unique<ply::looping_call>(reactor_clock, [] { sd_notify(0, "WATCHDOG=1"); });
  loop->start(std::chrono::duration_cast<ply::duration>(every));
  return loop;
}

} // namespace plyd::systemd
