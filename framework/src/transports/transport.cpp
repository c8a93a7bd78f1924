// SPDX-License-Identifier: MIT
#include "ply/transport.hpp"

#include "ply/error.hpp"

namespace ply {

transport::~transport() = default;

void transport::hold_reading(bool held) {
  if (held)
    pause_reading();
  else
    resume_reading();
}

void transport::write_sequence(const std::vector<bytes>& parts) {
  bytes joined;
  size_t total = 0;
  for (auto& p : parts)
    total += p.size();
  joined.reserve(total);
  for (auto& p : parts)
    joined += p;
  write(std::move(joined));
}

void transport::write_owned(bytes&& data) {
  write(bytes_view{data});
}

void transport::set_output_limit(size_t) {
  // Transports that buffer nothing without bound (memory transports in tests) need no cap.
}

caf::error transport::start_tls(std::shared_ptr<tls_context>) {
  return make_error(errc::unsupported, "this transport cannot switch to TLS");
}

} // namespace ply
