// SPDX-License-Identifier: MIT
#include "weblog/log_tail.hpp"

#include <fcntl.h>
#include <sys/stat.h>
#include <unistd.h>

#include <cerrno>
#include <cstring>
#include <stdexcept>

namespace ply::actors::weblog {

log_tail::log_tail(std::string path, bool from_start, size_t max_line)
  : path_(std::move(path)), max_line_(max_line) {
  fd_ = ::open(path_.c_str(), O_RDONLY | O_CLOEXEC);
  struct stat st{};
  if (fd_ < 0 || ::fstat(fd_, &st) != 0) {
    auto why = std::string{std::strerror(errno)};
    if (fd_ >= 0)
      ::close(fd_);
    throw std::runtime_error("cannot read the log " + path_ + ": " + why);
  }
  inode_ = st.st_ino;
  offset_ = from_start ? 0 : st.st_size;
}

log_tail::~log_tail() {
  if (fd_ >= 0)
    ::close(fd_);
}

std::vector<std::string> log_tail::poll() {
  std::vector<std::string> lines;
  struct stat st{};
  // Cut shorter than what was read: written anew from its start.
  if (::fstat(fd_, &st) == 0 && st.st_size < offset_) {
    offset_ = 0;
    partial_.clear();
    skipping_ = false;
  }
  // A file replaced meanwhile is taken up once the old one was read to its end.
  if (read_available(lines))
    reopen_if_replaced(lines);
  return lines;
}

bool log_tail::read_available(std::vector<std::string>& lines) {
  char buf[16 * 1024];
  for (size_t taken = 0; taken < max_per_poll;) {
    auto n = ::pread(fd_, buf, sizeof(buf), offset_);
    if (n < 0 && errno == EINTR)
      continue;
    if (n <= 0)
      return true;
    taken += static_cast<size_t>(n);
    offset_ += n;
    std::string_view chunk{buf, static_cast<size_t>(n)};
    while (!chunk.empty()) {
      auto nl = chunk.find('\n');
      auto piece = chunk.substr(0, nl);
      if (!skipping_) {
        if (partial_.size() + piece.size() > max_line_) {
          skipping_ = true;
          partial_.clear();
        } else {
          partial_.append(piece);
        }
      }
      if (nl == std::string_view::npos)
        break;
      if (!skipping_)
        lines.push_back(std::move(partial_));
      partial_.clear();
      skipping_ = false;
      chunk.remove_prefix(nl + 1);
    }
  }
  return false;  // more to read: the next poll goes on
}

void log_tail::reopen_if_replaced(std::vector<std::string>& lines) {
  struct stat st{};
  if (::stat(path_.c_str(), &st) != 0 || st.st_ino == inode_)
    return;  // not there (being rotated): the old file is read on until a new one appears
  int fd = ::open(path_.c_str(), O_RDONLY | O_CLOEXEC);
  if (fd < 0 || ::fstat(fd, &st) != 0) {
    if (fd >= 0)
      ::close(fd);
    return;
  }
  // The old file is done: what it still had was read above. The new one is read from its start.
  ::close(fd_);
  fd_ = fd;
  inode_ = st.st_ino;
  offset_ = 0;
  partial_.clear();
  skipping_ = false;
  read_available(lines);
}

} // namespace ply::actors::weblog
