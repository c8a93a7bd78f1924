// SPDX-License-Identifier: MIT
#include "web/access_log.hpp"

#include <fcntl.h>
#include <unistd.h>

#include <cerrno>
#include <cstring>
#include <stdexcept>

#include <spdlog/spdlog.h>

namespace ply::actors::web {

namespace {

constexpr size_t flush_at = 64 * 1024;

int open_log(const std::string& path) {
  return ::open(path.c_str(), O_WRONLY | O_CREAT | O_APPEND | O_CLOEXEC, 0644);
}

} // namespace

access_log::access_log(std::string path) : path_(std::move(path)) {
  fd_ = open_log(path_);
  if (fd_ < 0)
    throw std::runtime_error("cannot open the access log " + path_ + ": " + std::strerror(errno));
}

access_log::~access_log() {
  flush();
  if (fd_ >= 0)
    ::close(fd_);
}

std::string access_log::format(std::string_view host, std::string_view request_line, int status,
                               uint64_t bytes, std::time_t when) {
  char date[40];
  std::tm utc{};
  ::gmtime_r(&when, &utc);
  std::strftime(date, sizeof(date), "%d/%b/%Y:%H:%M:%S +0000", &utc);
  std::string line;
  line.reserve(96 + request_line.size());
  line.append(host.empty() ? std::string_view{"-"} : host);
  line += " - - [";
  line += date;
  line += "] \"";
  // A quote or a line break in a request line would end the field early: escaped.
  for (char c : request_line) {
    if (c == '"' || c == '\\')
      line += '\\';
    line += (c == '\n' || c == '\r') ? ' ' : c;
  }
  line += "\" ";
  line += std::to_string(status);
  line += ' ';
  line += bytes == 0 ? std::string{"-"} : std::to_string(bytes);
  return line;
}

void access_log::hit(std::string_view host, std::string_view request_line, int status,
                     uint64_t bytes, std::time_t when) {
  auto line = format(host, request_line, status, bytes, when);
  std::lock_guard<std::mutex> guard{mtx_};
  buffer_ += line;
  buffer_ += '\n';
  if (buffer_.size() >= flush_at)
    write_locked();
}

void access_log::flush() {
  std::lock_guard<std::mutex> guard{mtx_};
  write_locked();
}

void access_log::reopen() {
  std::lock_guard<std::mutex> guard{mtx_};
  write_locked();
  int fd = open_log(path_);
  if (fd < 0) {
    spdlog::warn("web: cannot reopen the access log {}: {}; writing on where it was", path_,
                 std::strerror(errno));
    return;
  }
  ::close(fd_);
  fd_ = fd;
}

void access_log::write_locked() {
  size_t done = 0;
  while (done < buffer_.size()) {
    auto n = ::write(fd_, buffer_.data() + done, buffer_.size() - done);
    if (n < 0 && errno == EINTR)
      continue;
    if (n <= 0) {
      spdlog::warn("web: writing the access log {} failed ({}): {} bytes dropped", path_,
                   std::strerror(errno), buffer_.size() - done);
      break;
    }
    done += static_cast<size_t>(n);
  }
  buffer_.clear();
}

} // namespace ply::actors::web
