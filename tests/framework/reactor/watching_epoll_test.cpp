// SPDX-License-Identifier: MIT
// Finding the epoll set that watches a descriptor, read from /proc without touching a set.

#include <catch2/catch.hpp>

#include <sys/epoll.h>
#include <sys/eventfd.h>
#include <unistd.h>

#include "reactor/watching_epoll.hpp"

using ply::detail::watching_epoll;

namespace {

void watch(int set, int fd) {
  epoll_event ev{};
  ev.events = EPOLLIN;
  REQUIRE(::epoll_ctl(set, EPOLL_CTL_ADD, fd, &ev) == 0);
}

} // namespace

TEST_CASE("watching_epoll: names the one set that watches a descriptor, else -1", "[reactor]") {
  int fd = ::eventfd(0, EFD_CLOEXEC);
  int first = ::epoll_create1(EPOLL_CLOEXEC);
  int second = ::epoll_create1(EPOLL_CLOEXEC);
  REQUIRE((fd >= 0 && first >= 0 && second >= 0));
  CHECK(watching_epoll(fd) == -1);
  watch(first, fd);
  CHECK(watching_epoll(fd) == first);
  CHECK(watching_epoll(first) == -1);
  watch(second, fd);
  CHECK(watching_epoll(fd) == -1);  // two sets: not telling which is whose
  ::close(second);
  CHECK(watching_epoll(fd) == first);
  ::close(first);
  ::close(fd);
}
