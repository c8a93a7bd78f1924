// SPDX-License-Identifier: MIT
#include "ply/connection.hpp"

#include <string>

namespace ply {

void connection::write(bytes_view data) const {
  if (transport_)
    transport_->write(data);
}

void connection::write_line(std::string_view line) const {
  if (!transport_)
    return;
  std::string out;
  out.reserve(line.size() + 2);
  out.append(line);
  out.append("\r\n");
  transport_->write(std::move(out));
}

void connection::close() const {
  if (transport_)
    transport_->lose_connection();
}

} // namespace ply
