// SPDX-License-Identifier: MIT
// The transport interface's defaults and the memory transport tests use: writing a sequence,
// pausing reading, and what a transport without TLS says to start_tls.
#include "ply/transport.hpp"

#include <catch2/catch.hpp>

#include "ply/error.hpp"
#include "ply/protocol.hpp"
#include "ply/testing/memory_transport.hpp"
#include "ply/testing/test_system.hpp"
#include "ply/tls.hpp"

using namespace ply;
using ply::testing::memory_transport;
using ply::testing::test_system;

namespace {

/// Writes a sequence once connected and echoes what it reads, in upper case.
class shouter : public protocol {
public:
  void connection_made() override {
    transport().write_sequence({"one ", "two ", "", "three\n"});
  }
  void data_received(bytes data) override {
    for (auto& c : data)
      c = static_cast<char>(std::toupper(static_cast<unsigned char>(c)));
    transport().write(data);
  }
};

} // namespace

TEST_CASE("transport: write_sequence writes the parts in order", "[transport]") {
  test_system ts;
  auto t = memory_transport::make();
  t->connect(ts.spawn<shouter>());
  ts.run();
  CHECK(t->written() == "one two three\n");
}

TEST_CASE("transport: data fed while reading is paused waits, and comes on resume",
          "[transport]") {
  test_system ts;
  auto t = memory_transport::make();
  t->connect(ts.spawn<shouter>());
  ts.run();
  t->take_written();
  CHECK_FALSE(t->reading_paused());
  t->pause_reading();
  CHECK(t->reading_paused());
  t->feed("held");
  ts.run();
  CHECK(t->written().empty());
  t->resume_reading();
  ts.run();
  CHECK_FALSE(t->reading_paused());
  CHECK(t->written() == "HELD");
}

TEST_CASE("transport: a transport without TLS refuses start_tls with a reason, and its peer and "
          "host are the addresses given", "[transport]") {
  auto t = memory_transport::make({"192.0.2.7", 4000}, {"192.0.2.8", 80});
  auto ctx = tls_context::client("", false, "");
  REQUIRE(ctx);
  auto err = t->start_tls(*ctx);
  CHECK(is(err, errc::unsupported));
  CHECK(t->peer().to_string() == "192.0.2.7:4000");
  CHECK(t->host().to_string() == "192.0.2.8:80");
  t->set_output_limit(1);  // nothing to cap: a memory transport buffers what tests read
  t->write("still written");
  CHECK(t->written() == "still written");
}
