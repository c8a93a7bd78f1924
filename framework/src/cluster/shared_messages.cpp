// SPDX-License-Identifier: MIT
// The message types a program lets cross its cluster (PLY_CLUSTER_MESSAGE), registered with each
// node's actor system by its cluster service.
#include "ply/cluster_message.hpp"

#include <map>
#include <mutex>
#include <string>

namespace ply::detail {

namespace {

struct shared_messages {
  std::mutex mtx;
  std::map<std::string, message_registration> by_name;
};

/// Made on first use: static initializers of other files call `share_message`.
shared_messages& registry() {
  static shared_messages instance;
  return instance;
}

} // namespace

bool share_message(const char* name, message_registration add) {
  auto& r = registry();
  std::lock_guard<std::mutex> guard{r.mtx};
  r.by_name.emplace(name, add);
  return true;
}

void register_shared_messages(caf::actor_system_config& cfg) {
  auto& r = registry();
  std::lock_guard<std::mutex> guard{r.mtx};
  for (auto& [name, add] : r.by_name)
    add(cfg);
}

} // namespace ply::detail
