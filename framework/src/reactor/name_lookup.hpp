// SPDX-License-Identifier: MIT
#pragma once

#include <functional>
#include <memory>
#include <mutex>
#include <optional>
#include <string>
#include <thread>
#include <vector>

#include "reactor/asio.hpp"

namespace ply::detail {

class io_thread;

/// Host name lookups for outgoing connections, off the reactor threads: `getaddrinfo` blocks, so
/// lookups run one after another on a thread of their own, started at the first, and each result
/// is posted back to the reactor thread that asked. (Asio's own asynchronous lookup completes
/// through its loop, which a reactor thread does not block in.) A numeric address needs none.
class name_lookup {
public:
  using endpoints = std::vector<asio::ip::tcp::endpoint>;
  using callback = std::function<void(const boost::system::error_code&, endpoints)>;

  name_lookup() = default;
  name_lookup(const name_lookup&) = delete;
  name_lookup& operator=(const name_lookup&) = delete;

  /// Waits for the lookup under way, if any, and drops the ones queued behind it.
  ~name_lookup();

  /// Looks up `host`:`port`; `done` then runs on `home`'s thread (not at all once it is gone).
  void resolve(std::string host, std::string port, std::weak_ptr<io_thread> home, callback done);

private:
  std::mutex mtx_;
  asio::io_context ioc_{1};
  std::optional<asio::executor_work_guard<asio::io_context::executor_type>> guard_;
  std::thread thread_;  ///< guarded by mtx_ until started
};

} // namespace ply::detail
