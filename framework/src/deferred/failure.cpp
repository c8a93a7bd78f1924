// SPDX-License-Identifier: MIT
#include "ply/failure.hpp"

#include <caf/sec.hpp>

namespace ply {

namespace {

std::string message_of(const std::exception_ptr& ex) {
  try {
    std::rethrow_exception(ex);
  } catch (const failure& f) {
    return f.message();
  } catch (const std::exception& e) {
    return e.what();
  } catch (...) {
    return "unknown exception";
  }
}

} // namespace

failure::failure() = default;

failure::failure(caf::error err) : error_(std::move(err)), message_(describe(error_)) {
}

failure::failure(std::exception_ptr ex) : exception_(std::move(ex)), message_(message_of(exception_)) {
}

failure failure::current() {
  auto ex = std::current_exception();
  try {
    std::rethrow_exception(ex);
  } catch (const failure& f) {
    // A re-raised failure keeps its identity and its steps.
    return f;
  } catch (...) {
    return failure{ex};
  }
}

bool failure::is(errc code) const {
  return ply::is(error_, code);
}

bool failure::is_timeout_code() const {
  return ply::is(error_, errc::timeout) || error_ == caf::sec::request_timeout;
}

void failure::raise() const {
  if (exception_)
    std::rethrow_exception(exception_);
  throw *this;
}

caf::error failure::error() const {
  if (error_)
    return error_;
  if (is<timeout_error>())
    return make_error(errc::timeout, message_);
  if (is<cancelled_error>())
    return make_error(errc::cancelled, message_);
  return make_error(errc::protocol_error, message_);
}

std::string failure::traceback() const {
  std::string out = message_;
  for (auto& s : steps_)
    out += "\n  at " + s;
  return out;
}

} // namespace ply
