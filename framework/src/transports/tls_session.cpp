// SPDX-License-Identifier: MIT
#include "transports/tls_session.hpp"

#include <openssl/err.h>
#include <openssl/x509v3.h>

#include "transports/tls_context_impl.hpp"

namespace ply {

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
