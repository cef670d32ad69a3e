// Test certificates through OpenSSL's X509 / X509V3 API (tests/tls/cert_builder.h).
#include "tests/tls/cert_builder.h"

#include <openssl/asn1.h>
#include <openssl/err.h>
#include <openssl/objects.h>
#include <openssl/x509v3.h>

#include <cstdio>
#include <cstdlib>

namespace xmppfuzz::tls::testing {
namespace {

[[noreturn]] void Die(const char* what) {
  std::fprintf(stderr, "cert_builder: %s failed\n", what);
  ERR_print_errors_fp(stderr);
  std::abort();
}

void Check(bool ok, const char* what) {
  if (!ok) Die(what);
}

ASN1_STRING* StringOf(int type, const std::string& bytes) {
  ASN1_STRING* s = ASN1_STRING_type_new(type);
  Check(s != nullptr && ASN1_STRING_set(s, bytes.data(), static_cast<int>(bytes.size())) == 1, "ASN1_STRING_set");
  return s;
}

GENERAL_NAME* NameOf(const San& san) {
  GENERAL_NAME* name = GENERAL_NAME_new();
  Check(name != nullptr, "GENERAL_NAME_new");
  switch (san.type) {
    case San::kDns: GENERAL_NAME_set0_value(name, GEN_DNS, StringOf(V_ASN1_IA5STRING, san.value)); break;
    case San::kEmail: GENERAL_NAME_set0_value(name, GEN_EMAIL, StringOf(V_ASN1_IA5STRING, san.value)); break;
    case San::kUri: GENERAL_NAME_set0_value(name, GEN_URI, StringOf(V_ASN1_IA5STRING, san.value)); break;
    case San::kIp: GENERAL_NAME_set0_value(name, GEN_IPADD, StringOf(V_ASN1_OCTET_STRING, san.value)); break;
    case San::kSrv:
    case San::kXmppAddr: {
      const bool srv = san.type == San::kSrv;
      const int type = san.string_type >= 0 ? san.string_type : (srv ? V_ASN1_IA5STRING : V_ASN1_UTF8STRING);
      ASN1_TYPE* value = ASN1_TYPE_new();
      Check(value != nullptr, "ASN1_TYPE_new");
      ASN1_TYPE_set(value, type, StringOf(type, san.value));
      Check(GENERAL_NAME_set0_othername(name, OBJ_nid2obj(srv ? NID_SRVName : NID_XmppAddr), value) == 1,
            "GENERAL_NAME_set0_othername");
      break;
    }
  }
  return name;
}

void AddConfExtension(X509* cert, X509* issuer, int nid, const std::string& value) {
  if (value.empty()) return;
  X509V3_CTX ctx;
  X509V3_set_ctx_nodb(&ctx);
  X509V3_set_ctx(&ctx, issuer, cert, nullptr, nullptr, 0);
  X509_EXTENSION* ext = X509V3_EXT_conf_nid(nullptr, &ctx, nid, value.c_str());
  Check(ext != nullptr, "X509V3_EXT_conf_nid");
  Check(X509_add_ext(cert, ext, -1) == 1, "X509_add_ext");
  X509_EXTENSION_free(ext);
}

}  // namespace

San Dns(std::string v) { return {San::kDns, std::move(v)}; }
San Srv(std::string v) { return {San::kSrv, std::move(v)}; }
San Xmpp(std::string v) { return {San::kXmppAddr, std::move(v)}; }

KeyPtr NewKey() {
  KeyPtr key(EVP_EC_gen("P-256"));
  Check(key != nullptr, "EVP_EC_gen");
  return key;
}

Issued Issue(const CertSpec& spec, const Issued* issuer, EVP_PKEY* reuse_key) {
  Issued out;
  if (reuse_key != nullptr) {
    Check(EVP_PKEY_up_ref(reuse_key) == 1, "EVP_PKEY_up_ref");
    out.key.reset(reuse_key);
  } else {
    out.key = NewKey();
  }
  out.cert.reset(X509_new());
  X509* x = out.cert.get();
  Check(x != nullptr && X509_set_version(x, X509_VERSION_3) == 1, "X509_set_version");
  Check(ASN1_INTEGER_set(X509_get_serialNumber(x), spec.serial) == 1, "serial");
  Check(ASN1_TIME_set(X509_getm_notBefore(x), static_cast<time_t>(spec.not_before)) != nullptr, "notBefore");
  Check(ASN1_TIME_set(X509_getm_notAfter(x), static_cast<time_t>(spec.not_after)) != nullptr, "notAfter");
  X509_NAME* subject = X509_get_subject_name(x);
  for (const std::string& cn : spec.common_names)
    Check(X509_NAME_add_entry_by_NID(subject, NID_commonName, MBSTRING_UTF8,
                                     reinterpret_cast<const unsigned char*>(cn.data()), static_cast<int>(cn.size()), -1,
                                     0) == 1,
          "CN");
  if (spec.common_names.empty())
    Check(X509_NAME_add_entry_by_NID(subject, NID_organizationName, MBSTRING_UTF8,
                                     reinterpret_cast<const unsigned char*>("xmppfuzz test"), -1, -1, 0) == 1,
          "O");
  X509* signer = issuer != nullptr ? issuer->cert.get() : x;
  Check(X509_set_issuer_name(x, X509_get_subject_name(signer)) == 1, "issuer name");
  Check(X509_set_pubkey(x, out.key.get()) == 1, "X509_set_pubkey");

  AddConfExtension(x, signer, NID_basic_constraints, spec.basic_constraints);
  AddConfExtension(x, signer, NID_key_usage, spec.key_usage);
  AddConfExtension(x, signer, NID_ext_key_usage, spec.ext_key_usage);
  AddConfExtension(x, signer, NID_subject_key_identifier, "hash");
  if (issuer != nullptr) AddConfExtension(x, signer, NID_authority_key_identifier, "keyid:always");
  if (!spec.sans.empty() || spec.empty_san_extension) {
    GENERAL_NAMES* names = sk_GENERAL_NAME_new_null();
    for (const San& san : spec.sans) sk_GENERAL_NAME_push(names, NameOf(san));
    if (spec.empty_san_extension) sk_GENERAL_NAME_push(names, NameOf({San::kEmail, "admin@example.org"}));
    Check(X509_add1_ext_i2d(x, NID_subject_alt_name, names, 0, X509V3_ADD_DEFAULT) == 1, "subjectAltName");
    GENERAL_NAMES_free(names);
  }
  EVP_PKEY* signing_key = issuer != nullptr ? issuer->key.get() : out.key.get();
  Check(X509_sign(x, signing_key, EVP_sha256()) > 0, "X509_sign");
  unsigned char* der = nullptr;
  const int n = i2d_X509(x, &der);
  Check(n > 0, "i2d_X509");
  out.der.assign(reinterpret_cast<const char*>(der), static_cast<size_t>(n));
  OPENSSL_free(der);
  return out;
}

CertSpec CaSpec(std::string cn) {
  CertSpec spec;
  spec.common_names = {std::move(cn)};
  spec.basic_constraints = "critical,CA:TRUE";
  spec.key_usage = "critical,keyCertSign,cRLSign";
  spec.not_before = kNow - 30 * kDay;
  spec.not_after = kNow + 3650 * kDay;
  return spec;
}

CertSpec LeafSpec(std::vector<San> sans) {
  CertSpec spec;
  spec.sans = std::move(sans);
  spec.basic_constraints = "critical,CA:FALSE";
  spec.key_usage = "critical,digitalSignature";
  spec.ext_key_usage = "serverAuth,clientAuth";
  spec.serial = 2;
  return spec;
}

}  // namespace xmppfuzz::tls::testing
