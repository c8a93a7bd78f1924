// SPDX-License-Identifier: MIT
#include "huge_pages.hpp"

#include <sys/auxv.h>
#include <unistd.h>

#include <cstdlib>
#include <cstring>

// A sanitizer's allocator replaces glibc's (g++ names them with __SANITIZE_*__, clang with
// __has_feature).
#if defined(__SANITIZE_ADDRESS__) || defined(__SANITIZE_THREAD__)
#define PLYD_SANITIZED 1
#elif defined(__has_feature)
#if __has_feature(address_sanitizer) || __has_feature(thread_sanitizer)
#define PLYD_SANITIZED 1
#endif
#endif

namespace plyd {

void run_with_huge_pages(char** argv) {
#ifdef PLYD_SANITIZED
  // The tunable would do nothing there; and with it the sixteen-node cluster test under
  // AddressSanitizer left its seed node silent (2 runs of 3).
  return;
#endif
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
