// SPDX-License-Identifier: MIT
// IRC lines parsed into prefix, command and parameters: pure code.
#include <catch2/catch.hpp>

#include "chat/irc.hpp"

using namespace ply::actors;

TEST_CASE("IRC lines parse into prefix, command and parameters", "[irc]") {
  auto m = chat::parse_irc(":nick!u@h privmsg #room :hello there  world\r");
  REQUIRE(m);
  CHECK(m->prefix == "nick!u@h");
  CHECK(m->command == "PRIVMSG");
  CHECK(m->params == std::vector<std::string>{"#room", "hello there  world"});
  auto user = chat::parse_irc("USER bob 0 * :Bob Smith");
  REQUIRE(user);
  CHECK(user->params == std::vector<std::string>{"bob", "0", "*", "Bob Smith"});
  CHECK_FALSE(chat::parse_irc(""));
  CHECK_FALSE(chat::parse_irc("   "));
  CHECK_FALSE(chat::parse_irc(":onlyprefix"));
  std::string many = "CMD";
  for (int i = 0; i < 20; ++i)
    many += " p" + std::to_string(i);
  auto capped = chat::parse_irc(many);
  REQUIRE(capped);
  CHECK(capped->params.size() == 15);
  CHECK(capped->params.back() == "p14 p15 p16 p17 p18 p19");
  CHECK(chat::check_nick("bob", 32).empty());
  CHECK_FALSE(chat::check_nick("b@b", 32).empty());
  CHECK_FALSE(chat::check_nick("<b", 32).empty());
}
