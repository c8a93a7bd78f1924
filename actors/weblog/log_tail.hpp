// SPDX-License-Identifier: MIT
#pragma once

#include <sys/types.h>

#include <cstddef>
#include <string>
#include <vector>

namespace ply::actors::weblog {

/// Follows a growing log file as `tail -F` does: each `poll` returns the complete lines added
/// since the last one. A log moved away (rotated) is read to its end, then the new file at the
/// path from its start; a log cut shorter (truncated) is read again from its start. Lines longer
/// than `max_line` are dropped, and one poll reads at most `max_per_poll` bytes (the rest comes
/// with the next), so memory stays bounded whatever the file holds.
class log_tail {
public:
  /// Opens `path` at its end (`from_start`: at its beginning); throws std::runtime_error naming
  /// the file and why when it cannot be read.
  explicit log_tail(std::string path, bool from_start = false, size_t max_line = 64 * 1024);
  ~log_tail();
  log_tail(const log_tail&) = delete;
  log_tail& operator=(const log_tail&) = delete;

  /// The lines (without newlines) that were completed since the last call.
  std::vector<std::string> poll();

  static constexpr size_t max_per_poll = 1024 * 1024;

  const std::string& path() const {
    return path_;
  }

private:
  /// Reads on from `offset_`; true once at the end of the file.
  bool read_available(std::vector<std::string>& lines);
  void reopen_if_replaced(std::vector<std::string>& lines);

  std::string path_;
  size_t max_line_;
  int fd_ = -1;
  ino_t inode_ = 0;
  off_t offset_ = 0;
  std::string partial_;  ///< the start of a line whose end has not come yet
  bool skipping_ = false;  ///< inside a line longer than max_line, until its newline
};

} // namespace ply::actors::weblog
