// SPDX-License-Identifier: MIT
#include "kv/memcache.hpp"

#include <charconv>

namespace ply::actors::kv {

namespace {

constexpr std::string_view bad_format = "CLIENT_ERROR bad command line format";
constexpr std::string_view bad_exptime = "CLIENT_ERROR invalid exptime argument";

std::vector<std::string_view> split_words(std::string_view line) {
  std::vector<std::string_view> words;
  size_t i = 0;
  while (i < line.size()) {
    while (i < line.size() && line[i] == ' ')
      ++i;
    auto start = i;
    while (i < line.size() && line[i] != ' ')
      ++i;
    if (i > start)
      words.push_back(line.substr(start, i - start));
  }
  return words;
}

/// A whole word as a number of type T, or false; a leading '+' is allowed, as memcached's
/// strtol and strtoul take it.
template <class T>
bool to_number(std::string_view word, T& out) {
  if (word.size() > 1 && word[0] == '+' && word[1] != '-' && word[1] != '+')
    word.remove_prefix(1);
  auto [end, ec] = std::from_chars(word.data(), word.data() + word.size(), out);
  return ec == std::errc{} && end == word.data() + word.size();
}

/// Flags as memcached reads them: any 64-bit number, kept modulo 2^32.
bool to_flags(std::string_view word, uint32_t& out) {
  uint64_t wide = 0;
  if (!to_number(word, wide))
    return false;
  out = static_cast<uint32_t>(wide);
  return true;
}

/// Keys are at most `max_key` bytes without control characters (memcached's rule).
bool valid_key(std::string_view key, size_t max_key) {
  if (key.empty() || key.size() > max_key)
    return false;
  for (unsigned char c : key)
    if (c < 0x21 || c == 0x7f)
      return false;
  return true;
}

const std::pair<std::string_view, request::op> commands[] = {
  {"get", request::op::get},         {"gets", request::op::gets},
  {"gat", request::op::gat},         {"gats", request::op::gats},
  {"set", request::op::set},         {"add", request::op::add},
  {"replace", request::op::replace}, {"append", request::op::append},
  {"prepend", request::op::prepend}, {"cas", request::op::cas},
  {"delete", request::op::del},      {"incr", request::op::incr},
  {"decr", request::op::decr},       {"touch", request::op::touch},
  {"flush_all", request::op::flush_all}, {"stats", request::op::stats},
  {"version", request::op::version}, {"verbosity", request::op::verbosity},
  {"quit", request::op::quit},       {"mn", request::op::mn},
};

} // namespace

std::string parser::feed(std::string_view data, const std::function<void(request&)>& on_request) {
  while (!data.empty()) {
    switch (state_) {
      case state::failed:
        return "CLIENT_ERROR connection closed after a protocol error";
      case state::line: {
        auto nl = data.find('\n');
        if (nl == std::string_view::npos) {
          if (buffer_.size() + data.size() > limits_.max_line) {
            state_ = state::failed;
            buffer_.clear();
            return "CLIENT_ERROR line too long";
          }
          buffer_.append(data);
          return {};
        }
        std::string_view line;
        if (buffer_.empty()) {
          line = data.substr(0, nl);
        } else {
          buffer_.append(data.substr(0, nl));
          line = buffer_;
        }
        data.remove_prefix(nl + 1);
        if (line.size() > limits_.max_line) {
          state_ = state::failed;
          buffer_.clear();
          return "CLIENT_ERROR line too long";
        }
        if (!line.empty() && line.back() == '\r')
          line.remove_suffix(1);
        std::string copy;
        if (!buffer_.empty()) {
          copy.swap(buffer_);
          line = std::string_view{copy}.substr(0, line.size());
        }
        parse_line(line, on_request);
        break;
      }
      case state::data:
      case state::skip: {
        auto take = std::min(want_, data.size());
        if (state_ == state::data)
          pending_.data.append(data.substr(0, take));
        data.remove_prefix(take);
        want_ -= take;
        if (want_ > 0)
          return {};
        if (state_ == state::skip) {
          state_ = state::line;
          request err;
          err.message = "SERVER_ERROR object too large for cache";
          err.noreply = pending_.noreply;
          err.keys = std::move(pending_.keys);
          pending_ = request{};
          on_request(err);
          break;
        }
        state_ = state::line;
        auto& block = pending_.data;
        if (block.size() < 2 || block.compare(block.size() - 2, 2, "\r\n") != 0) {
          request err;
          err.message = "CLIENT_ERROR bad data chunk";
          err.noreply = pending_.noreply;
          on_request(err);
        } else {
          block.resize(block.size() - 2);
          on_request(pending_);
        }
        pending_ = request{};
        break;
      }
    }
  }
  return {};
}

void parser::parse_line(std::string_view line, const std::function<void(request&)>& on_request) {
  auto words = split_words(line);
  request r;
  // An error after the command said "noreply" is not answered either (memcached's rule).
  auto fail = [&](std::string_view why) {
    bool quiet = r.noreply;
    r = request{};
    r.message = std::string{why};
    r.noreply = quiet;
    on_request(r);
  };
  if (words.empty())
    return fail("ERROR");
  bool known = false;
  for (auto& [name, op] : commands)
    if (words[0] == name) {
      r.what = op;
      known = true;
    }
  if (!known)
    return fail("ERROR");
  // A trailing "noreply" is an option of every command that takes one.
  auto take_noreply = [&] {
    if (words.size() > 1 && words.back() == "noreply") {
      r.noreply = true;
      words.pop_back();
    }
  };
  // As memcached's tokenizer: a command takes `n` words or one more, which is "noreply" when it
  // says so and is ignored otherwise; any other count is an unknown command.
  auto counted = [&](size_t n) {
    if (words.size() != n && words.size() != n + 1)
      return false;
    r.noreply = words.back() == "noreply";  // also in place of a word: then the command is bad
    if (words.size() == n + 1)
      words.pop_back();
    return true;
  };
  auto add_key = [&](std::string_view key) {
    if (!valid_key(key, limits_.max_key))
      return false;
    r.keys.emplace_back(key);
    return true;
  };
  using op = request::op;
  switch (r.what) {
    case op::get:
    case op::gets:
    case op::gat:
    case op::gats: {
      size_t first = 1;
      if (r.what == op::gat || r.what == op::gats) {
        // "gat EXPTIME" with no key is answered END, as memcached does.
        if (words.size() < 2)
          return fail("ERROR");
        if (!to_number(words[1], r.exptime))
          return fail(bad_exptime);
        first = 2;
      } else if (words.size() <= first) {
        return fail("ERROR");
      }
      for (size_t i = first; i < words.size(); ++i) {
        if (!add_key(words[i])) {
          // As memcached: the keys before the bad one are read (and touched), their answer is
          // dropped, and the error is the answer.
          r.message = std::string{bad_format};
          break;
        }
      }
      return on_request(r);
    }
    case op::set:
    case op::add:
    case op::replace:
    case op::append:
    case op::prepend:
    case op::cas: {
      if (!counted(r.what == op::cas ? 6 : 5))
        return fail("ERROR");
      int64_t length = -1;
      if (!add_key(words[1]) || !to_flags(words[2], r.flags) || !to_number(words[3], r.exptime)
          || !to_number(words[4], length) || length < 0
          || (r.what == op::cas && !to_number(words[5], r.number)))
        return fail(bad_format);
      want_ = static_cast<size_t>(length) + 2;
      // memcached counts the item's overhead against its size limit, not the data alone.
      if (item_size(r.key().size(), static_cast<size_t>(length), r.flags) > limits_.max_value) {
        pending_ = request{};
        pending_.noreply = r.noreply;
        // memcached drops what a SET too large to store would have replaced: no stale value.
        if (r.what == op::set)
          pending_.keys = std::move(r.keys);
        state_ = state::skip;  // swallow the block, then answer
        return;
      }
      pending_ = std::move(r);
      pending_.data.reserve(want_);
      state_ = state::data;
      return;
    }
    case op::del: {
      if (words.size() < 2 || words.size() > 4)
        return fail("ERROR");
      // As memcached: "delete KEY", "delete KEY 0" (an old form), "delete KEY noreply" and
      // "delete KEY 0 noreply"; a lone "noreply" is a key.
      if (words.size() > 2) {
        bool hold_is_zero = words[2] == "0";
        r.noreply = words.back() == "noreply";
        if (!((words.size() == 3 && (hold_is_zero || r.noreply))
              || (words.size() == 4 && hold_is_zero && r.noreply)))
          return fail("CLIENT_ERROR bad command line format.  Usage: delete <key> [noreply]");
      }
      if (!add_key(words[1]))
        return fail(bad_format);
      return on_request(r);
    }
    case op::incr:
    case op::decr:
      if (!counted(3))
        return fail("ERROR");
      if (!add_key(words[1]))
        return fail(bad_format);
      if (!to_number(words[2], r.number))
        return fail("CLIENT_ERROR invalid numeric delta argument");
      return on_request(r);
    case op::touch:
      if (!counted(3))
        return fail("ERROR");
      if (!add_key(words[1]))
        return fail(bad_format);
      if (!to_number(words[2], r.exptime))
        return fail(bad_exptime);
      return on_request(r);
    case op::flush_all:
      // As memcached: words after the delay are ignored, a last "noreply" is taken.
      if (words.size() > 3)
        return fail("ERROR");
      take_noreply();
      if (words.size() >= 2 && !to_number(words[1], r.exptime))
        return fail(bad_exptime);
      return on_request(r);
    case op::verbosity: {
      // As memcached: "verbosity noreply" is silently accepted, a bare "verbosity" is not; a
      // level that is not a number is a bad format; words after it are ignored.
      if (words.size() == 1 || words.size() > 3)
        return fail("ERROR");
      take_noreply();
      unsigned level = 0;
      if (words.size() >= 2 && !to_number(words[1], level))
        return fail(bad_format);
      return on_request(r);
    }
    case op::stats:
      for (size_t i = 1; i < words.size(); ++i)
        r.keys.emplace_back(words[i]);
      return on_request(r);
    case op::version:  // memcached ignores anything after "version"
    case op::mn:       // and after "mn"
      return on_request(r);
    case op::quit:  // memcached closes on "quit" whatever follows it
      return on_request(r);
    case op::error:
      break;
  }
  fail("ERROR");
}

} // namespace ply::actors::kv
