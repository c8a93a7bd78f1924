// SPDX-License-Identifier: MIT
#pragma once

#include <chrono>
#include <mutex>
#include <string>
#include <thread>
#include <vector>

#include <caf/error.hpp>

#include "ply/error.hpp"

namespace ply::test {

/// What test protocols and factories saw, shared with the test body (thread-safe).
struct recorder {
  void add(std::string event) {
    std::lock_guard<std::mutex> guard{mtx};
    events.push_back(std::move(event));
  }

  size_t count(const std::string& event) const {
    std::lock_guard<std::mutex> guard{mtx};
    size_t n = 0;
    for (auto& e : events)
      if (e == event)
        ++n;
    return n;
  }

  /// Events that start with `prefix`.
  std::vector<std::string> starting_with(const std::string& prefix) const {
    std::lock_guard<std::mutex> guard{mtx};
    std::vector<std::string> out;
    for (auto& e : events)
      if (e.rfind(prefix, 0) == 0)
        out.push_back(e);
    return out;
  }

  /// Waits until `n` events starting with `prefix` were seen (or `timeout` passed).
  void wait_for(const std::string& prefix, size_t n,
                std::chrono::milliseconds timeout = std::chrono::seconds(10)) const {
    auto until = std::chrono::steady_clock::now() + timeout;
    while (starting_with(prefix).size() < n && std::chrono::steady_clock::now() < until)
      std::this_thread::sleep_for(std::chrono::milliseconds(10));
  }

  mutable std::mutex mtx;
  std::vector<std::string> events;
};

using recorder_ptr = std::shared_ptr<recorder>;

} // namespace ply::test
