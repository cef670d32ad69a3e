// cert_identity_fuzzer: certificate identity (targets/tls) on hostile DER and
// a fuzzer-chosen reference identity.
// Input: a flags byte (bit 0: s2s; bits 1-3: how the reference is made;
// bit 4: also run the whole verifier), an identifier index, a short string,
// then the DER certificate. The reference is the string itself or is derived
// from one of the certificate's own identifiers (its first label replaced or
// dropped, a label or bytes prepended, a dot appended, upper-cased), so near
// misses are tried all the time.
// Properties:
//  1. Never a match across domains. The harness reads the identifiers' raw
//     bytes itself (GENERAL_NAME / X509_NAME, no normalization) and a match
//     is allowed only when one of them is, in lower case, the reference; or
//     "_xmpp-client." / "_xmpp-server." (by stream kind) + the reference for
//     an SRVName; or "*." + R where the reference is one label + "." + R and
//     R has two labels or more (dNSName, or CN when there is no
//     subjectAltName at all). A NUL, a trailing dot, a partial or inner
//     wildcard, a wildcard across labels, a CN behind a SAN or the wrong SRV
//     service can never satisfy it.
//  2. Agreement with OpenSSL's X509_check_host (NO_PARTIAL_WILDCARDS,
//     NEVER_CHECK_SUBJECT) when every subjectAltName entry is a dNSName.
//     Excluded, because the rules differ on purpose: a wildcard over a
//     public suffix of two or more labels ("*.co.uk": libpsl says no,
//     OpenSSL says yes).
//  3. The verifier (pin-only, the certificate's own pin) says wrong-name
//     exactly when the matcher found no match.
#include <idn2.h>
#include <openssl/x509.h>
#include <openssl/x509v3.h>

#include <array>
#include <memory>
#include <string>
#include <vector>

#include "harnesses/harness.h"
#include "targets/tls/tls.h"

namespace {

using namespace xmppfuzz;

struct Raw {
  enum Kind { kDns, kSrv, kXmpp, kCn } kind;
  std::string bytes;
};

std::string Lower(std::string s) {
  for (char& c : s)
    if (c >= 'A' && c <= 'Z') c = static_cast<char>(c - 'A' + 'a');
  return s;
}

std::string Bytes(const ASN1_STRING* s) {
  return s == nullptr ? "" : std::string(reinterpret_cast<const char*>(ASN1_STRING_get0_data(s)), ASN1_STRING_length(s));
}

bool HasHighByte(const std::string& s) {
  for (char c : s)
    if (static_cast<unsigned char>(c) > 0x7F) return true;
  return false;
}

// Certificate is what the harness reads for itself.
struct Certificate {
  std::vector<Raw> ids;
  bool has_san = false;
  bool san_decoded = false;
  bool only_dns = true;
};

Certificate Read(X509* x) {
  Certificate c;
  c.has_san = X509_get_ext_by_NID(x, NID_subject_alt_name, -1) >= 0;
  auto* names = static_cast<GENERAL_NAMES*>(X509_get_ext_d2i(x, NID_subject_alt_name, nullptr, nullptr));
  c.san_decoded = names != nullptr;
  for (int i = 0; names && i < sk_GENERAL_NAME_num(names); ++i) {
    const GENERAL_NAME* g = sk_GENERAL_NAME_value(names, i);
    if (g->type == GEN_DNS) {
      c.ids.push_back({Raw::kDns, Bytes(g->d.dNSName)});
      continue;
    }
    c.only_dns = false;
    if (g->type != GEN_OTHERNAME) continue;
    const int nid = OBJ_obj2nid(g->d.otherName->type_id);
    const ASN1_TYPE* v = g->d.otherName->value;
    const bool text = v != nullptr && v->type != V_ASN1_BOOLEAN && v->type != V_ASN1_NULL && v->type != V_ASN1_OBJECT;
    if (nid == NID_SRVName && text) c.ids.push_back({Raw::kSrv, Bytes(v->value.asn1_string)});
    if (nid == NID_XmppAddr && text) c.ids.push_back({Raw::kXmpp, Bytes(v->value.asn1_string)});
  }
  GENERAL_NAMES_free(names);
  X509_NAME* subject = X509_get_subject_name(x);
  for (int i = -1; subject && (i = X509_NAME_get_index_by_NID(subject, NID_commonName, i)) >= 0;) {
    const ASN1_STRING* data = X509_NAME_ENTRY_get_data(X509_NAME_get_entry(subject, i));
    unsigned char* utf8 = nullptr;
    const int n = ASN1_STRING_to_UTF8(&utf8, data);
    c.ids.push_back({Raw::kCn, n >= 0 ? std::string(reinterpret_cast<char*>(utf8), n) : Bytes(data)});
    OPENSSL_free(utf8);
  }
  return c;
}

// Allowed is property 1's necessary condition for a match of |ref|.
bool Allowed(const Certificate& c, const std::string& ref, tls::XmppService service) {
  const std::string srv = service == tls::XmppService::kClientToServer ? "_xmpp-client." : "_xmpp-server.";
  for (const Raw& id : c.ids) {
    std::string l = Lower(id.bytes);
    if (id.kind == Raw::kXmpp && HasHighByte(l)) {
      if (l.find('\0') != std::string::npos) continue;
      char* ascii = nullptr;
      if (idn2_to_ascii_8z(id.bytes.c_str(), &ascii, IDN2_NONTRANSITIONAL) != IDN2_OK) continue;
      l = Lower(ascii);
      idn2_free(ascii);
    }
    switch (id.kind) {
      case Raw::kXmpp:
        if (l == ref) return true;
        break;
      case Raw::kSrv:
        if (l == srv + ref) return true;
        break;
      case Raw::kCn:
        if (c.has_san) break;
        [[fallthrough]];
      case Raw::kDns: {
        if (l == ref) return true;
        if (l.size() < 3 || l.compare(0, 2, "*.") != 0) break;
        const std::string rest = l.substr(2);
        const size_t dot = ref.find('.');
        if (rest.find('.') != std::string::npos && dot != std::string::npos && dot > 0 && ref.substr(dot + 1) == rest)
          return true;
        break;
      }
    }
  }
  return false;
}

// Reference derives the reference identity from the fuzzer's choices.
std::string Reference(int op, const std::string& base, std::string_view str) {
  const size_t dot = base.find('.');
  const std::string after = dot == std::string::npos ? "" : base.substr(dot + 1);
  switch (op) {
    case 1: return base;
    case 2: return std::string(str) + (dot == std::string::npos ? "" : "." + after);
    case 3: return after;
    case 4: return std::string(str) + "." + base;
    case 5: return base + ".";
    case 6: {
      std::string up = base;
      for (char& ch : up)
        if (ch >= 'a' && ch <= 'z') ch = static_cast<char>(ch - 'a' + 'A');
      return up;
    }
    case 7: return std::string(str) + base;
    default: return std::string(str);
  }
}

}  // namespace

extern "C" int LLVMFuzzerTestOneInput(const uint8_t* data, size_t size) {
  const std::string_view input(reinterpret_cast<const char*>(data), size);
  harness::FuzzInput in(data, size);
  const uint8_t flags = in.Byte();
  const uint8_t index = in.Byte();
  const std::string_view str = in.String(64);
  const std::string_view der = in.Rest();
  const auto service = (flags & 1) ? tls::XmppService::kServerToServer : tls::XmppService::kClientToServer;

  tls::PresentedIdentifiers ids;
  if (tls::ExtractPresentedIdentifiers(der, &ids) != tls::CertError::kNone) return 0;
  const unsigned char* p = reinterpret_cast<const unsigned char*>(der.data());
  std::unique_ptr<X509, decltype(&X509_free)> x(d2i_X509(nullptr, &p, static_cast<long>(der.size())), X509_free);
  if (!x) harness::Fail("the library parsed DER that d2i_X509 refuses", input);
  const Certificate cert = Read(x.get());

  const std::string base = cert.ids.empty() ? "" : cert.ids[index % cert.ids.size()].bytes;
  std::string ref;
  if (tls::NormalizeReferenceDomain(Reference((flags >> 1) & 7, base, str), &ref) != tls::CertError::kNone) return 0;

  const tls::IdentityMatch match = tls::MatchReferenceIdentity(ids, ref, service);
  if (match.matched && !Allowed(cert, ref, service))
    harness::Fail("match across domains: reference " + base::EscapeBytes(ref) + " via " +
                      std::string(tls::IdKindName(match.kind)) + " " + base::EscapeBytes(ids.ids[match.index].raw),
                  input);

  if (cert.has_san && cert.san_decoded && cert.only_dns) {
    bool excluded = false;
    for (const Raw& id : cert.ids) {
      const std::string l = Lower(id.bytes);
      if (id.kind == Raw::kDns && l.size() > 2 && l.compare(0, 2, "*.") == 0 && l.find('.', 2) != std::string::npos &&
          l.find('\0') == std::string::npos && tls::IsPublicSuffix(l.substr(2)))
        excluded = true;
    }
    const bool openssl = X509_check_host(x.get(), ref.data(), ref.size(),
                                         X509_CHECK_FLAG_NO_PARTIAL_WILDCARDS | X509_CHECK_FLAG_NEVER_CHECK_SUBJECT,
                                         nullptr) == 1;
    if (!excluded && openssl != match.matched)
      harness::Fail("X509_check_host says " + std::string(openssl ? "match" : "no match") + " for " +
                        base::EscapeBytes(ref),
                    input);
  }

  if (flags & 16) {
    tls::VerifyConfig config;
    config.reference_domain = ref;
    config.service = service;
    config.pin_mode = tls::PinMode::kInsteadOfChain;
    config.verification_time = 1700000000;
    std::array<uint8_t, 32> digest;
    if (tls::SpkiSha256(der, &digest) != tls::CertError::kNone) return 0;
    config.pins = {tls::EncodePin(digest, tls::PinEncoding::kBase64)};
    const tls::CertFailure f = tls::VerifyPeerCertificateDer(config, der, {});
    if ((f.code == tls::CertError::kWrongName) == match.matched || (!f.ok() && f.code != tls::CertError::kWrongName))
      harness::Fail("verifier and matcher disagree: " + tls::Describe(f), input);
  }
  return 0;
}
