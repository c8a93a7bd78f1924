// SPDX-License-Identifier: MIT
#include "kv/store.hpp"

#include <unistd.h>

#include <charconv>
#include <ctime>

#include <nlohmann/json.hpp>

namespace ply::actors::kv {

namespace {

/// memcached's rule: an expiry time up to 30 days is relative, beyond that a Unix time.
constexpr int64_t max_relative_exptime = 60 * 60 * 24 * 30;

/// A stored value as incr/decr read it (memcached's strtoull): leading white space, an optional
/// '+', decimal digits that fit 64 bits, then the end or white space (the rest is not read).
bool counter_value(std::string_view v, uint64_t& out) {
  auto is_space = [](char c) { return c == ' ' || (c >= '\t' && c <= '\r'); };
  size_t i = 0;
  while (i < v.size() && is_space(v[i]))
    ++i;
  if (i < v.size() && v[i] == '+')
    ++i;
  auto [end, ec] = std::from_chars(v.data() + i, v.data() + v.size(), out);
  if (ec != std::errc{} || end == v.data() + i)
    return false;
  return end == v.data() + v.size() || is_space(*end);
}

/// Bytes an item counts against the limit: key, value and a fixed overhead.
size_t footprint(const std::string& key, const std::string& value) {
  return key.size() + value.size() + 64;
}

void append_line(std::string& out, std::string_view line) {
  out.append(line);
  out.append("\r\n");
}

} // namespace

store::store() : store(options{}) {
}

store::store(options opts, clock_fn now) : opts_(opts), now_(std::move(now)) {
  if (!now_)
    now_ = [] { return static_cast<int64_t>(std::time(nullptr)); };
  started_ = now_();
}

int64_t store::expiry(int64_t exptime) const {
  if (exptime == 0)
    return 0;
  if (exptime < 0)
    return now_() - 1;  // already gone
  if (exptime <= max_relative_exptime)
    return now_() + exptime;
  return exptime;
}

store::item* store::lookup(const std::string& key) {
  auto it = items_.find(key);
  if (it == items_.end())
    return nullptr;
  auto now = now_();
  auto& i = it->second;
  if ((i.expires != 0 && i.expires <= now) || (flush_at_ != 0 && flush_at_ <= now && i.stored < flush_at_)) {
    ++expired_;
    erase(it);
    return nullptr;
  }
  lru_.splice(lru_.begin(), lru_, i.lru);
  return &i;
}

void store::erase(map::iterator it) {
  bytes_ -= footprint(it->first, it->second.value);
  lru_.erase(it->second.lru);
  items_.erase(it);
}

void store::evict() {
  while (bytes_ > opts_.max_bytes && !lru_.empty()) {
    ++evictions_;
    erase(items_.find(lru_.back()));
  }
}

void store::store_item(const std::string& key, std::string value, uint32_t flags,
                       int64_t exptime) {
  auto it = items_.find(key);
  if (it == items_.end()) {
    lru_.push_front(key);
    it = items_.emplace(key, item{}).first;
    it->second.lru = lru_.begin();
  } else {
    bytes_ -= footprint(key, it->second.value);
    lru_.splice(lru_.begin(), lru_, it->second.lru);
  }
  auto& i = it->second;
  i.value = std::move(value);
  i.flags = flags;
  i.expires = expiry(exptime);
  i.cas = next_cas_++;
  i.stored = now_();
  bytes_ += footprint(key, i.value);
  ++total_items_;
  evict();
}

const std::string* store::find(const std::string& key) {
  auto* i = lookup(key);
  return i ? &i->value : nullptr;
}

void store::execute(const request& r, std::string& out) {
  using op = request::op;
  std::string reply;
  switch (r.what) {
    case op::error:
      if (!r.keys.empty())
        if (auto it = items_.find(r.key()); it != items_.end())
          erase(it);
      if (!r.noreply)
        append_line(out, r.message);
      return;
    case op::get:
    case op::gets:
    case op::gat:
    case op::gats: {
      bool with_cas = r.what == op::gets || r.what == op::gats;
      bool touch = r.what == op::gat || r.what == op::gats;
      // A request cut short by a bad key reads its keys for their effects, answers the error.
      std::string dropped;
      auto& answer = r.message.empty() ? out : dropped;
      for (auto& key : r.keys) {
        ++cmd_get_;
        auto* i = lookup(key);
        if (!i) {
          ++get_misses_;
          continue;
        }
        ++get_hits_;
        if (touch) {
          ++cmd_touch_;
          i->expires = expiry(r.exptime);
        }
        answer += "VALUE ";
        answer += key;
        answer += ' ';
        answer += std::to_string(i->flags);
        answer += ' ';
        answer += std::to_string(i->value.size());
        if (with_cas) {
          answer += ' ';
          answer += std::to_string(i->cas);
        }
        answer += "\r\n";
        answer += i->value;
        answer += "\r\n";
      }
      if (r.message.empty())
        out += "END\r\n";
      else
        append_line(out, r.message);
      return;
    }
    case op::set:
      ++cmd_set_;
      store_item(r.key(), r.data, r.flags, r.exptime);
      reply = "STORED";
      break;
    case op::add:
    case op::replace: {
      ++cmd_set_;
      bool exists = lookup(r.key()) != nullptr;
      if (exists == (r.what == op::replace)) {
        store_item(r.key(), r.data, r.flags, r.exptime);
        reply = "STORED";
      } else {
        reply = "NOT_STORED";
      }
      break;
    }
    case op::append:
    case op::prepend: {
      ++cmd_set_;
      auto* i = lookup(r.key());
      if (!i) {
        reply = "NOT_STORED";
        break;
      }
      // Flags and expiry stay; only the data grows, up to memcached's item size limit.
      if (item_size(r.key().size(), i->value.size() + r.data.size(), i->flags) > opts_.max_item) {
        reply = "NOT_STORED";
        break;
      }
      auto value = r.what == op::append ? i->value + r.data : r.data + i->value;
      auto flags = i->flags;
      auto expires = i->expires;
      store_item(r.key(), std::move(value), flags, 0);
      if (auto* again = lookup(r.key()))
        again->expires = expires;
      reply = "STORED";
      break;
    }
    case op::cas: {
      ++cmd_set_;
      auto* i = lookup(r.key());
      if (!i) {
        ++cas_misses_;
        reply = "NOT_FOUND";
      } else if (i->cas != r.number) {
        ++cas_badval_;
        reply = "EXISTS";
      } else {
        ++cas_hits_;
        store_item(r.key(), r.data, r.flags, r.exptime);
        reply = "STORED";
      }
      break;
    }
    case op::del: {
      if (lookup(r.key())) {
        ++delete_hits_;
        erase(items_.find(r.key()));
        reply = "DELETED";
      } else {
        ++delete_misses_;
        reply = "NOT_FOUND";
      }
      break;
    }
    case op::incr:
    case op::decr: {
      bool incr = r.what == op::incr;
      auto* i = lookup(r.key());
      if (!i) {
        ++(incr ? incr_misses_ : decr_misses_);
        reply = "NOT_FOUND";
        break;
      }
      uint64_t value = 0;
      auto& v = i->value;
      if (!counter_value(v, value)) {
        reply = "CLIENT_ERROR cannot increment or decrement non-numeric value";
        break;
      }
      ++(incr ? incr_hits_ : decr_hits_);
      // incr wraps around at 2^64; decr stops at 0 (memcached's rules).
      value = incr ? value + r.number : (r.number > value ? 0 : value - r.number);
      reply = std::to_string(value);
      bytes_ -= footprint(r.key(), v);
      // A shorter number keeps the value's length, padded with spaces, as memcached writes it
      // in place.
      if (reply.size() < v.size())
        v = reply + std::string(v.size() - reply.size(), ' ');
      else
        v = reply;
      bytes_ += footprint(r.key(), v);
      i->cas = next_cas_++;
      break;
    }
    case op::touch: {
      ++cmd_touch_;
      auto* i = lookup(r.key());
      if (i)
        i->expires = expiry(r.exptime);
      reply = i ? "TOUCHED" : "NOT_FOUND";
      break;
    }
    case op::flush_all:
      if (r.exptime > 0) {
        flush_at_ = expiry(r.exptime);
      } else {
        drop_all();
        flush_at_ = 0;
      }
      reply = "OK";
      break;
    case op::stats:
      if (r.keys.empty()) {
        stats(out);
        return;
      }
      if (r.keys.size() == 1 && r.keys[0] == "reset") {
        cmd_get_ = get_hits_ = get_misses_ = cmd_set_ = cmd_touch_ = 0;
        delete_hits_ = delete_misses_ = incr_hits_ = incr_misses_ = 0;
        decr_hits_ = decr_misses_ = cas_hits_ = cas_misses_ = cas_badval_ = 0;
        evictions_ = total_items_ = expired_ = 0;
        reply = "RESET";
        break;
      }
      if (r.keys.size() == 1 && (r.keys[0] == "settings" || r.keys[0] == "items"
                                 || r.keys[0] == "slabs" || r.keys[0] == "sizes")) {
        out += "END\r\n";  // nothing of memcached's slab allocator to report
        return;
      }
      reply = "ERROR";
      break;
    case op::mn:
      reply = "MN";
      break;
    case op::version:
      reply = "VERSION " + std::string{version};
      break;
    case op::verbosity:
      reply = "OK";
      break;
    case op::quit:
      return;
  }
  if (!r.noreply)
    append_line(out, reply);
}

void store::stats(std::string& out) const {
  auto now = now_();
  auto stat = [&out](std::string_view name, auto value) {
    out += "STAT ";
    out += name;
    out += ' ';
    if constexpr (std::is_convertible_v<decltype(value), std::string_view>)
      out += value;
    else
      out += std::to_string(value);
    out += "\r\n";
  };
  stat("pid", static_cast<int64_t>(::getpid()));
  stat("uptime", now - started_);
  stat("time", now);
  stat("version", version);
  stat("pointer_size", static_cast<int>(sizeof(void*) * 8));
  stat("curr_connections", curr_connections_);
  stat("total_connections", total_connections_);
  stat("cmd_get", cmd_get_);
  stat("cmd_set", cmd_set_);
  stat("cmd_touch", cmd_touch_);
  stat("get_hits", get_hits_);
  stat("get_misses", get_misses_);
  stat("get_expired", expired_);
  stat("delete_hits", delete_hits_);
  stat("delete_misses", delete_misses_);
  stat("incr_hits", incr_hits_);
  stat("incr_misses", incr_misses_);
  stat("decr_hits", decr_hits_);
  stat("decr_misses", decr_misses_);
  stat("cas_hits", cas_hits_);
  stat("cas_misses", cas_misses_);
  stat("cas_badval", cas_badval_);
  stat("limit_maxbytes", opts_.max_bytes);
  stat("bytes", bytes_);
  stat("curr_items", items_.size());
  stat("total_items", total_items_);
  stat("evictions", evictions_);
  out += "END\r\n";
}

nlohmann::json store::stats_json() const {
  std::string text;
  stats(text);
  // One source for both views: the JSON is read off the text stats.
  auto j = nlohmann::json::object();
  size_t pos = 0;
  while (pos < text.size()) {
    auto end = text.find("\r\n", pos);
    auto line = std::string_view{text}.substr(pos, end - pos);
    pos = end + 2;
    if (line.substr(0, 5) != "STAT ")
      continue;
    line.remove_prefix(5);
    auto sp = line.find(' ');
    auto name = std::string{line.substr(0, sp)};
    auto value = std::string{line.substr(sp + 1)};
    int64_t n = 0;
    auto [p, ec] = std::from_chars(value.data(), value.data() + value.size(), n);
    if (ec == std::errc{} && p == value.data() + value.size())
      j[name] = n;
    else
      j[name] = value;
  }
  return j;
}

void store::drop_all() {
  items_.clear();
  lru_.clear();
  bytes_ = 0;
}

template <class F>
void store::for_each_live(F f) {
  // Keys first: a lookup removes an expired item, which would upset iterating the map.
  std::vector<std::string> keys;
  keys.reserve(items_.size());
  for (auto& kvp : items_)
    keys.push_back(kvp.first);
  for (auto& key : keys)
    if (auto* i = lookup(key))
      f(key, i->value);
}

nlohmann::json store::items_json() {
  auto j = nlohmann::json::object();
  for_each_live([&j](const std::string& key, const std::string& value) { j[key] = value; });
  return j;
}

void store::execute_line(std::string_view line, std::string& out) {
  auto sp = line.find(' ');
  auto cmd = line.substr(0, sp);
  auto rest = sp == std::string_view::npos ? std::string_view{} : line.substr(sp + 1);
  auto arg_sp = rest.find(' ');
  auto key = std::string{rest.substr(0, arg_sp)};
  auto value = arg_sp == std::string_view::npos ? std::string_view{} : rest.substr(arg_sp + 1);
  if (cmd == "version") {
    append_line(out, "ply-kv " + std::string{version});
  } else if (cmd == "count") {
    append_line(out, std::to_string(items_.size()));
  } else if (cmd == "clear") {
    auto n = items_.size();
    drop_all();
    append_line(out, "cleared " + std::to_string(n) + " item(s)");
  } else if (cmd == "items") {
    for_each_live([&out](const std::string& key, const std::string& value) {
      append_line(out, key + " " + value);
    });
    append_line(out, "END");
  } else if (cmd == "status") {
    append_line(out, "items " + std::to_string(items_.size()) + ", bytes " + std::to_string(bytes_)
                       + ", gets " + std::to_string(cmd_get_) + " (" + std::to_string(get_hits_)
                       + " hits), sets " + std::to_string(cmd_set_) + ", uptime "
                       + std::to_string(now_() - started_) + "s");
  } else if (cmd == "get" && !key.empty() && arg_sp == std::string_view::npos) {
    ++cmd_get_;
    auto* i = lookup(key);
    ++(i ? get_hits_ : get_misses_);
    append_line(out, i ? "VALUE " + i->value : std::string{"NOT FOUND"});
  } else if (cmd == "set" && !key.empty() && arg_sp != std::string_view::npos) {
    ++cmd_set_;
    store_item(key, std::string{value}, 0, 0);
    append_line(out, "STORED");
  } else if (cmd == "delete" && !key.empty() && arg_sp == std::string_view::npos) {
    bool live = lookup(key) != nullptr;
    if (live)
      erase(items_.find(key));
    append_line(out, live ? "DELETED" : "NOT FOUND");
  } else if (cmd == "help") {
    append_line(out, "commands: get KEY, set KEY VALUE, delete KEY, count, items, clear, status, "
                     "version, quit");
  } else if (cmd.empty()) {
    // An empty line asks nothing.
  } else {
    append_line(out, "ERROR unknown command or wrong arguments: " + std::string{cmd}
                       + " (try: help)");
  }
}

} // namespace ply::actors::kv
