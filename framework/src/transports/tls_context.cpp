// SPDX-License-Identifier: MIT
#include "ply/tls.hpp"

#include <unistd.h>

#include <cerrno>
#include <cstring>

#include <openssl/err.h>
#include <openssl/x509v3.h>

#include "transports/tls_context_impl.hpp"
#include "ply/error.hpp"

namespace ply {

namespace detail {

std::string openssl_error(const std::string& fallback) {
  unsigned long e = 0;
  unsigned long last = 0;
  while ((e = ERR_get_error()) != 0)
    last = e;
  if (last == 0)
    return fallback;
  char buf[256];
  ERR_error_string_n(last, buf, sizeof(buf));
  return buf;
}

} // namespace detail

namespace {

using detail::openssl_error;

/// Why `path` cannot be read ("No such file or directory"), or empty: OpenSSL itself only says
/// "system lib".
std::string unreadable(const std::string& path) {
  if (::access(path.c_str(), R_OK) == 0)
    return {};
  return std::strerror(errno);
}

} // namespace

tls_context::impl::~impl() {
  if (ctx)
    SSL_CTX_free(ctx);
}

tls_context::tls_context(std::unique_ptr<impl> p) : impl_(std::move(p)) {
}

tls_context::~tls_context() = default;

bool tls_context::is_server() const {
  return impl_->server;
}

caf::expected<std::shared_ptr<tls_context>> tls_context::server(const std::string& cert_file,
                                                                const std::string& key_file) {
  ERR_clear_error();
  auto p = std::make_unique<impl>();
  p->server = true;
  p->ctx = SSL_CTX_new(TLS_server_method());
  if (!p->ctx)
    return make_error(errc::listen_failed, "cannot create a TLS context: " + openssl_error());
  SSL_CTX_set_min_proto_version(p->ctx, TLS1_2_VERSION);
  if (cert_file.empty() || key_file.empty())
    return make_error(errc::bad_endpoint, "a TLS server needs cert=FILE and key=FILE");
  for (auto* file : {&cert_file, &key_file})
    if (auto why = unreadable(*file); !why.empty())
      return make_error(errc::listen_failed, "cannot read '" + *file + "': " + why);
  if (SSL_CTX_use_certificate_chain_file(p->ctx, cert_file.c_str()) != 1)
    return make_error(errc::listen_failed,
                      "cannot use certificate '" + cert_file + "': " + openssl_error());
  if (SSL_CTX_use_PrivateKey_file(p->ctx, key_file.c_str(), SSL_FILETYPE_PEM) != 1)
    return make_error(errc::listen_failed, "cannot use key '" + key_file + "': " + openssl_error());
  if (SSL_CTX_check_private_key(p->ctx) != 1)
    return make_error(errc::listen_failed,
                      "key '" + key_file + "' does not match certificate '" + cert_file + "'");
  return std::shared_ptr<tls_context>{new tls_context(std::move(p))};
}

caf::expected<std::shared_ptr<tls_context>> tls_context::client(const std::string& ca_file,
                                                                bool verify, std::string host) {
  ERR_clear_error();
  auto p = std::make_unique<impl>();
  p->ctx = SSL_CTX_new(TLS_client_method());
  if (!p->ctx)
    return make_error(errc::connect_failed, "cannot create a TLS context: " + openssl_error());
  SSL_CTX_set_min_proto_version(p->ctx, TLS1_2_VERSION);
  p->verify = verify;
  p->host = std::move(host);
  if (verify) {
    SSL_CTX_set_verify(p->ctx, SSL_VERIFY_PEER, nullptr);
    if (auto why = ca_file.empty() ? std::string{} : unreadable(ca_file); !why.empty())
      return make_error(errc::connect_failed, "cannot read '" + ca_file + "': " + why);
    auto ok = ca_file.empty() ? SSL_CTX_set_default_verify_paths(p->ctx)
                              : SSL_CTX_load_verify_locations(p->ctx, ca_file.c_str(), nullptr);
    if (ok != 1)
      return make_error(errc::connect_failed,
                        "cannot load certificate authorities '" + ca_file + "': " + openssl_error());
  } else {
    SSL_CTX_set_verify(p->ctx, SSL_VERIFY_NONE, nullptr);
  }
  return std::shared_ptr<tls_context>{new tls_context(std::move(p))};
}

} // namespace ply
