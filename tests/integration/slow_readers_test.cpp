// SPDX-License-Identifier: MIT
// Producers in front of clients that never read: plyd chargen and plyd web serving a large file
// hold at most, per client, the write buffer's high-water mark and one burst (plyd's own count of
// queued bytes), their resident memory stays within twice that (the allocator's share) and stops
// growing once plyd has paused every producer, for 10 and for 100 such clients.
#include <catch2/catch.hpp>

#include <fcntl.h>
#include <unistd.h>

#include <filesystem>
#include <memory>
#include <thread>
#include <vector>

#include <nlohmann/json.hpp>

#include "socket_client.hpp"
#include "sanitizers.hpp"
#include "process.hpp"

using namespace ply::test;
using namespace std::chrono_literals;
namespace fs = std::filesystem;

namespace {

const std::string local = "tcp:0:interface=127.0.0.1";

/// plyd with its heap in 4 KiB pages: with huge pages the RSS moves in 2 MiB steps, and the
/// kernel may fill one up at any moment, which says nothing about the buffers.
std::vector<std::string> plyd_small_pages() {
  return {"/usr/bin/env", "PLYD_HUGE_PAGES=0", bin("plyd")};
}

/// The write buffer's high-water mark (ply's default) and the largest burst a producer writes
/// before its pause is handled (web: four 64 KiB reads of the file), in KiB.
constexpr long high_water_kib = 1024;
constexpr long burst_kib = 320;
/// What the process may grow by apart from the buffers: allocator arenas, thread caches.
constexpr long slack_kib = 16 * 1024;

/// One number from plyd's `stats` on --control, or -1.
long plyd_stat(uint16_t control, const char* name) {
  socket_client c{control, 15000};  // a reactor busy with 100 producers answers late
  c.send("stats\n");
  auto j = nlohmann::json::parse(c.read_until("\r\n"), nullptr, false);
  return j.is_discarded() ? -1 : j.value(name, -1L);
}

/// plyd's count of bytes written and not yet taken by the sockets, in KiB.
long queued_kib(uint16_t control) {
  auto bytes = plyd_stat(control, "queued_output_bytes");
  return bytes < 0 ? -1 : bytes / 1024;
}

/// Waits until plyd has paused all `n` producers (each peer's buffer passed the high-water
/// mark) and every write is in its connection's buffer (none still on its way from another
/// thread), at most 60 s; returns how many are paused. From then on nothing is written. Waiting
/// on plyd's own counts, not on the RSS looking still, keeps the test independent of how fast
/// the machine is.
long wait_until_paused(uint16_t control, size_t n) {
  auto deadline = std::chrono::steady_clock::now() + 60s;
  long paused = 0;
  while (std::chrono::steady_clock::now() < deadline) {
    paused = plyd_stat(control, "paused_producers");
    if (paused >= static_cast<long>(n) && plyd_stat(control, "posted_output_bytes") == 0)
      break;
    std::this_thread::sleep_for(250ms);
  }
  return paused;
}

/// Opens `n` clients that send `request` and never read (a small receive buffer, so they back
/// up into the server quickly), then checks the server's memory: bounded, and flat.
void check_bounded(process& server, size_t n, const std::string& request) {
  auto port = server.port(0);
  auto control = server.port(1);
  REQUIRE(port != 0);
  REQUIRE(control != 0);
  auto before = server.rss_kib();
  std::vector<std::unique_ptr<socket_client>> idle;
  for (size_t i = 0; i < n; ++i) {
    idle.push_back(std::make_unique<socket_client>(port, 5000, 4096));
    if (!request.empty())
      idle.back()->send(request);
  }
  auto paused = wait_until_paused(control, n);
  auto settled = server.rss_kib();
  std::this_thread::sleep_for(1s);
  auto later = server.rss_kib();
  auto queued = queued_kib(control);
  auto buffers = static_cast<long>(n) * (high_water_kib + burst_kib);
  INFO(n << " clients, " << paused << " paused: queued " << queued << " KiB (bound " << buffers
         << "); RSS before " << before << " KiB, all paused " << settled
         << " KiB, a second later " << later << " KiB");
  CHECK(queued <= buffers);
#if PLY_TEST_SANITIZED
  // A sanitized producer may take longer than the wait to fill every buffer.
  WARN("RSS bound and a full buffer not checked under a sanitizer");
#else
  CHECK(paused == static_cast<long>(n));  // they really did not read
  CHECK(later - before < 2 * buffers + slack_kib);
  // Paused producers write nothing more, but for a burst that was already on its way (its
  // message waited in the producer's mailbox behind the pause).
  CHECK(later - settled < static_cast<long>(n) * burst_kib + 2048);
#endif
  // Nobody was cut off: the first client still gets its stream once it reads.
  CHECK(idle.front()->read_exactly(100000).size() == 100000);
  CHECK(server.alive());
  // Connections that close leave the count of paused producers.
  idle.clear();
  auto deadline = std::chrono::steady_clock::now() + 5s;
  while (plyd_stat(control, "paused_producers") != 0 && std::chrono::steady_clock::now() < deadline)
    std::this_thread::sleep_for(50ms);
  CHECK(plyd_stat(control, "paused_producers") == 0);
}

} // namespace

TEST_CASE("chargen in front of 10 and 100 clients that never read stays bounded and flat",
          "[chargen][slow-readers]") {
  for (size_t n : {10, 100}) {
    auto argv = plyd_small_pages();
    argv.insert(argv.end(), {"--control", local, "chargen", "--port", local});
    process cg{argv};
    check_bounded(cg, n, "");
  }
}

TEST_CASE("web serving a large file to 10 and 100 clients that never read stays bounded and flat",
          "[web][slow-readers]") {
  auto root = fs::temp_directory_path() / ("ply_slow_www_" + std::to_string(::getpid()));
  fs::create_directories(root);
  {
    // 256 MiB of zeros, sparse: large enough that no client could have taken it all.
    auto fd = ::open((root / "big.bin").c_str(), O_CREAT | O_WRONLY | O_TRUNC, 0644);
    REQUIRE(fd >= 0);
    REQUIRE(::ftruncate(fd, 256L << 20) == 0);
    ::close(fd);
  }
  for (size_t n : {10, 100}) {
    auto argv = plyd_small_pages();
    argv.insert(argv.end(), {"--control", local, "web", "--port", local, "--path", root.string()});
    process web{argv};
    check_bounded(web, n, "GET /big.bin HTTP/1.1\r\nHost: x\r\n\r\n");
  }
  fs::remove_all(root);
}
