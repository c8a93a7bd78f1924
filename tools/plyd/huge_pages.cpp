// SPDX-License-Identifier: MIT
#include "huge_pages.hpp"

#include <unistd.h>

#include <cstdlib>
#include <cstring>

namespace plyd {

void run_with_huge_pages(char** argv) {
  auto wanted = std::getenv("PLYD_HUGE_PAGES");
  bool off = wanted != nullptr && std::strcmp(wanted, "0") == 0;
  if (off || std::getenv("GLIBC_TUNABLES") != nullptr)
    return;
  ::setenv("GLIBC_TUNABLES", "glibc.malloc.hugetlb=1", 1);
  ::execv("/proc/self/exe", argv);
  ::unsetenv("GLIBC_TUNABLES");  // no exec: nothing changed
}

} // namespace plyd
