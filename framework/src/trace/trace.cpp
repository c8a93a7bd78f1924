// SPDX-License-Identifier: MIT
#include "ply/trace.hpp"

#include "trace/trace_hooks.hpp"

#include <unistd.h>

#include <atomic>
#include <chrono>
#include <condition_variable>
#include <cstdio>
#include <cstdlib>
#include <cstring>
#include <memory>
#include <mutex>
#include <thread>
#include <vector>

#include <spdlog/fmt/fmt.h>

namespace ply::trace {

namespace {

/// Events waiting for the writer, at most this many; beyond it they are dropped and counted.
constexpr size_t max_queued = 1 << 20;

/// Queued events that wake the writer before its next round.
constexpr size_t wake_batch = 8192;

struct recorder {
  std::atomic<bool> on{false};
  std::atomic<uint64_t> next_id{0};
  std::chrono::steady_clock::time_point start;
  std::mutex mtx;  // guards everything below
  std::condition_variable wake;
  std::vector<std::string> queue;
  uint64_t dropped = 0;
  bool stopping = false;
  std::string node;
  std::string node_json;  // quote(node), ready to paste
  std::shared_ptr<const std::string> node_ptr;  // the same, read without the lock
  FILE* out = nullptr;
  std::thread writer;

  void run() {
    std::vector<std::string> batch;
    std::unique_lock<std::mutex> guard{mtx};
    for (;;) {
      // Woken by a full batch or by stop; otherwise every 20 ms. Waking the writer per event
      // (a futex call each) cost more than the events themselves.
      wake.wait_for(guard, std::chrono::milliseconds(20),
                    [this] { return stopping || queue.size() >= wake_batch; });
      batch.swap(queue);
      auto lost = std::exchange(dropped, 0);
      auto done = stopping;
      guard.unlock();
      for (auto& line : batch)
        std::fwrite(line.data(), 1, line.size(), out);
      batch.clear();
      if (lost > 0) {
        auto line = "{\"id\":" + std::to_string(++next_id) + ",\"t\":" + std::to_string(now()) +
                    ",\"node\":" + node_json + ",\"ev\":\"dropped\",\"count\":" +
                    std::to_string(lost) + "}\n";
        std::fwrite(line.data(), 1, line.size(), out);
      }
      std::fflush(out);
      guard.lock();
      if (done && queue.empty())
        return;
    }
  }

  int64_t now() const {
    return std::chrono::duration_cast<std::chrono::nanoseconds>(std::chrono::steady_clock::now() -
                                                                start)
      .count();
  }
};

recorder& rec() {
  static recorder r;
  return r;
}

thread_local uint64_t current_event = 0;

} // namespace

namespace {

/// The length of the valid UTF-8 sequence at `s[i]` (a byte of 0x80 or more), or 0 when it is
/// not one: a stray continuation byte, an overlong form, a surrogate, past U+10FFFF, cut short.
size_t utf8_length(const std::string& s, size_t i) {
  auto at = [&](size_t k) { return static_cast<unsigned char>(s[k]); };
  auto lead = at(i);
  size_t n = lead >= 0xc2 && lead <= 0xdf ? 2 : lead >= 0xe0 && lead <= 0xef ? 3
           : lead >= 0xf0 && lead <= 0xf4                                    ? 4
                                                                             : 0;
  if (n == 0 || i + n > s.size())
    return 0;
  // The second byte's range narrows after some leads (no overlong forms, no surrogates).
  unsigned char lo = lead == 0xe0 ? 0xa0 : lead == 0xf0 ? 0x90 : 0x80;
  unsigned char hi = lead == 0xed ? 0x9f : lead == 0xf4 ? 0x8f : 0xbf;
  if (at(i + 1) < lo || at(i + 1) > hi)
    return 0;
  for (size_t k = 2; k < n; ++k)
    if (at(i + k) < 0x80 || at(i + k) > 0xbf)
      return 0;
  return n;
}

} // namespace

std::string quote(const std::string& s) {
  std::string out;
  out.reserve(s.size() + 2);
  out += '"';
  for (size_t i = 0; i < s.size(); ++i) {
    auto c = static_cast<unsigned char>(s[i]);
    switch (c) {
      case '"': out += "\\\""; break;
      case '\\': out += "\\\\"; break;
      case '\n': out += "\\n"; break;
      case '\r': out += "\\r"; break;
      case '\t': out += "\\t"; break;
      default:
        if (c < 0x20 || c == 0x7f) {
          char buf[8];
          std::snprintf(buf, sizeof(buf), "\\u%04x", c);
          out += buf;
        } else if (c < 0x80) {
          out += static_cast<char>(c);
        } else if (auto n = utf8_length(s, i); n > 0) {
          out.append(s, i, n);
          i += n - 1;
        } else {
          // Not UTF-8 (a peer's bytes in a failure message): the replacement character, so that
          // the line stays valid JSON.
          out += "\\ufffd";
        }
    }
  }
  out += '"';
  return out;
}

bool start(const std::string& path, const std::string& node, std::string* error) {
  auto& r = rec();
  stop();
  auto* f = std::fopen(path.c_str(), "w");
  if (f == nullptr) {
    if (error != nullptr)
      *error = "cannot write trace file " + path + ": " + std::strerror(errno);
    return false;
  }
  {
    std::lock_guard<std::mutex> guard{r.mtx};
    r.out = f;
    r.stopping = false;
    r.dropped = 0;
    r.queue.clear();
    r.node = node;
    r.node_json = quote(node);
    std::atomic_store(&r.node_ptr, std::make_shared<const std::string>(r.node_json));
    r.start = std::chrono::steady_clock::now();
    r.next_id = 0;
  }
  auto unix_ns = std::chrono::duration_cast<std::chrono::nanoseconds>(
                   std::chrono::system_clock::now().time_since_epoch())
                   .count();
  auto meta = "{\"id\":0,\"t\":0,\"node\":" + r.node_json +
              ",\"ev\":\"meta\",\"schema\":" + std::to_string(schema_version) +
              ",\"pid\":" + std::to_string(::getpid()) +
              ",\"start_unix_ns\":" + std::to_string(unix_ns) + "}\n";
  std::fwrite(meta.data(), 1, meta.size(), f);
  r.writer = std::thread{[&r] { r.run(); }};
  r.on.store(true, std::memory_order_release);
  return true;
}

void stop() {
  auto& r = rec();
  if (!r.writer.joinable())
    return;
  r.on.store(false, std::memory_order_release);
  {
    std::lock_guard<std::mutex> guard{r.mtx};
    r.stopping = true;
  }
  r.wake.notify_one();
  r.writer.join();
  std::fclose(r.out);
  r.out = nullptr;
}

bool on() {
  return rec().on.load(std::memory_order_relaxed);
}

void set_node(const std::string& node) {
  auto& r = rec();
  std::lock_guard<std::mutex> guard{r.mtx};
  r.node = node;
  r.node_json = quote(node);
  std::atomic_store(&r.node_ptr, std::make_shared<const std::string>(r.node_json));
}

std::string path_from(const std::string& option) {
  if (!option.empty())
    return option;
  if (auto* env = std::getenv("PLY_TRACE"))
    return env;
  return {};
}

context current() {
  if (current_event == 0)
    return {};
  auto& r = rec();
  std::lock_guard<std::mutex> guard{r.mtx};
  return context{r.node, current_event};
}

void caused_by(const context& cause) {
  if (!on() || cause.event == 0 || current_event == 0)
    return;
  record("link", "\"event\":" + std::to_string(current_event) + ",\"cause_node\":" +
                   quote(cause.node) + ",\"cause\":" + std::to_string(cause.event));
}

uint64_t record(const char* kind, const std::string& json_fields) {
  auto& r = rec();
  if (!r.on.load(std::memory_order_relaxed))
    return 0;
  auto id = ++r.next_id;
  trace::detail::emit(id, r.now(), kind, json_fields);
  return id;
}

namespace detail {

uint64_t exchange_current(uint64_t event) {
  return std::exchange(current_event, event);
}

uint64_t next_id() {
  return ++rec().next_id;
}

int64_t now_ns() {
  return rec().now();
}

void emit(uint64_t id, int64_t t, const char* kind, const std::string& json_fields) {
  auto& r = rec();
  auto node = std::atomic_load(&r.node_ptr);
  std::string line;
  line.reserve(96 + json_fields.size());
  fmt::format_to(std::back_inserter(line), "{{\"id\":{},\"t\":{},\"node\":{},\"ev\":\"{}\"", id, t,
                 node ? *node : std::string{"\"\""}, kind);
  if (!json_fields.empty()) {
    line += ',';
    line += json_fields;
  }
  line += "}\n";
  std::lock_guard<std::mutex> guard{r.mtx};
  if (r.queue.size() >= max_queued) {
    ++r.dropped;
    return;
  }
  r.queue.push_back(std::move(line));
  if (r.queue.size() == wake_batch)
    r.wake.notify_one();
}

} // namespace detail

} // namespace ply::trace
