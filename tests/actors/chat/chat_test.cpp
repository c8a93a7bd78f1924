// SPDX-License-Identifier: MIT
// The chat hub's checks of names and lines: pure code.
#include <catch2/catch.hpp>

#include "chat/chat.hpp"
#include "text.hpp"

using namespace ply::actors;

TEST_CASE("chat names and lines are checked", "[chat]") {
  CHECK(chat::check_name("alice", 32).empty());
  CHECK(chat::check_name("Élodie", 32).empty());  // UTF-8 is fine
  CHECK(chat::check_name("", 32) == "it is empty");
  CHECK(chat::check_name("a b", 32) == "it contains spaces");
  CHECK(chat::check_name("/quit", 32) == "it starts with '/'");
  CHECK(chat::check_name(std::string(33, 'x'), 32) == "longer than 32 bytes");
  CHECK(chat::check_name("bell\x07", 32) == "it contains control characters");
  CHECK_FALSE(has_control_chars("tabs\tare fine"));
  CHECK(has_control_chars(std::string("nul\0inside", 10)));
  CHECK(has_control_chars("esc\x1b[31m"));
}
