// SPDX-License-Identifier: MIT
#pragma once

#include <cstddef>
#include <cstdint>
#include <functional>
#include <string>
#include <string_view>
#include <vector>

namespace ply::actors::kv {

/// One request of memcached's text protocol, as the parser reads it.
struct request {
  enum class op : uint8_t {
    get, gets, gat, gats, set, add, replace, append, prepend, cas, del, incr, decr, touch,
    flush_all, stats, version, verbosity, quit,
    /// memcached's meta no-op: answers "MN", so a client knows everything before it was answered.
    mn,
    /// Not a command: `message` is the error line to answer (`ERROR`, `CLIENT_ERROR ...`).
    error,
  };
  op what = op::error;
  /// get/gets/gat/gats; else the one key in keys[0]; for an error, the key it drops (a SET too
  /// large to store drops the item it would have replaced)
  std::vector<std::string> keys;
  std::string data;               ///< the data block of storage commands
  uint32_t flags = 0;
  int64_t exptime = 0;            ///< storage, touch, gat; the delay of flush_all
  uint64_t number = 0;            ///< the cas unique of `cas`, the delta of incr/decr
  bool noreply = false;
  /// op::error: what to answer; for get/gets/gat/gats, the error that answers instead once the
  /// keys (those before a bad one) were read.
  std::string message;

  const std::string& key() const {
    return keys.front();
  }
};

/// An item's size as memcached counts it against its item size limit: the data and the key, and
/// its header (48 bytes), CAS (8), the key's terminating NUL and the data's CRLF; 4 more for
/// flags other than 0.
inline size_t item_size(size_t key, size_t data, uint32_t flags) {
  return data + key + 48 + 8 + 1 + 2 + (flags != 0 ? 4 : 0);
}

/// Incremental parser of memcached's text protocol (the requests real clients send, as described
/// in memcached's protocol.txt). Pure code: feed it any chunking. Malformed commands become
/// `op::error` requests answered in order, as memcached answers them; only a line that never ends
/// is fatal.
class parser {
public:
  struct limits {
    size_t max_line = 8192;           ///< a command line (a get of many keys is long)
    size_t max_value = 1024 * 1024;   ///< one item as memcached counts it: data, key, overhead
    size_t max_key = 250;             ///< a key
  };

  parser() = default;
  explicit parser(limits l) : limits_(l) {
  }

  /// Feeds bytes; calls `on_request` for each complete request. Returns an empty string, or the
  /// error line after which the connection must be closed (the parser then refuses more input).
  std::string feed(std::string_view data, const std::function<void(request&)>& on_request);

  /// Bytes held for an incomplete request.
  size_t buffered() const {
    return buffer_.size();
  }

private:
  enum class state { line, data, skip, failed };

  void parse_line(std::string_view line, const std::function<void(request&)>& on_request);

  limits limits_;
  state state_ = state::line;
  std::string buffer_;
  request pending_;      ///< a storage command waiting for its data block
  size_t want_ = 0;      ///< bytes of data (plus CRLF) still to come
};

} // namespace ply::actors::kv
