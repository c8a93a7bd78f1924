// SPDX-License-Identifier: MIT
#include "ply/faults.hpp"

#include <cerrno>
#include <charconv>
#include <cstdio>
#include <cstdlib>
#include <random>

#include "ply/error.hpp"

namespace ply {

namespace {

caf::error bad(std::string_view text, const std::string& why) {
  return make_error(errc::bad_option, "bad fault plan '" + std::string{text} + "': " + why);
}

template <class T>
bool parse_number(std::string_view s, T& out) {
  auto [ptr, ec] = std::from_chars(s.data(), s.data() + s.size(), out);
  return ec == std::errc{} && ptr == s.data() + s.size() && !s.empty();
}

} // namespace

bool fault_plan::active() const {
  return max_read > 0 || max_write > 0 || eagain > 0 || stall > 0 || reset > 0
         || timer_delay.count() > 0;
}

std::string fault_plan::to_string() const {
  std::string out;
  auto add = [&out](const std::string& field) { out += (out.empty() ? "" : ",") + field; };
  if (max_read > 0)
    add("read=" + std::to_string(max_read));
  if (max_write > 0)
    add("write=" + std::to_string(max_write));
  auto chance = [](double p) {
    char buf[32];
    std::snprintf(buf, sizeof(buf), "%g", p);
    return std::string{buf};
  };
  if (eagain > 0)
    add("eagain=" + chance(eagain));
  if (stall > 0)
    add("stall=" + chance(stall));
  if (reset > 0)
    add("reset=" + chance(reset));
  if (timer_delay.count() > 0)
    add("timer=" + std::to_string(timer_delay.count()));
  add("seed=" + std::to_string(seed));
  return out;
}

caf::expected<fault_plan> fault_plan::parse(std::string_view text) {
  fault_plan plan;
  size_t pos = 0;
  while (pos < text.size()) {
    auto comma = text.find(',', pos);
    auto field = text.substr(pos, comma == std::string_view::npos ? text.size() - pos : comma - pos);
    pos = comma == std::string_view::npos ? text.size() : comma + 1;
    if (field.empty())
      continue;
    auto eq = field.find('=');
    if (eq == std::string_view::npos)
      // (Not "'" + std::string{field}: GCC 12 warns falsely about that at -O2.)
      return bad(text, std::string{field}.insert(0, 1, '\'') + "' is not NAME=VALUE");
    auto name = field.substr(0, eq);
    auto value = field.substr(eq + 1);
    bool ok = false;
    if (name == "read" || name == "write") {
      ok = parse_number(value, name == "read" ? plan.max_read : plan.max_write);
    } else if (name == "eagain" || name == "reset") {
      // from_chars for double is in libstdc++ 11 and later.
      double p = 0;
      ok = parse_number(value, p) && p >= 0 && p < 1;
      (name == "eagain" ? plan.eagain : plan.reset) = p;
    } else if (name == "stall") {
      ok = parse_number(value, plan.stall) && plan.stall >= 0 && plan.stall <= 1;
    } else if (name == "timer") {
      unsigned ms = 0;
      ok = parse_number(value, ms);
      plan.timer_delay = std::chrono::milliseconds{ms};
    } else if (name == "seed") {
      ok = parse_number(value, plan.seed);
    } else {
      return bad(text, "unknown fault '" + std::string{name}
                         + "' (read, write, eagain, stall, reset, timer, seed)");
    }
    if (!ok)
      return bad(text, "bad value for " + std::string{name}
                         + (name == "eagain" || name == "reset" ? " (a chance in [0, 1))"
                            : name == "stall"                    ? " (a chance in [0, 1])"
                                                                 : ""));
  }
  if (plan.seed == 0)
    plan.seed = std::random_device{}() | 1u;
  return plan;
}

caf::expected<fault_plan> fault_plan::from_environment() {
  const char* text = std::getenv("PLY_FAULTS");
  if (text == nullptr || *text == '\0')
    return fault_plan{};
  return parse(text);
}

fault_injector::fault_injector(const fault_plan& plan, uint64_t stream)
  : plan_(plan), rng_(plan.seed + stream * 0x9e3779b97f4a7c15ULL) {
}

bool fault_injector::chance(double p) {
  return p > 0 && std::uniform_real_distribution<double>{0, 1}(rng_) < p;
}

size_t fault_injector::read_size(size_t capacity, int& err) {
  if (chance(plan_.reset)) {
    err = ECONNRESET;
    return 0;
  }
  if (chance(plan_.eagain)) {
    err = EAGAIN;
    return 0;
  }
  if (plan_.max_read == 0)
    return capacity;
  return std::uniform_int_distribution<size_t>{1, std::min(capacity, plan_.max_read)}(rng_);
}

size_t fault_injector::write_size(size_t size, int& err) {
  if (plan_.stall >= 1 || chance(plan_.eagain) || chance(plan_.stall)) {
    err = EAGAIN;
    return 0;
  }
  if (plan_.max_write == 0 || size == 0)
    return size;
  return std::uniform_int_distribution<size_t>{1, std::min(size, plan_.max_write)}(rng_);
}

std::chrono::milliseconds fault_injector::timer_delay() {
  if (plan_.timer_delay.count() <= 0)
    return std::chrono::milliseconds{0};
  auto max = static_cast<long>(plan_.timer_delay.count());
  return std::chrono::milliseconds{std::uniform_int_distribution<long>{0, max}(rng_)};
}

} // namespace ply
