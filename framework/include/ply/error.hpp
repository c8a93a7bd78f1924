// SPDX-License-Identifier: MIT
#pragma once

#include <cstdint>
#include <string>

#include <caf/error.hpp>

namespace ply {

/// An error: a code in a category, with context (CAF's error type, by ply's name).
using error = caf::error;

/// Error codes of ply's own category (`caf::atom("ply")`), carried in `caf::error` values together
/// with a human-readable context string.
enum class errc : uint8_t {
  none = 0,
  connection_done,     ///< The connection was closed cleanly (Twisted's ConnectionDone).
  connection_lost,     ///< The connection broke: reset, broken pipe, I/O error.
  connection_aborted,  ///< The connection was aborted locally.
  connection_refused,  ///< Nothing listens at the address a client connected to.
  connect_failed,      ///< A client connection failed for another reason (unreachable, DNS, ...).
  timeout,             ///< An operation did not finish in time.
  bad_endpoint,        ///< An endpoint string could not be parsed.
  listen_failed,       ///< Binding or listening on an endpoint failed.
  line_too_long,       ///< A line exceeded `max_length`.
  frame_too_long,      ///< A length-prefixed frame exceeded its limit.
  protocol_error,      ///< A protocol actor failed (threw, or its peer broke the protocol).
  refused,             ///< A factory refused a connection.
  cancelled,           ///< An operation was cancelled.
  unsupported,         ///< A feature that is not available (yet) was asked for.
  spawn_failed,        ///< A child process could not be started.
  process_failed,      ///< A child process exited non-zero or was killed.
  bad_option,          ///< An option's value could not be parsed.
  output_limit,        ///< A peer that does not read let the write buffer pass its hard cap.
};

/// The name of an error code, such as "connection_refused".
std::string to_string(errc code);

/// Makes a `caf::error` in ply's category; `context` says what happened, for logs and users.
caf::error make_error(errc code, std::string context = {});

/// Renders any `caf::error` for a human: for ply's errors the context (or the code's name).
std::string describe(const caf::error& err);

/// Whether `err` is the ply error `code`.
bool is(const caf::error& err, errc code);

} // namespace ply
