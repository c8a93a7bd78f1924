// SPDX-License-Identifier: MIT
#pragma once

#include <string>

#include <openssl/ssl.h>

#include "ply/tls.hpp"

namespace ply {

/// What a `tls_context` holds: OpenSSL's context and, for clients, whether and against which
/// name the server's certificate is checked.
struct tls_context::impl {
  SSL_CTX* ctx = nullptr;
  bool server = false;
  bool verify = true;
  std::string host;
  ~impl();
};

namespace detail {

/// The newest error on OpenSSL's queue, as text (and the queue emptied); `fallback` when there
/// is none.
std::string openssl_error(const std::string& fallback = "unknown error");

} // namespace detail

} // namespace ply
