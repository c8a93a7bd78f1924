// SPDX-License-Identifier: MIT
// length_prefixed_receiver: frames at every chunk size, and the frame size limit.
#include "ply/length_prefixed_receiver.hpp"

#include <cctype>

#include <catch2/catch.hpp>

#include "ply/factory.hpp"
#include "ply/message.hpp"
#include "ply/testing/memory_transport.hpp"
#include "ply/testing/test_system.hpp"
#include "recorder.hpp"

using namespace ply;
using namespace ply::testing;
using ply::test::recorder;
using ply::test::recorder_ptr;

namespace {

class frames : public length_prefixed_receiver {
public:
  explicit frames(recorder_ptr rec) : length_prefixed_receiver(2, 8), rec_(std::move(rec)) {
  }
  void string_received(bytes message) override {
    rec_->add("frame:" + message);
    send_string(message + "!");
  }

private:
  recorder_ptr rec_;
};

} // namespace

TEST_CASE("length-prefixed receiver at every chunk size, and over the limit", "[protocol]") {
  std::string input = std::string("\x00\x02hi\x00\x00\x00\x05there", 13);
  for (size_t chunk = 1; chunk <= input.size(); ++chunk) {
    INFO("chunk " << chunk);
    test_system ts;
    auto rec = std::make_shared<recorder>();
    auto t = memory_transport::make();
    t->connect(ts.spawn<frames>(rec));
    for (size_t off = 0; off < input.size(); off += chunk)
      t->feed(std::string_view{input}.substr(off, chunk));
    ts.run();
    CHECK(rec->starting_with("frame:")
          == std::vector<std::string>{"frame:hi", "frame:", "frame:there"});
    CHECK(t->written() == std::string("\x00\x03hi!\x00\x01!\x00\x06there!", 16));
  }
  test_system ts;
  auto rec = std::make_shared<recorder>();
  auto t = memory_transport::make();
  t->connect(ts.spawn<frames>(rec));
  t->feed(std::string("\x00\x09", 2) + "123456789");
  ts.run();
  CHECK(t->disconnecting());
  CHECK(rec->starting_with("frame:").empty());
}

namespace {

PLY_MESSAGE(upper_case, std::string text);

/// Asks its factory about each frame, with the input held until the answer.
class asker : public length_prefixed_receiver {
public:
  asker() : length_prefixed_receiver(2, 100) {
  }
  void string_received(bytes message) override {
    send_string("got " + message);
    hold_input_until(ask<std::string>(factory(), upper_case{message}))
      .add_callback([this](const std::string& answer) { send_string(answer); });
  }
};

class upper_hall : public factory_of<asker> {
  handlers extra_behavior() override {
    return {[](const upper_case& u) {
      std::string out = u.text;
      for (auto& c : out)
        c = static_cast<char>(std::toupper(static_cast<unsigned char>(c)));
      return out;
    }};
  }
};

} // namespace

TEST_CASE("length-prefixed receiver holding its input gets each frame after the answer to the "
          "one before, at every chunk size",
          "[protocol]") {
  length_prefix_framer enc{2, 100};
  std::string input = *enc.encode("ab") + *enc.encode("cd") + *enc.encode("ef");
  std::string expected;
  for (auto s : {"got ab", "AB", "got cd", "CD", "got ef", "EF"})
    expected += *enc.encode(s);
  for (size_t chunk = 1; chunk <= input.size(); ++chunk) {
    INFO("chunk " << chunk);
    test_system ts;
    auto f = ts.spawn<upper_hall>();
    auto t = memory_transport::make();
    t->connect_through(f);
    ts.run();
    for (size_t off = 0; off < input.size(); off += chunk)
      t->feed(std::string_view{input}.substr(off, chunk));
    ts.run();
    CHECK(t->written() == expected);
    caf::anon_send_exit(f, caf::exit_reason::user_shutdown);
    t->close();
  }
}
