#include "ply/tls.hpp"

#include <unistd.h>

#include <cerrno>
#include <cstring>

#include <openssl/err.h>
#include <openssl/x509v3.h>

#include "transports/tls_session.hpp"
#include "ply/error.hpp"

namespace ply {

namespace {

/// The newest error on OpenSSL's queue, as text (and the queue emptied).
std::string openssl_error(const std::string& fallback = "unknown error") {
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

namespace detail {

tls_session::tls_session(const tls_context& ctx) {
  auto& c = ctx.get();
  ssl_ = SSL_new(c.ctx);
  rbio_ = BIO_new(BIO_s_mem());
  wbio_ = BIO_new(BIO_s_mem());
  SSL_set_bio(ssl_, rbio_, wbio_);  // the SSL object owns both BIOs now
  if (c.server) {
    SSL_set_accept_state(ssl_);
  } else {
    SSL_set_connect_state(ssl_);
    if (!c.host.empty()) {
      SSL_set_tlsext_host_name(ssl_, c.host.c_str());
      if (c.verify)
        SSL_set1_host(ssl_, c.host.c_str());
    }
  }
}

tls_session::~tls_session() {
  SSL_free(ssl_);
}

bool tls_session::handshake_done() const {
  return SSL_is_init_finished(ssl_) == 1;
}

std::string tls_session::last_error(int ret) {
  auto code = SSL_get_error(ssl_, ret);
  if (code == SSL_ERROR_SSL) {
    auto verify = SSL_get_verify_result(ssl_);
    if (verify != X509_V_OK)
      return std::string{"certificate verification failed: "}
             + X509_verify_cert_error_string(verify);
    return openssl_error();
  }
  return "TLS error " + std::to_string(code);
}

bool tls_session::advance(std::string& error) {
  if (handshake_done())
    return true;
  ERR_clear_error();
  auto ret = SSL_do_handshake(ssl_);
  if (ret == 1)
    return write(bytes_view{}, error);  // flushes what waited for the handshake
  auto code = SSL_get_error(ssl_, ret);
  if (code == SSL_ERROR_WANT_READ || code == SSL_ERROR_WANT_WRITE)
    return true;
  error = "TLS handshake failed: " + last_error(ret);
  return false;
}

bool tls_session::start(std::string& error) {
  return advance(error);
}

bool tls_session::feed(const char* data, size_t n, std::string& plain, bool& closed,
                       std::string& error) {
  closed = false;
  if (n > 0)
    BIO_write(rbio_, data, static_cast<int>(n));
  if (!advance(error))
    return false;
  if (!handshake_done())
    return true;
  char buf[16 * 1024];
  for (;;) {
    ERR_clear_error();
    auto ret = SSL_read(ssl_, buf, sizeof(buf));
    if (ret > 0) {
      plain.append(buf, static_cast<size_t>(ret));
      continue;
    }
    auto code = SSL_get_error(ssl_, ret);
    if (code == SSL_ERROR_WANT_READ || code == SSL_ERROR_WANT_WRITE)
      return true;
    if (code == SSL_ERROR_ZERO_RETURN) {
      closed = true;
      return true;
    }
    error = "TLS failed: " + last_error(ret);
    return false;
  }
}

bool tls_session::write(bytes_view plain, std::string& error) {
  if (!handshake_done()) {
    pending_.append(plain.data(), plain.size());
    return true;
  }
  if (!pending_.empty()) {
    auto waiting = std::move(pending_);
    pending_.clear();
    if (!write(waiting, error))
      return false;
  }
  size_t off = 0;
  while (off < plain.size()) {
    ERR_clear_error();
    auto ret = SSL_write(ssl_, plain.data() + off, static_cast<int>(plain.size() - off));
    if (ret <= 0) {
      error = "TLS write failed: " + last_error(ret);
      return false;
    }
    off += static_cast<size_t>(ret);
  }
  return true;
}

void tls_session::shutdown() {
  if (handshake_done()) {
    ERR_clear_error();
    SSL_shutdown(ssl_);
  }
}

void tls_session::drain(std::string& out) {
  char buf[16 * 1024];
  int n = 0;
  while ((n = BIO_read(wbio_, buf, sizeof(buf))) > 0)
    out.append(buf, static_cast<size_t>(n));
}

} // namespace detail

} // namespace ply
