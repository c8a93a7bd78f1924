#include "ply/transport.hpp"

namespace ply {

transport::~transport() = default;

void transport::write_sequence(const std::vector<bytes>& parts) {
  bytes joined;
  size_t total = 0;
  for (auto& p : parts)
    total += p.size();
  joined.reserve(total);
  for (auto& p : parts)
    joined += p;
  write(joined);
}

} // namespace ply
