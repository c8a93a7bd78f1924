// SPDX-License-Identifier: MIT
#pragma once

#include <cstdint>
#include <ctime>
#include <mutex>
#include <string>
#include <string_view>

namespace ply::actors::web {

/// A web server's access log in the Common Log Format (what weblog reads): one line per answer,
/// `HOST - - [01/Dec/2026:10:00:00 +0000] "GET / HTTP/1.1" 200 1234`. Lines are buffered and
/// written by `flush` (a timer calls it every second), or at once past 64 KiB; `reopen` starts a
/// new file at the same path (SIGHUP, after logrotate moved the old one). Used from every reactor
/// thread: a mutex guards it.
class access_log {
public:
  /// Opens `path` for appending; throws std::runtime_error naming the file and why.
  explicit access_log(std::string path);
  ~access_log();
  access_log(const access_log&) = delete;
  access_log& operator=(const access_log&) = delete;

  /// Queues one line for an answer to `host`.
  void hit(std::string_view host, std::string_view request_line, int status, uint64_t bytes,
           std::time_t when);

  /// Writes what is queued.
  void flush();

  /// Flushes, then opens the path anew; a failure is logged, and the old file is kept.
  void reopen();

  const std::string& path() const {
    return path_;
  }

  /// One line in the Common Log Format, without its newline (`bytes` 0 is written "-").
  static std::string format(std::string_view host, std::string_view request_line, int status,
                            uint64_t bytes, std::time_t when);

private:
  void write_locked();

  std::string path_;
  std::mutex mtx_;
  int fd_ = -1;         ///< guarded by mtx_
  std::string buffer_;  ///< guarded by mtx_
};

} // namespace ply::actors::web
