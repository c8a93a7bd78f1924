// SPDX-License-Identifier: MIT
#include "pubsub/resp.hpp"

#include <charconv>

namespace ply::actors::resp {

namespace {

/// Parses a whole decimal number (with an optional '-'); false when `s` is not one.
bool parse_int(std::string_view s, int64_t& out) {
  if (s.empty())
    return false;
  auto [end, ec] = std::from_chars(s.data(), s.data() + s.size(), out);
  return ec == std::errc{} && end == s.data() + s.size();
}

} // namespace

bool parser::take_line(std::string_view& data, std::string& line, size_t limit, bool& too_long) {
  auto nl = data.find('\n');
  auto part = nl == std::string_view::npos ? data : data.substr(0, nl);
  if (buffer_.size() + part.size() > limit) {
    too_long = true;
    return false;
  }
  buffer_.append(part);
  if (nl == std::string_view::npos) {
    data = {};
    return false;
  }
  data.remove_prefix(nl + 1);
  if (!buffer_.empty() && buffer_.back() == '\r')
    buffer_.pop_back();
  line.swap(buffer_);
  buffer_.clear();
  return true;
}

std::string parser::feed(std::string_view data,
                         const std::function<void(std::vector<std::string>&)>& on_command) {
  if (state_ == state::failed)
    return "Protocol error: connection already failed";
  while (!data.empty()) {
    auto err = step(data, on_command);
    if (!err.empty()) {
      state_ = state::failed;
      buffer_.clear();
      args_.clear();
      return err;
    }
  }
  return {};
}

std::string parser::step(std::string_view& data,
                         const std::function<void(std::vector<std::string>&)>& on_command) {
  std::string line;
  bool too_long = false;
  switch (state_) {
    case state::start:
      state_ = data.front() == '*' ? state::array_len : state::inline_cmd;
      return {};
    case state::array_len: {
      if (!take_line(data, line, 32, too_long))
        return too_long ? "Protocol error: invalid multibulk length" : "";
      int64_t n = 0;
      if (!parse_int(std::string_view{line}.substr(1), n) || n < 0 ||
          static_cast<uint64_t>(n) > limits_.max_args)
        return "Protocol error: invalid multibulk length";
      state_ = n == 0 ? state::start : state::bulk_len;
      expected_args_ = static_cast<size_t>(n);
      args_.clear();
      return {};
    }
    case state::bulk_len: {
      if (!take_line(data, line, 32, too_long))
        return too_long ? "Protocol error: invalid bulk length" : "";
      if (line.empty() || line.front() != '$')
        return "Protocol error: expected '$', got '" +
               (line.empty() ? std::string{"\\n"} : line.substr(0, 1)) + "'";
      int64_t n = 0;
      if (!parse_int(std::string_view{line}.substr(1), n) || n < 0 ||
          static_cast<uint64_t>(n) > limits_.max_bulk)
        return "Protocol error: invalid bulk length";
      bulk_len_ = static_cast<size_t>(n);
      args_.emplace_back();
      args_.back().reserve(bulk_len_);
      state_ = state::bulk_data;
      return {};
    }
    case state::bulk_data: {
      auto& arg = args_.back();
      if (arg.size() < bulk_len_) {
        auto n = std::min(bulk_len_ - arg.size(), data.size());
        arg.append(data.substr(0, n));
        data.remove_prefix(n);
        if (arg.size() < bulk_len_)
          return {};
      }
      // The terminating CRLF, possibly split across chunks.
      while (!data.empty() && buffer_.size() < 2) {
        buffer_.push_back(data.front());
        data.remove_prefix(1);
      }
      if (buffer_.size() < 2)
        return {};
      if (buffer_ != "\r\n")
        return "Protocol error: bulk string not terminated by CRLF";
      buffer_.clear();
      if (args_.size() < expected_args_) {
        state_ = state::bulk_len;
        return {};
      }
      state_ = state::start;
      on_command(args_);
      args_.clear();
      return {};
    }
    case state::inline_cmd: {
      if (!take_line(data, line, limits_.max_inline, too_long))
        return too_long ? "Protocol error: too big inline request" : "";
      state_ = state::start;
      std::vector<std::string> words;
      size_t i = 0;
      while (i < line.size()) {
        auto c = static_cast<unsigned char>(line[i]);
        if (c == ' ' || c == '\t') {
          ++i;
          continue;
        }
        if (c < 0x20 || c == 0x7f)
          return "Protocol error: invalid inline request";
        auto start = i;
        while (i < line.size() && line[i] != ' ' && line[i] != '\t') {
          auto d = static_cast<unsigned char>(line[i]);
          if (d < 0x20 || d == 0x7f)
            return "Protocol error: invalid inline request";
          ++i;
        }
        words.emplace_back(line.substr(start, i - start));
      }
      if (!words.empty())
        on_command(words);
      return {};
    }
    case state::failed:
      break;
  }
  return "Protocol error";
}

std::string simple(std::string_view s) {
  std::string out = "+";
  out.append(s);
  out += "\r\n";
  return out;
}

std::string error(std::string_view s) {
  std::string out = "-";
  out.append(s);
  out += "\r\n";
  return out;
}

std::string integer(int64_t n) {
  return ":" + std::to_string(n) + "\r\n";
}

std::string bulk(std::string_view s) {
  std::string out = "$" + std::to_string(s.size()) + "\r\n";
  out.append(s);
  out += "\r\n";
  return out;
}

std::string array_header(size_t n) {
  return "*" + std::to_string(n) + "\r\n";
}

std::string message(std::string_view channel, std::string_view payload) {
  return array_header(3) + bulk("message") + bulk(channel) + bulk(payload);
}

std::string pmessage(std::string_view pattern, std::string_view channel, std::string_view payload) {
  return array_header(4) + bulk("pmessage") + bulk(pattern) + bulk(channel) + bulk(payload);
}

bool glob_match(std::string_view p, std::string_view s) {
  // Iterative matcher with backtracking to the last '*'.
  size_t pi = 0, si = 0, star = std::string_view::npos, mark = 0;
  auto match_one = [&](size_t& i, char c) -> bool {
    // Matches the pattern element at p[i] against c; advances i past it.
    if (p[i] == '?') {
      ++i;
      return true;
    }
    if (p[i] == '\\' && i + 1 < p.size()) {
      bool ok = p[i + 1] == c;
      i += 2;
      return ok;
    }
    if (p[i] == '[') {
      size_t j = i + 1;
      bool negate = j < p.size() && p[j] == '^';
      if (negate)
        ++j;
      bool found = false;
      while (j < p.size() && p[j] != ']') {
        if (p[j] == '\\' && j + 1 < p.size()) {
          found |= p[j + 1] == c;
          j += 2;
        } else if (j + 2 < p.size() && p[j + 1] == '-' && p[j + 2] != ']') {
          auto lo = std::min(p[j], p[j + 2]);
          auto hi = std::max(p[j], p[j + 2]);
          found |= c >= lo && c <= hi;
          j += 3;
        } else {
          found |= p[j] == c;
          ++j;
        }
      }
      i = j < p.size() ? j + 1 : j;
      return found != negate;
    }
    bool ok = p[i] == c;
    ++i;
    return ok;
  };
  while (si < s.size()) {
    if (pi < p.size() && p[pi] == '*') {
      star = pi++;
      mark = si;
      continue;
    }
    size_t next = pi;
    if (pi < p.size() && match_one(next, s[si])) {
      pi = next;
      ++si;
      continue;
    }
    if (star == std::string_view::npos)
      return false;
    pi = star + 1;
    si = ++mark;
  }
  while (pi < p.size() && p[pi] == '*')
    ++pi;
  return pi == p.size();
}

} // namespace ply::actors::resp
