// SPDX-License-Identifier: MIT
#pragma once

#include <string>

#include <openssl/ssl.h>

#include "ply/bytes.hpp"
#include "ply/tls.hpp"

namespace ply::detail {

/// One connection's TLS state over memory BIOs: ciphertext in from the socket, plaintext out to
/// the protocol, and back. Pure OpenSSL, no I/O of its own.
class tls_session {
public:
  explicit tls_session(const tls_context& ctx);
  ~tls_session();
  tls_session(const tls_session&) = delete;
  tls_session& operator=(const tls_session&) = delete;

  /// Starts the handshake (a client's first flight goes to `drain`).
  bool start(std::string& error);

  /// Feeds ciphertext from the network and appends what it decrypts to `plain`. False with
  /// `error` when the session failed; `closed` when the peer sent its close_notify.
  bool feed(const char* data, size_t n, std::string& plain, bool& closed, std::string& error);

  /// Encrypts `plain`, or keeps it until the handshake is done.
  bool write(bytes_view plain, std::string& error);

  /// Queues our close_notify.
  void shutdown();

  /// Moves the ciphertext waiting for the network to the end of `out`.
  void drain(std::string& out);

  bool handshake_done() const;

private:
  bool advance(std::string& error);
  std::string last_error(int ret);

  SSL* ssl_ = nullptr;
  BIO* rbio_ = nullptr;  ///< network -> OpenSSL
  BIO* wbio_ = nullptr;  ///< OpenSSL -> network
  std::string pending_;  ///< plaintext written before the handshake finished
};

} // namespace ply::detail
