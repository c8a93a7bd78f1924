// SPDX-License-Identifier: MIT
#pragma once

#include <memory>
#include <string>

#include <caf/expected.hpp>

namespace ply {

namespace detail {
class tls_session;
}

/// TLS settings for stream connections (OpenSSL): a server's certificate and key, or what a client
/// trusts. Built once and shared by every connection that uses it; `ssl:` endpoints build their
/// own from their options, and `transport::start_tls` takes one to upgrade a running connection.
class tls_context {
public:
  struct impl;

  /// For servers: a certificate chain and its private key, PEM files. Errors name the file.
  static caf::expected<std::shared_ptr<tls_context>> server(const std::string& cert_file,
                                                            const std::string& key_file);

  /// For clients: the server's certificate is checked against `ca_file` (empty: the system's
  /// certificate authorities) and against `host` (empty: no name check), unless `verify` is false.
  static caf::expected<std::shared_ptr<tls_context>> client(const std::string& ca_file,
                                                            bool verify, std::string host);

  ~tls_context();

  bool is_server() const;

private:
  friend class detail::tls_session;
  impl& get() const {
    return *impl_;
  }

  explicit tls_context(std::unique_ptr<impl> p);
  std::unique_ptr<impl> impl_;
};

using tls_context_ptr = std::shared_ptr<tls_context>;

} // namespace ply
