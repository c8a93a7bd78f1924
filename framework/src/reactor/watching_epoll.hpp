// SPDX-License-Identifier: MIT
#pragma once

namespace ply::detail {

/// The epoll set of this process that watches descriptor `fd` (that number, that file), read from
/// `/proc/self/fdinfo` without touching any set; -1 if there is none, or more than one, or no
/// `/proc`. A reactor thread finds Asio's own epoll set this way (the set Asio registers a fresh
/// pipe in), to wait on it from the thread's own set instead of the other way round.
int watching_epoll(int fd);

} // namespace ply::detail
