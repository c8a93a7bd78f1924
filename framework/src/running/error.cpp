// SPDX-License-Identifier: MIT
#include "ply/error.hpp"

#include <caf/atom.hpp>
#include <caf/make_message.hpp>
#include <caf/message.hpp>

namespace ply {

namespace {

constexpr auto category = caf::atom("ply");

} // namespace

std::string to_string(errc code) {
  switch (code) {
    case errc::none: return "none";
    case errc::connection_done: return "connection_done";
    case errc::connection_lost: return "connection_lost";
    case errc::connection_aborted: return "connection_aborted";
    case errc::connection_refused: return "connection_refused";
    case errc::connect_failed: return "connect_failed";
    case errc::timeout: return "timeout";
    case errc::bad_endpoint: return "bad_endpoint";
    case errc::listen_failed: return "listen_failed";
    case errc::line_too_long: return "line_too_long";
    case errc::frame_too_long: return "frame_too_long";
    case errc::protocol_error: return "protocol_error";
    case errc::refused: return "refused";
    case errc::cancelled: return "cancelled";
    case errc::unsupported: return "unsupported";
    case errc::spawn_failed: return "spawn_failed";
    case errc::process_failed: return "process_failed";
    case errc::bad_option: return "bad_option";
    case errc::output_limit: return "output_limit";
  }
  return "unknown";
}

caf::error make_error(errc code, std::string context) {
  if (context.empty())
    return caf::error{static_cast<uint8_t>(code), category};
  return caf::error{static_cast<uint8_t>(code), category, caf::make_message(std::move(context))};
}

std::string describe(const caf::error& err) {
  if (!err)
    return "no error";
  if (err.category() == category) {
    if (err.context().match_elements<std::string>())
      return err.context().get_as<std::string>(0);
    return to_string(static_cast<errc>(err.code()));
  }
  return caf::to_string(err);
}

bool is(const caf::error& err, errc code) {
  // CAF 0.17's category() dereferences an empty error: test emptiness first.
  return err && err.category() == category && err.code() == static_cast<uint8_t>(code);
}

} // namespace ply
