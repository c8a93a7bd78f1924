// SPDX-License-Identifier: MIT
#pragma once

#include <sys/types.h>

#include <chrono>
#include <cstdint>
#include <string>
#include <vector>

namespace ply::test {

/// Path of a binary built into build/bin.
std::string bin(const std::string& name);

/// A program started for a test: its standard error goes to a temporary file, which is where
/// ply logs "listening on ADDRESS:PORT". Stopped with SIGTERM when destroyed.
class process {
public:
  explicit process(std::vector<std::string> argv);
  ~process();
  process(const process&) = delete;
  process& operator=(const process&) = delete;

  /// Waits for the n-th "listening on" line and returns its port (0 on timeout).
  uint16_t port(size_t n = 0, std::chrono::milliseconds timeout = std::chrono::seconds(10));

  /// Sends a signal.
  void signal(int sig);

  pid_t pid() const {
    return pid_;
  }

  /// Resident memory in KiB (VmRSS), 0 if unknown.
  long rss_kib() const;

  /// Waits for the exit; returns the exit code (128+N for signal N, -1 on timeout).
  int wait(std::chrono::milliseconds timeout = std::chrono::seconds(10));

  /// Whether the process is still running.
  bool alive();

  /// What it logged so far.
  std::string log() const;

  /// What it printed on standard output so far.
  std::string output() const;

private:
  pid_t pid_ = -1;
  int status_ = -1;
  std::string err_path_;
  std::string out_path_;
};

/// Waits until the process logged `text` (`times` times); false on timeout.
bool wait_for_log(process& p, const std::string& text, size_t times = 1,
                  std::chrono::milliseconds timeout = std::chrono::seconds(5));

/// Sends `input` (a printf format) with nc and returns the answer.
std::string nc(uint16_t port, const std::string& input);

/// Runs a shell command with a time limit; returns its standard output.
std::string shell(const std::string& command, int timeout_seconds = 10);

/// Runs a shell command; returns its exit code.
int shell_status(const std::string& command, int timeout_seconds = 10);

} // namespace ply::test
