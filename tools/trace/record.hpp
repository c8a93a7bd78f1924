// SPDX-License-Identifier: MIT
#pragma once

#include <cstdint>
#include <string_view>
#include <vector>

#include <nlohmann/json.hpp>

namespace ply_trace {

/// One field of a trace record (a line of JSON), as the reader takes it apart. Texts are views
/// into the line or into the parsed JSON, valid while that lives.
struct record_item {
  enum class kind : uint8_t { string, unsigned_integer, negative_integer, other };
  std::string_view key;
  kind type = kind::other;
  std::string_view text;                ///< string
  uint64_t u = 0;                       ///< unsigned_integer
  int64_t i = 0;                        ///< negative_integer
  const nlohmann::json* json = nullptr;  ///< other: anything else (a float, an object...)

  /// The value as JSON, whatever its kind.
  nlohmann::json value() const;
};

/// Takes apart a flat record: one object whose values are strings without escapes or other
/// bytes than printable ASCII, and integers, as ply's writer emits them; true when `line` is one
/// (with every key once). Anything else (escapes, UTF-8, floats, nesting, damage) is left to a
/// full JSON parser: this is the fast path for a million lines, not a JSON parser.
bool parse_flat_record(std::string_view line, std::vector<record_item>& out);

/// The fields of a parsed JSON object, in `record_item`s that point into it.
void items_of(const nlohmann::json& object, std::vector<record_item>& out);

} // namespace ply_trace
