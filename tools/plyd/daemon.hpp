// SPDX-License-Identifier: MIT
#pragma once

#include <string>
#include <vector>
#include <sys/types.h>

namespace plyd {

/// Detaches from the terminal (double fork, setsid, umask 027, chdir to `dir`, standard streams
/// to /dev/null). The original process waits until the daemon reports `ready` or `failed` and
/// exits with 0 or 2 (printing the failure), so a port in use still reaches the terminal.
void daemonize(const std::string& dir);

/// In the daemon: startup went well (the waiting parent exits 0).
void report_ready();

/// In the daemon: startup failed with `message` (the waiting parent prints it and exits 2).
void report_failure(const std::string& message);

/// A pid file, locked (flock) while its process runs: a second start is refused however close
/// the two are, a file left by a process that is gone is taken over; removed on destruction.
class pidfile {
public:
  /// Throws when a running process holds `path`.
  static void check(const std::string& path);

  pidfile() = default;
  explicit pidfile(std::string path);
  ~pidfile();
  pidfile(const pidfile&) = delete;
  pidfile& operator=(const pidfile&) = delete;

private:
  std::string path_;
  pid_t owner_ = 0;
  int fd_ = -1;  ///< holds the lock
};

/// Drops to `user`/`group` (names or numbers; empty keeps the current one). Throws on failure.
/// The files in `owned` (log files that must be reopened on SIGHUP) are given to that user first.
void drop_privileges(const std::string& user, const std::string& group,
                     const std::vector<std::string>& owned = {});

} // namespace plyd
