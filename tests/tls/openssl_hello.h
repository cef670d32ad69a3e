// Test support: a real ClientHello from OpenSSL, captured in memory at test
// time (an SSL client over memory BIOs, SSL_connect until it wants to read).
#ifndef XMPPFUZZ_TESTS_TLS_OPENSSL_HELLO_H_
#define XMPPFUZZ_TESTS_TLS_OPENSSL_HELLO_H_

#include <openssl/ssl.h>

#include <string>

namespace xmppfuzz::tls::testing {

// OpenSslClientHello returns the bytes (records) an OpenSSL client sends
// first, with SNI |sni| (none if empty), ALPN |alpn| (a wire-format list,
// none if empty) and the highest version |max_version| (e.g. TLS1_3_VERSION).
inline std::string OpenSslClientHello(const std::string& sni, const std::string& alpn, int max_version) {
  SSL_CTX* ctx = SSL_CTX_new(TLS_client_method());
  SSL_CTX_set_max_proto_version(ctx, max_version);
  SSL* ssl = SSL_new(ctx);
  BIO* rbio = BIO_new(BIO_s_mem());
  BIO* wbio = BIO_new(BIO_s_mem());
  SSL_set_bio(ssl, rbio, wbio);
  if (!sni.empty()) SSL_set_tlsext_host_name(ssl, sni.c_str());
  if (!alpn.empty()) SSL_set_alpn_protos(ssl, reinterpret_cast<const unsigned char*>(alpn.data()), alpn.size());
  SSL_connect(ssl);  // wants to read the ServerHello: returns -1
  std::string out;
  char buf[4096];
  int n;
  while ((n = BIO_read(wbio, buf, sizeof buf)) > 0) out.append(buf, n);
  SSL_free(ssl);
  SSL_CTX_free(ctx);
  return out;
}

}  // namespace xmppfuzz::tls::testing

#endif  // XMPPFUZZ_TESTS_TLS_OPENSSL_HELLO_H_
