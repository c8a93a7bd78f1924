// SPDX-License-Identifier: MIT
#include "reactor/watching_epoll.hpp"

#include <sys/stat.h>
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

/// The number after `key` in `line`, in `base`; `fallback` if there is none.
unsigned long long field(std::string_view line, std::string_view key, int base,
                         unsigned long long fallback) {
  auto at = line.find(key);
  if (at == std::string_view::npos)
    return fallback;
  line.remove_prefix(at + key.size());
  line.remove_prefix(std::min(line.find_first_not_of(" \t"), line.size()));
  unsigned long long value = fallback;
  std::from_chars(line.data(), line.data() + line.size(), value, base);
  return value;
}

/// Whether the set behind `/proc/self/fdinfo/NAME` lists descriptor `fd` of inode `ino` among its
/// targets (lines "tfd: N events: E data: D pos: P ino: I sdev: S", numbers after "ino:" in hex).
bool lists_target(const std::string& name, int fd, unsigned long long ino) {
  std::ifstream info{"/proc/self/fdinfo/" + name};
  std::string line;
  constexpr auto none = ~0ull;
  while (std::getline(info, line))
    if (line.starts_with("tfd:") && field(line, "tfd:", 10, none) == static_cast<unsigned>(fd)
        && field(line, "ino:", 16, ino) == ino)
      return true;
  return false;
}

} // namespace

int watching_epoll(int fd) {
  struct stat st {};
  if (::fstat(fd, &st) != 0)
    return -1;
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
    if (!lists_target(name, fd, st.st_ino))
      continue;
    if (found != -1)
      return -1;  // ambiguous: the same file under the same number in two sets
    found = candidate;
  }
  return found;
}

} // namespace ply::detail
