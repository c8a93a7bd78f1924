// SPDX-License-Identifier: MIT
#include "huge_pages.hpp"

#include <sys/auxv.h>
#include <unistd.h>

#include <cstdlib>
#include <cstring>

namespace plyd {

void run_with_huge_pages(char** argv) {
  auto mark = std::getenv("PLYD_HUGE_PAGES");
  if (mark != nullptr && std::strcmp(mark, "started") == 0) {
    // This is the exec below: the tunable did its work at start; the processes plyd starts
    // (a process protocol's children) get the environment plyd was given.
    ::unsetenv("GLIBC_TUNABLES");
    ::unsetenv("PLYD_HUGE_PAGES");
    return;
  }
  // The operator said no, or tuned glibc already; a set-user-ID plyd (or one with file
  // capabilities) runs in glibc's secure mode, which ignores the tunable.
  bool off = mark != nullptr && std::strcmp(mark, "0") == 0;
  if (off || std::getenv("GLIBC_TUNABLES") != nullptr || ::getauxval(AT_SECURE) != 0)
    return;
  ::setenv("GLIBC_TUNABLES", "glibc.malloc.hugetlb=1", 1);
  ::setenv("PLYD_HUGE_PAGES", "started", 1);
  ::execv("/proc/self/exe", argv);
  // No exec: nothing changed.
  ::unsetenv("GLIBC_TUNABLES");
  ::unsetenv("PLYD_HUGE_PAGES");
}

} // namespace plyd
