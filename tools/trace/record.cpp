// SPDX-License-Identifier: MIT
#include "record.hpp"

namespace ply_trace {

nlohmann::json record_item::value() const {
  switch (type) {
    case kind::string:
      return std::string{text};
    case kind::unsigned_integer:
      return u;
    case kind::negative_integer:
      return i;
    case kind::other:
      break;
  }
  return json != nullptr ? *json : nlohmann::json{};
}

namespace {

/// A cursor over one line.
struct cursor {
  std::string_view s;
  size_t at = 0;

  void skip_space() {
    while (at < s.size() && (s[at] == ' ' || s[at] == '\t' || s[at] == '\r' || s[at] == '\n'))
      ++at;
  }
  bool take(char c) {
    skip_space();
    if (at < s.size() && s[at] == c) {
      ++at;
      return true;
    }
    return false;
  }
  /// A string of printable ASCII without escapes, after its opening quote.
  bool plain_string(std::string_view& out) {
    auto begin = at;
    while (at < s.size() && s[at] != '"') {
      auto c = static_cast<unsigned char>(s[at]);
      if (c < 0x20 || c >= 0x7f || c == '\\')
        return false;
      ++at;
    }
    if (at == s.size())
      return false;
    out = s.substr(begin, at - begin);
    ++at;
    return true;
  }
  /// An integer as JSON writes it (no leading zeros, no fraction or exponent) that fits 64 bits.
  bool integer(record_item& item) {
    bool negative = at < s.size() && s[at] == '-';
    if (negative)
      ++at;
    auto begin = at;
    uint64_t value = 0;
    while (at < s.size() && s[at] >= '0' && s[at] <= '9') {
      if (__builtin_mul_overflow(value, 10u, &value) ||
          __builtin_add_overflow(value, static_cast<uint64_t>(s[at] - '0'), &value))
        return false;
      ++at;
    }
    auto digits = at - begin;
    if (digits == 0 || (digits > 1 && s[begin] == '0'))
      return false;
    if (at < s.size() && (s[at] == '.' || s[at] == 'e' || s[at] == 'E'))
      return false;
    if (!negative) {
      item.type = record_item::kind::unsigned_integer;
      item.u = value;
      return true;
    }
    if (value == 0 || value > uint64_t{1} << 63)
      return false;
    item.type = record_item::kind::negative_integer;
    item.i = value == uint64_t{1} << 63 ? INT64_MIN : -static_cast<int64_t>(value);
    return true;
  }
};

} // namespace

bool parse_flat_record(std::string_view line, std::vector<record_item>& out) {
  out.clear();
  cursor c{line};
  if (!c.take('{'))
    return false;
  if (c.take('}')) {
    c.skip_space();
    return c.at == line.size();
  }
  for (;;) {
    record_item item;
    if (!c.take('"') || !c.plain_string(item.key) || !c.take(':'))
      return false;
    c.skip_space();
    if (c.at < line.size() && line[c.at] == '"') {
      ++c.at;
      if (!c.plain_string(item.text))
        return false;
      item.type = record_item::kind::string;
    } else if (!c.integer(item)) {
      return false;
    }
    // A key twice: the full parser decides which one counts. (ply writes about 15 keys; a line
    // of thousands is left to it too, rather than compared key by key.)
    if (out.size() >= 64)
      return false;
    for (auto& seen : out)
      if (seen.key == item.key)
        return false;
    out.push_back(item);
    if (c.take(','))
      continue;
    if (!c.take('}'))
      return false;
    c.skip_space();
    return c.at == line.size();
  }
}

void items_of(const nlohmann::json& object, std::vector<record_item>& out) {
  out.clear();
  for (auto& [key, value] : object.items()) {
    record_item item;
    item.key = key;
    if (value.is_string()) {
      item.type = record_item::kind::string;
      item.text = value.get_ref<const std::string&>();
    } else if (value.is_number_unsigned()) {
      item.type = record_item::kind::unsigned_integer;
      item.u = value.get<uint64_t>();
    } else if (value.is_number_integer() && value.get<int64_t>() < 0) {
      item.type = record_item::kind::negative_integer;
      item.i = value.get<int64_t>();
    } else if (value.is_number_integer()) {
      item.type = record_item::kind::unsigned_integer;
      item.u = value.get<uint64_t>();
    } else {
      item.json = &value;
    }
    out.push_back(item);
  }
}

} // namespace ply_trace
