// Test certificates made at test time with OpenSSL's API: a CA, intermediates
// and leaves with chosen subjectAltNames (dNSName, SRVName and XmppAddr
// otherNames, any bytes, any string type), commonNames, validity, keyUsage,
// extendedKeyUsage and basicConstraints. Keys are EC P-256, fresh per run;
// nothing is written to disk.
#ifndef XMPPFUZZ_TESTS_TLS_CERT_BUILDER_H_
#define XMPPFUZZ_TESTS_TLS_CERT_BUILDER_H_

#include <openssl/evp.h>
#include <openssl/x509.h>

#include <cstdint>
#include <memory>
#include <string>
#include <vector>

namespace xmppfuzz::tls::testing {

// kNow is the fixed verification time of the tests (2023-11-14T22:13:20Z).
constexpr int64_t kNow = 1700000000;
constexpr int64_t kDay = 86400;

struct KeyFree {
  void operator()(EVP_PKEY* k) const { EVP_PKEY_free(k); }
};
struct CertFree {
  void operator()(X509* x) const { X509_free(x); }
};
using KeyPtr = std::unique_ptr<EVP_PKEY, KeyFree>;
using CertPtr = std::unique_ptr<X509, CertFree>;

// San is one subjectAltName entry.
struct San {
  enum Type { kDns, kSrv, kXmppAddr, kEmail, kUri, kIp } type = kDns;
  std::string value;  // bytes as encoded (NULs and non-ASCII allowed; kIp: 4 or 16 address bytes)
  // For kSrv / kXmppAddr: the ASN.1 type of the otherName value; -1 means
  // the right one (IA5String for SRVName, UTF8String for XmppAddr).
  int string_type = -1;
};
San Dns(std::string v);
San Srv(std::string v);
San Xmpp(std::string v);

struct CertSpec {
  std::vector<std::string> common_names;  // subject CNs, in order (none: no CN)
  std::vector<San> sans;                  // empty: no subjectAltName extension
  bool empty_san_extension = false;       // a subjectAltName extension with only an email entry
  int64_t not_before = kNow - kDay;
  int64_t not_after = kNow + 365 * kDay;
  // Extension values in OpenSSL's configuration syntax; empty: absent.
  std::string basic_constraints;          // "critical,CA:TRUE,pathlen:0", "CA:FALSE"
  std::string key_usage;                  // "critical,digitalSignature"
  std::string ext_key_usage;              // "serverAuth,clientAuth"
  long serial = 1;
};

// Issued is a certificate and its key.
struct Issued {
  CertPtr cert;
  KeyPtr key;
  std::string der;
};

// NewKey makes an EC P-256 key.
KeyPtr NewKey();

// Issue builds and signs the certificate |spec| describes, with |issuer|'s
// name and key (nullptr: self-signed), for a fresh key or for |reuse_key|
// (a re-issued certificate). Aborts the test program on an OpenSSL failure
// (a broken test helper is not a test result).
Issued Issue(const CertSpec& spec, const Issued* issuer, EVP_PKEY* reuse_key = nullptr);

// CaSpec / LeafSpec are the usual shapes: a CA with keyCertSign and a
// server leaf for |domain| with DNS-ID, digitalSignature and serverAuth.
CertSpec CaSpec(std::string cn);
CertSpec LeafSpec(std::vector<San> sans);

}  // namespace xmppfuzz::tls::testing

#endif  // XMPPFUZZ_TESTS_TLS_CERT_BUILDER_H_
