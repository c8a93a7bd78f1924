// SPDX-License-Identifier: MIT
// TLS: contexts from PEM files (errors name the file), and a TLS echo between a server and a
// client of one reactor, with a certificate made for the test.
#include "ply/tls.hpp"

#include <catch2/catch.hpp>

#include <cstdio>
#include <fstream>
#include <string>

#include <openssl/ec.h>
#include <openssl/evp.h>
#include <openssl/pem.h>
#include <openssl/x509.h>
#include <openssl/x509v3.h>

#include "ply/error.hpp"
#include "ply/factory.hpp"
#include "ply/protocol.hpp"
#include "recorder.hpp"
#include "running_reactor.hpp"
#include "socket_client.hpp"
#include "temp_dir.hpp"
#include "test_protocols.hpp"

using namespace ply;
using namespace ply::test;
using namespace std::chrono_literals;

namespace {

/// A self-signed certificate for 127.0.0.1 and its key, written to a fresh directory.
struct test_certificate {
  test_certificate() {
    EVP_PKEY* pkey = EVP_EC_gen("P-256");
    X509* x = X509_new();
    ASN1_INTEGER_set(X509_get_serialNumber(x), 1);
    X509_gmtime_adj(X509_getm_notBefore(x), 0);
    X509_gmtime_adj(X509_getm_notAfter(x), 3600);
    X509_set_pubkey(x, pkey);
    auto* name = X509_get_subject_name(x);
    X509_NAME_add_entry_by_txt(name, "CN", MBSTRING_ASC,
                               reinterpret_cast<const unsigned char*>("127.0.0.1"), -1, -1, 0);
    X509_set_issuer_name(x, name);
    X509_EXTENSION* san = X509V3_EXT_conf_nid(nullptr, nullptr, NID_subject_alt_name,
                                              "IP:127.0.0.1,DNS:localhost");
    X509_add_ext(x, san, -1);
    X509_EXTENSION_free(san);
    X509_sign(x, pkey, EVP_sha256());
    FILE* f = std::fopen(key.c_str(), "w");
    PEM_write_PrivateKey(f, pkey, nullptr, nullptr, 0, nullptr, nullptr);
    std::fclose(f);
    f = std::fopen(cert.c_str(), "w");
    PEM_write_X509(f, x);
    std::fclose(f);
    X509_free(x);
    EVP_PKEY_free(pkey);
  }
  temp_dir dir;
  std::string cert = dir / "cert.pem";
  std::string key = dir / "key.pem";
};

/// Says hello once the (TLS) connection is made and records the answer.
class greeter : public protocol {
public:
  explicit greeter(recorder_ptr rec) : rec_(std::move(rec)) {
  }
  void connection_made() override {
    transport().write("hello over tls");
  }
  void data_received(bytes data) override {
    heard_ += data;
    if (heard_.size() >= 14) {
      rec_->add("heard:" + heard_);
      transport().lose_connection();
    }
  }

private:
  recorder_ptr rec_;
  std::string heard_;
};

} // namespace

TEST_CASE("tls: contexts from PEM files, and a missing or wrong file is named", "[tls]") {
  test_certificate tc;
  auto server = tls_context::server(tc.cert, tc.key);
  REQUIRE(server);
  CHECK((*server)->is_server());
  auto client = tls_context::client("", false, "");
  REQUIRE(client);
  CHECK_FALSE((*client)->is_server());
  auto missing = tls_context::server(tc.dir / "nope.pem", tc.key);
  REQUIRE_FALSE(missing);
  CHECK_THAT(describe(missing.error()), Catch::Contains("nope.pem"));
  auto swapped = tls_context::server(tc.key, tc.cert);
  REQUIRE_FALSE(swapped);
}

TEST_CASE("tls: a client and a server of one reactor talk over TLS", "[tls]") {
  test_certificate tc;
  running_reactor rr;
  auto port = rr.r.listen("ssl:0:interface=127.0.0.1:cert=" + tc.cert + ":key=" + tc.key,
                          factory::for_protocol<echo>(std::make_shared<recorder>()));
  REQUIRE(port);
  rr.start();
  auto rec = std::make_shared<recorder>();
  REQUIRE(rr.r.connect("ssl:127.0.0.1:" + std::to_string(*port) + ":ca=" + tc.cert,
                       client_factory::for_protocol<greeter>(rec)));
  rec->wait_for("heard:", 1, 5000ms);
  CHECK(rec->starting_with("heard:") == std::vector<std::string>{"heard:hello over tls"});
  // Plain bytes at a TLS port are not a handshake: that connection fails, the port goes on.
  {
    socket_client plain{*port};
    plain.send("GET / HTTP/1.0\r\n\r\n");
    auto [rest, eof] = plain.read_to_eof();
    CHECK(eof);
  }
  auto again = std::make_shared<recorder>();
  REQUIRE(rr.r.connect("ssl:127.0.0.1:" + std::to_string(*port) + ":verify=no",
                       client_factory::for_protocol<greeter>(again)));
  again->wait_for("heard:", 1, 5000ms);
  CHECK(again->count("heard:hello over tls") == 1);
}
