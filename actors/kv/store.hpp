// SPDX-License-Identifier: MIT
#pragma once

#include <cstddef>
#include <cstdint>
#include <functional>
#include <list>
#include <string>
#include <string_view>
#include <unordered_map>

#include <nlohmann/json_fwd.hpp>

#include "kv/memcache.hpp"

namespace ply::actors::kv {

/// The items of the key-value service and memcached's rules over them: flags, expiry times, cas
/// uniques, and least-recently-used eviction once the items pass `max_bytes`. Pure code: the
/// clock is a function (Unix seconds), so tests turn time by hand.
class store {
public:
  struct options {
    size_t max_bytes = 64 * 1024 * 1024;  ///< keys plus values; the oldest items go beyond it
    /// The largest item as memcached counts it (`item_size`): an append past it is not stored.
    size_t max_item = 1024 * 1024;
  };

  using clock_fn = std::function<int64_t()>;

  store();
  explicit store(options opts, clock_fn now = {});

  /// Runs one memcached request and appends its answer to `out` (nothing with `noreply`).
  void execute(const request& r, std::string& out);

  /// Runs one line of the seed's pycached protocol (`get KEY`, `set KEY VALUE`, `delete KEY`,
  /// `count`, `clear`, `items`, `status`, `version`, `help`) and appends its answer to `out`.
  void execute_line(std::string_view line, std::string& out);

  /// A live item's value, if there is one.
  const std::string* find(const std::string& key);

  size_t count() const {
    return items_.size();
  }

  /// The items (key to value) as a JSON object.
  nlohmann::json items_json();

  /// The counters memcached's `stats` reports, as a JSON object.
  nlohmann::json stats_json() const;

  /// Counts connections for `stats`.
  void connection_opened() {
    ++curr_connections_;
    ++total_connections_;
  }
  void connection_closed() {
    --curr_connections_;
  }

  static constexpr std::string_view version = "1.6.0-ply";

private:
  struct item {
    std::string value;
    uint32_t flags = 0;
    int64_t expires = 0;  ///< Unix seconds; 0 never
    uint64_t cas = 0;
    int64_t stored = 0;   ///< Unix seconds, for a delayed flush_all
    std::list<std::string>::iterator lru;
  };
  using map = std::unordered_map<std::string, item>;

  /// The live item under `key` (an expired one is removed), made most recently used.
  item* lookup(const std::string& key);
  void store_item(const std::string& key, std::string value, uint32_t flags, int64_t exptime);
  void erase(map::iterator it);
  void evict();
  /// Removes every item (not the pending delayed flush).
  void drop_all();
  /// Calls `f(key, value)` for each live item (expired ones are removed on the way).
  template <class F>
  void for_each_live(F f);
  int64_t expiry(int64_t exptime) const;
  void stats(std::string& out) const;

  options opts_;
  clock_fn now_;
  int64_t started_;
  map items_;
  std::list<std::string> lru_;  ///< most recently used first
  size_t bytes_ = 0;
  uint64_t next_cas_ = 1;
  int64_t flush_at_ = 0;  ///< a delayed flush_all: items stored up to then go at this time
  uint64_t cmd_get_ = 0, get_hits_ = 0, get_misses_ = 0, cmd_set_ = 0, cmd_touch_ = 0;
  uint64_t delete_hits_ = 0, delete_misses_ = 0, incr_hits_ = 0, incr_misses_ = 0;
  uint64_t decr_hits_ = 0, decr_misses_ = 0, cas_hits_ = 0, cas_misses_ = 0, cas_badval_ = 0;
  uint64_t evictions_ = 0, total_items_ = 0, expired_ = 0;
  int64_t curr_connections_ = 0;
  uint64_t total_connections_ = 0;
};

} // namespace ply::actors::kv
