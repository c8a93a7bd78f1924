// SPDX-License-Identifier: MIT
// docs/tutorial.md: its code is the code of examples/tutorial/, and its programs do what it says.

#include <catch2/catch.hpp>

#include <signal.h>

#include <filesystem>
#include <fstream>
#include <sstream>

#include "process.hpp"

using namespace ply::test;

namespace {

const std::string local = "tcp:0:interface=127.0.0.1";

} // namespace

TEST_CASE("docs/tutorial.md shows every file of examples/tutorial as it is", "[tutorial]") {
  CHECK(shell_status("cd " PLY_SOURCE_DIR " && python3 tools/tutorial_sync.py --check") == 0);
  std::ifstream in{PLY_SOURCE_DIR "/docs/tutorial.md"};
  std::stringstream doc;
  doc << in.rdbuf();
  for (auto& f : std::filesystem::directory_iterator{PLY_SOURCE_DIR "/examples/tutorial"}) {
    INFO(f.path().filename().string());
    CHECK(doc.str().find("<!-- include: examples/tutorial/" + f.path().filename().string() + " -->")
          != std::string::npos);
  }
}

TEST_CASE("tutorial step 1: the echo server echoes and stops cleanly", "[tutorial]") {
  process p{{bin("tutorial_echo"), "--port", local}};
  REQUIRE(p.port() != 0);
  CHECK(nc(p.port(), "hello\\n") == "hello\n");
  p.signal(SIGTERM);
  CHECK(p.wait() == 0);
}

TEST_CASE("tutorial step 3: finger statuses set and read through the factory, a line at a time",
          "[tutorial]") {
  process p{{bin("tutorial_finger"), "--port", local}};
  REQUIRE(p.port() != 0);
  // All at once: each line is answered before the next one is read.
  CHECK(nc(p.port(), "alice = at lunch\\r\\nalice\\r\\nmoshez\\r\\nbob\\r\\n")
        == "OK\r\nat lunch\r\nHappy and well\r\nNo such user\r\n");
  CHECK(nc(p.port(), "alice\\r\\n") == "at lunch\r\n");
  p.signal(SIGTERM);
  CHECK(p.wait() == 0);
}
