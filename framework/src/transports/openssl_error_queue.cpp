// SPDX-License-Identifier: MIT
// OpenSSL keeps one error queue per thread, and SSL_get_error() reports whatever is on it: a
// connection whose handshake failed leaves its errors there, and the next SSL call of another
// connection on that thread then "fails" too. CAF 0.17's OpenSSL module drains the queue only
// inside log statements, which Debian's build compiles out: one bad handshake on a cluster port
// dropped every TLS link of the node. These wrappers clear the queue before each SSL I/O call, as
// OpenSSL's documentation asks. They take effect where the executable exports its symbols (plyd
// does), since the dynamic linker then binds CAF's calls to them.
#include <dlfcn.h>

#include <openssl/err.h>
#include <openssl/ssl.h>

namespace {

template <class F>
F next(const char* name) {
  return reinterpret_cast<F>(::dlsym(RTLD_NEXT, name));
}

} // namespace

extern "C" {

__attribute__((visibility("default"))) int SSL_read(SSL* ssl, void* buf, int num) {
  static auto real = next<int (*)(SSL*, void*, int)>("SSL_read");
  ERR_clear_error();
  return real(ssl, buf, num);
}

__attribute__((visibility("default"))) int SSL_write(SSL* ssl, const void* buf, int num) {
  static auto real = next<int (*)(SSL*, const void*, int)>("SSL_write");
  ERR_clear_error();
  return real(ssl, buf, num);
}

__attribute__((visibility("default"))) int SSL_connect(SSL* ssl) {
  static auto real = next<int (*)(SSL*)>("SSL_connect");
  ERR_clear_error();
  return real(ssl);
}

__attribute__((visibility("default"))) int SSL_accept(SSL* ssl) {
  static auto real = next<int (*)(SSL*)>("SSL_accept");
  ERR_clear_error();
  return real(ssl);
}

} // extern "C"
