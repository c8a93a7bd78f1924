// SPDX-License-Identifier: MIT
// Host name lookups off the reactor thread, answered on it.

#include <catch2/catch.hpp>

#include <future>
#include <memory>

#include <caf/actor_system.hpp>
#include <caf/actor_system_config.hpp>

#include "reactor/io_thread.hpp"
#include "reactor/name_lookup.hpp"

using namespace ply::detail;
using namespace std::chrono_literals;

TEST_CASE("name_lookup: looks a name up off the reactor thread and answers on it", "[reactor]") {
  caf::actor_system_config cfg;
  caf::actor_system sys{cfg};
  auto t = std::make_shared<io_thread>(sys, 0);
  t->start_thread();
  name_lookup names;
  struct answer {
    bool on_thread = false;
    bool has_loopback = false;
  };
  auto got = std::make_shared<std::promise<answer>>();
  auto fut = got->get_future();
  names.resolve("localhost", "80", t, [t, got](const boost::system::error_code& ec,
                                               name_lookup::endpoints found) {
    answer a;
    a.on_thread = t->in_thread();
    for (auto& e : found)
      a.has_loopback = a.has_loopback || (!ec && e.address().is_loopback() && e.port() == 80);
    got->set_value(a);
  });
  REQUIRE(fut.wait_for(30s) == std::future_status::ready);
  auto a = fut.get();
  CHECK(a.on_thread);
  CHECK(a.has_loopback);
  t->stop();
}
