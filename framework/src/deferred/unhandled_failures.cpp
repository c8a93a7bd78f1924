// SPDX-License-Identifier: MIT
// The log of failures no errback handled: each is logged as an error when its deferred is
// dropped, and kept for tests to check (`ply/testing/unhandled_failures.hpp`).
#include "ply/testing/unhandled_failures.hpp"

#include <mutex>

#include <spdlog/spdlog.h>

#include "ply/deferred.hpp"
#include "ply/trace.hpp"

namespace ply {

namespace {

std::mutex unhandled_mtx;
std::vector<std::string> unhandled_log;
size_t unhandled_total = 0;

} // namespace

namespace testing {

std::vector<std::string> take_unhandled_failures() {
  std::lock_guard<std::mutex> guard{unhandled_mtx};
  std::vector<std::string> out;
  out.swap(unhandled_log);
  return out;
}

size_t unhandled_failure_count() {
  std::lock_guard<std::mutex> guard{unhandled_mtx};
  return unhandled_total;
}

} // namespace testing

namespace detail {

void report_unhandled(const failure& f) {
  auto text = f.traceback();
  spdlog::error("unhandled failure in a deferred: {}", text);
  trace::record("deferred", "\"state\":\"unhandled\",\"what\":" + trace::quote(f.message()));
  std::lock_guard<std::mutex> guard{unhandled_mtx};
  ++unhandled_total;
  unhandled_log.push_back(std::move(text));
}

} // namespace detail

} // namespace ply
