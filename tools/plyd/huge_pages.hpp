// SPDX-License-Identifier: MIT
#pragma once

namespace plyd {

/// Runs plyd again, once, with glibc's allocator asking for transparent huge pages
/// (`GLIBC_TUNABLES=glibc.malloc.hugetlb=1`), unless `GLIBC_TUNABLES` is set already or
/// `PLYD_HUGE_PAGES=0`. A fan-out touches fresh memory in every burst, and on a virtual machine a
/// page fault per 4 KiB cost more than the copies themselves (a chat with 100 users: 17,500 faults
/// and 4M deliveries/s, against 1,500 and 14M). The tunable is read only when a process starts,
/// hence the exec: same pid, same arguments, before anything else happened. The exec'd plyd is
/// marked (`PLYD_HUGE_PAGES=started`), never execs again, and takes both variables out of the
/// environment its own children get. No exec in glibc's secure mode (set-user-ID, file
/// capabilities), which ignores the tunable, nor in a sanitizer build, whose allocator is not
/// glibc's; if the exec fails, plyd carries on.
void run_with_huge_pages(char** argv);

} // namespace plyd
