// SPDX-License-Identifier: MIT
#pragma once

#include <cstddef>
#include <cstdint>
#include <functional>
#include <string>
#include <string_view>
#include <vector>

namespace ply::actors::resp {

/// Incremental parser of Redis requests (RESP2): arrays of bulk strings, as clients send them, and
/// inline commands (words on a line), as people type them. Pure code: feed it any chunking.
class parser {
public:
  struct limits {
    size_t max_args = 1024 * 1024;      ///< elements in one array (Redis's limit)
    size_t max_bulk = 512 * 1024 * 1024; ///< bytes in one bulk string
    size_t max_inline = 64 * 1024;      ///< bytes in one inline command
  };

  parser() = default;
  explicit parser(limits l) : limits_(l) {
  }

  /// Feeds bytes; calls `on_command(args)` for each complete command. Returns an empty string, or
  /// the protocol error (as Redis words it) after which the connection must be closed; the parser
  /// then refuses further input.
  std::string feed(std::string_view data,
                   const std::function<void(std::vector<std::string>&)>& on_command);

  /// Bytes held for an incomplete command.
  size_t buffered() const {
    return buffer_.size();
  }

private:
  enum class state { start, array_len, bulk_len, bulk_data, inline_cmd, failed };

  std::string step(std::string_view& data,
                   const std::function<void(std::vector<std::string>&)>& on_command);
  bool take_line(std::string_view& data, std::string& line, size_t limit, bool& too_long);

  limits limits_;
  state state_ = state::start;
  std::string buffer_;
  std::vector<std::string> args_;
  size_t expected_args_ = 0;
  size_t bulk_len_ = 0;
};

/// Encoders for replies.
std::string simple(std::string_view s);
std::string error(std::string_view s);
std::string integer(int64_t n);
std::string bulk(std::string_view s);
std::string array_header(size_t n);

/// A pushed message: `*3 message CHANNEL PAYLOAD`.
std::string message(std::string_view channel, std::string_view payload);
/// A pushed pattern message: `*4 pmessage PATTERN CHANNEL PAYLOAD`.
std::string pmessage(std::string_view pattern, std::string_view channel, std::string_view payload);

/// Redis's glob match for PSUBSCRIBE: `*`, `?`, `[abc]`, `[^a]`, `[a-z]` and `\` escapes.
bool glob_match(std::string_view pattern, std::string_view text);

} // namespace ply::actors::resp
