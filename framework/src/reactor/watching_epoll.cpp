// SPDX-License-Identifier: MIT
#include "reactor/watching_epoll.hpp"

#include <unistd.h>

#include <algorithm>
#include <charconv>
#include <filesystem>
#include <fstream>
#include <string>
#include <string_view>
#include <system_error>

namespace ply::detail {

namespace {

/// Whether the set behind `/proc/self/fdinfo/NAME` lists `fd` among its targets ("tfd: N").
bool lists_target(const std::string& name, int fd) {
  std::ifstream info{"/proc/self/fdinfo/" + name};
  std::string line;
  while (std::getline(info, line)) {
    std::string_view rest{line};
    if (!rest.starts_with("tfd:"))
      continue;
    rest.remove_prefix(4);
    rest.remove_prefix(std::min(rest.find_first_not_of(" \t"), rest.size()));
    int target = -1;
    std::from_chars(rest.data(), rest.data() + rest.size(), target);
    if (target == fd)
      return true;
  }
  return false;
}

} // namespace

int watching_epoll(int fd) {
  std::error_code ec;
  std::filesystem::directory_iterator it{"/proc/self/fd", ec};
  if (ec)
    return -1;
  int found = -1;
  for (; it != std::filesystem::directory_iterator{}; it.increment(ec)) {
    if (ec)
      return -1;
    auto name = it->path().filename().string();
    int candidate = -1;
    auto [end, err] = std::from_chars(name.data(), name.data() + name.size(), candidate);
    if (err != std::errc{} || end != name.data() + name.size())
      continue;
    char link[64];
    auto len = ::readlink(it->path().c_str(), link, sizeof(link) - 1);
    if (len < 0 || std::string_view{link, static_cast<size_t>(len)} != "anon_inode:[eventpoll]")
      continue;
    if (!lists_target(name, fd))
      continue;
    if (found != -1)
      return -1;  // ambiguous: a stale registration of the same number elsewhere
    found = candidate;
  }
  return found;
}

} // namespace ply::detail
