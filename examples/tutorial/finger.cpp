// SPDX-License-Identifier: MIT
// The tutorial's third program: a finger server whose users live in the factory, an actor
// (docs/tutorial.md, step 3). "NAME" asks for a status, "NAME = STATUS" sets one; each line asks
// the factory and awaits the answer in a coroutine, with the connection's input held meanwhile.
//   build/bin/tutorial_finger --port tcp:8079     then: printf 'moshez\r\n' | nc -N localhost 8079
#include <ply/ply.hpp>

PLY_MESSAGE(get_status, std::string user);
PLY_MESSAGE(set_status, std::string user; std::string status);

class finger : public ply::line_receiver {
  void line_received(std::string_view line) override {
    // The next line waits until this one is answered.
    hold_input_until(answer(std::string{line}));
  }

  // (The asks are made before their co_await: GCC 12 mishandles a message built inside a
  // co_await expression.)
  ply::deferred<void> answer(std::string line) {
    try {
      if (auto eq = line.find(" = "); eq != std::string::npos) {
        auto stored = ask<void>(factory(), set_status{line.substr(0, eq), line.substr(eq + 3)});
        co_await std::move(stored);
        send_line("OK");
      } else {
        auto status = ask<std::string>(factory(), get_status{line});
        send_line(co_await std::move(status));
      }
    } catch (const ply::failure& f) {
      send_line("error: " + f.message());
    }
  }
};

class finger_factory : public ply::factory_of<finger> {
  ply::handlers extra_behavior() override {
    return {
      [this](const get_status& q) -> std::string {
        auto i = users_.find(q.user);
        return i != users_.end() ? i->second : "No such user";
      },
      [this](const set_status& s) { users_[s.user] = s.status; },
    };
  }

  std::map<std::string, std::string> users_{{"moshez", "Happy and well"}};
};

int main(int argc, char** argv) {
  return ply::serve(argc, argv, "finger", "Finger statuses, set and read through the factory.",
                    "tcp:8079", ply::factory::of<finger_factory>());
}
