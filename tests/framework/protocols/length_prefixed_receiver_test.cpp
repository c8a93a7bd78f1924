// length_prefixed_receiver: frames at every chunk size, and the frame size limit.
#include "ply/length_prefixed_receiver.hpp"

#include <catch2/catch.hpp>

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
