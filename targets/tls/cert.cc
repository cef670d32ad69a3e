// Certificate identity for XMPP (RFC 6125, RFC 6120 section 13.7, RFC 7590),
// chain validation through OpenSSL's X509_verify_cert, and SPKI pinning.
// Certificates are read only through OpenSSL's X509 / GENERAL_NAME API; names
// are compared in lower-case A-label form; libidn2 converts U-labels and
// libpsl's built-in list says what a public suffix is.
#include <idn2.h>
#include <libpsl.h>
#include <openssl/asn1.h>
#include <openssl/evp.h>
#include <openssl/objects.h>
#include <openssl/sha.h>
#include <openssl/x509.h>
#include <openssl/x509_vfy.h>
#include <openssl/x509v3.h>

#include <cstring>
#include <memory>

#include "targets/tls/tls.h"

namespace xmppfuzz::tls {
namespace {

template <auto Fn>
struct Free {
  template <class T>
  void operator()(T* p) const { Fn(p); }
};
using X509Ptr = std::unique_ptr<X509, Free<X509_free>>;
using StorePtr = std::unique_ptr<X509_STORE, Free<X509_STORE_free>>;
using StoreCtxPtr = std::unique_ptr<X509_STORE_CTX, Free<X509_STORE_CTX_free>>;
using NamesPtr = std::unique_ptr<GENERAL_NAMES, Free<GENERAL_NAMES_free>>;
struct ChainFree {
  void operator()(STACK_OF(X509) * s) const { sk_X509_pop_free(s, X509_free); }
};
using ChainPtr = std::unique_ptr<STACK_OF(X509), ChainFree>;

constexpr std::string_view kClientService = "_xmpp-client.";
constexpr std::string_view kServerService = "_xmpp-server.";

// ParseDer reads exactly one certificate from |der|; trailing bytes refuse it.
X509Ptr ParseDer(std::string_view der) {
  const unsigned char* p = reinterpret_cast<const unsigned char*>(der.data());
  X509Ptr x(d2i_X509(nullptr, &p, static_cast<long>(der.size())));
  if (x && p != reinterpret_cast<const unsigned char*>(der.data()) + der.size()) x.reset();
  return x;
}

std::string Lower(std::string_view s) {
  std::string out(s);
  for (char& c : out)
    if (c >= 'A' && c <= 'Z') c = static_cast<char>(c - 'A' + 'a');
  return out;
}

std::string_view AsView(const ASN1_STRING* s) {
  return {reinterpret_cast<const char*>(ASN1_STRING_get0_data(s)), static_cast<size_t>(ASN1_STRING_length(s))};
}

// IdnToAscii converts |utf8| with libidn2 (IDNA2008, UTS #46 non-transitional
// mapping). Returns false when libidn2 refuses it.
bool IdnToAscii(std::string_view utf8, std::string* out) {
  if (utf8.find('\0') != std::string_view::npos) return false;
  const std::string input(utf8);
  char* ascii = nullptr;
  if (idn2_to_ascii_8z(input.c_str(), &ascii, IDN2_NONTRANSITIONAL) != IDN2_OK) return false;
  *out = ascii;
  idn2_free(ascii);
  return true;
}

// ALabelDecodes: an "xn--" label must be valid Punycode that converts back
// to itself, so a malformed A-label cannot stand for some other name.
bool ALabelDecodes(std::string_view label) {
  const std::string input(label);
  char* unicode = nullptr;
  if (idn2_to_unicode_8z8z(input.c_str(), &unicode, 0) != IDN2_OK) return false;
  char* back = nullptr;
  const int rc = idn2_to_ascii_8z(unicode, &back, 0);
  idn2_free(unicode);
  const bool same = rc == IDN2_OK && Lower(back) == input;
  if (rc == IDN2_OK) idn2_free(back);
  return same;
}

bool LdhLabel(std::string_view label) {
  if (label.empty() || label.size() > 63 || label.front() == '-' || label.back() == '-') return false;
  for (char c : label)
    if (!((c >= 'a' && c <= 'z') || (c >= '0' && c <= '9') || c == '-')) return false;
  return true;
}

// DnsName checks a lower-case name: LDH labels, 253 bytes at most. Sets
// |labels| to the label count.
bool DnsName(std::string_view name, size_t* labels) {
  if (name.empty() || name.size() > 253) return false;
  size_t count = 0;
  for (size_t start = 0;;) {
    const size_t dot = name.find('.', start);
    const std::string_view label = name.substr(start, dot == std::string_view::npos ? std::string_view::npos : dot - start);
    if (!LdhLabel(label)) return false;
    ++count;
    if (dot == std::string_view::npos) break;
    start = dot + 1;
  }
  *labels = count;
  return true;
}

// AsciiProblem is the first reason |v| cannot be an A-label name.
IdProblem AsciiProblem(std::string_view v) {
  if (v.empty()) return IdProblem::kEmpty;
  if (v.find('\0') != std::string_view::npos) return IdProblem::kNul;
  for (char c : v)
    if (static_cast<unsigned char>(c) > 0x7F) return IdProblem::kNonAscii;
  if (v.back() == '.') return IdProblem::kTrailingDot;
  return IdProblem::kNone;
}

PresentedId DnsLike(IdKind kind, std::string_view raw) {
  PresentedId id{kind, std::string(raw), "", AsciiProblem(raw)};
  if (id.problem == IdProblem::kNone) id.normalized = Lower(raw);
  return id;
}

// RawValue is the content of an otherName value of any type (BOOLEAN, NULL
// and OBJECT values hold no string).
std::string RawValue(const ASN1_TYPE* value) {
  if (value->type == V_ASN1_BOOLEAN || value->type == V_ASN1_NULL || value->type == V_ASN1_OBJECT) return "";
  return value->value.asn1_string != nullptr ? std::string(AsView(value->value.asn1_string)) : "";
}

PresentedId SrvId(const ASN1_TYPE* value) {
  if (value->type != V_ASN1_IA5STRING) return {IdKind::kSrvId, RawValue(value), "", IdProblem::kWrongStringType};
  PresentedId id = DnsLike(IdKind::kSrvId, AsView(value->value.ia5string));
  if (id.problem != IdProblem::kNone) return id;
  const size_t dot = id.normalized.find('.');
  if (id.normalized.size() < 2 || id.normalized[0] != '_' || dot == std::string::npos || dot < 2 ||
      dot + 1 == id.normalized.size()) {
    id.normalized.clear();
    id.problem = IdProblem::kBadSrvName;
  }
  return id;
}

PresentedId XmppAddr(const ASN1_TYPE* value) {
  if (value->type != V_ASN1_UTF8STRING) return {IdKind::kXmppAddr, RawValue(value), "", IdProblem::kWrongStringType};
  const std::string_view raw = AsView(value->value.utf8string);
  PresentedId id{IdKind::kXmppAddr, std::string(raw), "", IdProblem::kNone};
  if (raw.empty()) {
    id.problem = IdProblem::kEmpty;
  } else if (raw.find('\0') != std::string_view::npos) {
    id.problem = IdProblem::kNul;
  } else if (raw.find('@') != std::string_view::npos || raw.find('/') != std::string_view::npos) {
    id.problem = IdProblem::kNotDomain;
  } else {
    // An XmppAddr is a UTF8String holding the JID in its internationalized
    // form (RFC 6120 13.7.1.4), so U-labels are expected here and converted.
    std::string ascii;
    const bool all_ascii = AsciiProblem(raw) != IdProblem::kNonAscii;
    if (all_ascii) {
      ascii = std::string(raw);
    } else if (!IdnToAscii(raw, &ascii)) {
      id.problem = IdProblem::kBadIdn;
      return id;
    }
    id.problem = AsciiProblem(ascii);
    if (id.problem == IdProblem::kNone) id.normalized = Lower(ascii);
  }
  return id;
}

void Extract(X509* x, PresentedIdentifiers* out) {
  *out = {};
  out->has_subject_alt_name = X509_get_ext_by_NID(x, NID_subject_alt_name, -1) >= 0;
  int crit = 0;
  NamesPtr names(static_cast<GENERAL_NAMES*>(X509_get_ext_d2i(x, NID_subject_alt_name, &crit, nullptr)));
  for (int i = 0; names && i < sk_GENERAL_NAME_num(names.get()); ++i) {
    GENERAL_NAME* name = sk_GENERAL_NAME_value(names.get(), i);
    int type = 0;
    void* value = GENERAL_NAME_get0_value(name, &type);
    if (type == GEN_DNS) {
      out->ids.push_back(DnsLike(IdKind::kDnsId, AsView(static_cast<ASN1_IA5STRING*>(value))));
    } else if (type == GEN_OTHERNAME) {
      ASN1_OBJECT* oid = nullptr;
      ASN1_TYPE* other = nullptr;
      if (!GENERAL_NAME_get0_otherName(name, &oid, &other) || other == nullptr) continue;
      const int nid = OBJ_obj2nid(oid);
      if (nid == NID_SRVName) out->ids.push_back(SrvId(other));
      if (nid == NID_XmppAddr) out->ids.push_back(XmppAddr(other));
    }
  }
  const size_t first_cn = out->ids.size();
  X509_NAME* subject = X509_get_subject_name(x);
  for (int i = -1; subject && (i = X509_NAME_get_index_by_NID(subject, NID_commonName, i)) >= 0;) {
    const ASN1_STRING* data = X509_NAME_ENTRY_get_data(X509_NAME_get_entry(subject, i));
    unsigned char* utf8 = nullptr;
    const int n = ASN1_STRING_to_UTF8(&utf8, data);
    if (n < 0) {
      out->ids.push_back({IdKind::kCnId, std::string(AsView(data)), "", IdProblem::kWrongStringType});
      continue;
    }
    out->ids.push_back(DnsLike(IdKind::kCnId, {reinterpret_cast<const char*>(utf8), static_cast<size_t>(n)}));
    OPENSSL_free(utf8);
  }
  if (out->ids.size() - first_cn > 1) {
    for (size_t i = first_cn; i < out->ids.size(); ++i) {
      out->ids[i].normalized.clear();
      if (out->ids[i].problem == IdProblem::kNone) out->ids[i].problem = IdProblem::kMultipleCn;
    }
  }
}

// MatchDnsPattern: |pattern| is a usable DNS-ID or CN-ID; |reference| a
// normalized reference identity.
bool MatchDnsPattern(std::string_view pattern, std::string_view reference) {
  if (pattern.find('*') == std::string_view::npos) return pattern == reference;
  // The wildcard must be the whole left-most label ("f*.example.org" and
  // "*.*.example.org" never match) and stands for exactly one label.
  if (pattern.size() < 3 || pattern.substr(0, 2) != "*.") return false;
  const std::string_view rest = pattern.substr(2);
  size_t labels = 0;
  if (!DnsName(rest, &labels) || labels < 2 || IsPublicSuffix(rest)) return false;
  const size_t dot = reference.find('.');
  return dot != std::string_view::npos && dot > 0 && reference.substr(dot + 1) == rest;
}

CertFailure Fail(CertError code, int depth = -1, int openssl_error = 0) { return {code, depth, openssl_error}; }

bool HasEku(X509* x) { return (X509_get_extension_flags(x) & EXFLAG_XKUSAGE) != 0; }

// MapChainError turns X509_verify_cert's error into our code; |cert| is the
// certificate it was about.
CertFailure MapChainError(int err, int depth, X509* cert, PeerRole role) {
  CertError code = CertError::kChainInvalid;
  switch (err) {
    case X509_V_ERR_CERT_HAS_EXPIRED: code = CertError::kExpired; break;
    case X509_V_ERR_CERT_NOT_YET_VALID: code = CertError::kNotYetValid; break;
    case X509_V_ERR_DEPTH_ZERO_SELF_SIGNED_CERT: code = CertError::kSelfSigned; break;
    case X509_V_ERR_SELF_SIGNED_CERT_IN_CHAIN: code = CertError::kUntrustedRoot; break;
    case X509_V_ERR_UNABLE_TO_GET_ISSUER_CERT:
    case X509_V_ERR_UNABLE_TO_GET_ISSUER_CERT_LOCALLY:
    case X509_V_ERR_UNABLE_TO_VERIFY_LEAF_SIGNATURE: code = CertError::kUnknownIssuer; break;
    case X509_V_ERR_CERT_SIGNATURE_FAILURE:
    case X509_V_ERR_UNABLE_TO_DECRYPT_CERT_SIGNATURE:
    case X509_V_ERR_UNABLE_TO_DECODE_ISSUER_PUBLIC_KEY: code = CertError::kBadSignature; break;
    case X509_V_ERR_PATH_LENGTH_EXCEEDED: code = CertError::kPathLength; break;
    case X509_V_ERR_KEYUSAGE_NO_CERTSIGN: code = CertError::kIssuerKeyUsage; break;
    case X509_V_ERR_CERT_CHAIN_TOO_LONG: code = CertError::kChainTooLong; break;
    case X509_V_ERR_INVALID_CA:
      // X509_check_ca also refuses a CA whose keyUsage lacks keyCertSign.
      code = cert != nullptr && X509_check_ca(cert) == 0 && (X509_get_extension_flags(cert) & EXFLAG_CA) != 0
                 ? CertError::kIssuerKeyUsage
                 : CertError::kIssuerNotCa;
      break;
    case X509_V_ERR_INVALID_PURPOSE: {
      const uint32_t wanted = role == PeerRole::kTlsServer ? (XKU_SSL_SERVER | XKU_SGC) : XKU_SSL_CLIENT;
      const bool eku_refuses = cert != nullptr && HasEku(cert) && (X509_get_extended_key_usage(cert) & wanted) == 0;
      code = depth > 0 || eku_refuses ? CertError::kBadExtendedKeyUsage : CertError::kBadKeyUsage;
      break;
    }
    default: break;
  }
  return Fail(code, depth, err == X509_V_OK ? -1 : err);
}

bool Digest(X509* x, std::array<uint8_t, 32>* out) {
  unsigned char* der = nullptr;
  const int n = i2d_X509_PUBKEY(X509_get_X509_PUBKEY(x), &der);
  if (n <= 0) return false;
  SHA256(der, static_cast<size_t>(n), out->data());
  OPENSSL_free(der);
  return true;
}

int HexDigit(char c) {
  if (c >= '0' && c <= '9') return c - '0';
  if (c >= 'a' && c <= 'f') return c - 'a' + 10;
  if (c >= 'A' && c <= 'F') return c - 'A' + 10;
  return -1;
}

CertFailure Verify(const VerifyConfig& config, X509* leaf, STACK_OF(X509) * chain) {
  std::vector<std::array<uint8_t, 32>> pins(config.pins.size());
  for (size_t i = 0; i < config.pins.size(); ++i)
    if (!DecodePin(config.pins[i], config.pin_encoding, &pins[i])) return Fail(CertError::kBadPin);
  if (config.pin_mode == PinMode::kInsteadOfChain && pins.empty()) return Fail(CertError::kNoPins);
  std::string reference;
  if (config.check_name && NormalizeReferenceDomain(config.reference_domain, &reference) != CertError::kNone)
    return Fail(CertError::kBadReferenceIdentity);
  const int sent = 1 + (chain != nullptr ? sk_X509_num(chain) : 0);
  if (sent > config.max_chain_depth) return Fail(CertError::kChainTooLong, config.max_chain_depth);

  ChainPtr verified;
  if (config.pin_mode == PinMode::kWithChain) {
    StorePtr store(X509_STORE_new());
    if (!store) return Fail(CertError::kChainInvalid);
    for (const std::string& der : config.trust_anchors_der) {
      X509Ptr anchor = ParseDer(der);
      if (!anchor || X509_STORE_add_cert(store.get(), anchor.get()) != 1) return Fail(CertError::kBadTrustAnchor);
    }
    StoreCtxPtr ctx(X509_STORE_CTX_new());
    if (!ctx || X509_STORE_CTX_init(ctx.get(), store.get(), leaf, chain) != 1) return Fail(CertError::kChainInvalid);
    X509_STORE_CTX_set_purpose(ctx.get(),
                               config.peer_role == PeerRole::kTlsServer ? X509_PURPOSE_SSL_SERVER : X509_PURPOSE_SSL_CLIENT);
    X509_VERIFY_PARAM* param = X509_STORE_CTX_get0_param(ctx.get());
    // Any certificate in the store is an anchor (a pinned intermediate or a
    // directly trusted self-signed server certificate, as XMPP servers use).
    X509_VERIFY_PARAM_set_flags(param, X509_V_FLAG_PARTIAL_CHAIN);
    X509_VERIFY_PARAM_set_depth(param, config.max_chain_depth > 1 ? config.max_chain_depth - 1 : 0);
    if (config.verification_time) X509_VERIFY_PARAM_set_time(param, static_cast<time_t>(*config.verification_time));
    if (X509_verify_cert(ctx.get()) != 1) {
      return MapChainError(X509_STORE_CTX_get_error(ctx.get()), X509_STORE_CTX_get_error_depth(ctx.get()),
                           X509_STORE_CTX_get_current_cert(ctx.get()), config.peer_role);
    }
    verified.reset(X509_STORE_CTX_get1_chain(ctx.get()));
    // RFC 5280 does not forbid a CA certificate as an end entity, but a CA
    // key serving TLS is a CA that can issue for every name: refused unless
    // the certificate is itself the trust anchor.
    if (verified && sk_X509_num(verified.get()) > 1 && (X509_get_extension_flags(leaf) & EXFLAG_CA) != 0) return Fail(CertError::kLeafIsCa, 0);
  }

  if (config.check_name) {
    PresentedIdentifiers ids;
    Extract(leaf, &ids);
    if (!MatchReferenceIdentity(ids, reference, config.service, config.allow_cn_id).matched)
      return Fail(CertError::kWrongName, 0);
  }

  if (!pins.empty()) {
    const int candidates = verified ? sk_X509_num(verified.get()) : 1;
    for (int i = 0; i < candidates; ++i) {
      std::array<uint8_t, 32> digest;
      if (!Digest(verified ? sk_X509_value(verified.get(), i) : leaf, &digest)) continue;
      for (const auto& pin : pins)
        if (pin == digest) return {};
    }
    return Fail(CertError::kWrongPin, 0);
  }
  return {};
}

}  // namespace

std::string_view CertErrorName(CertError e) {
  switch (e) {
    case CertError::kNone: return "none";
    case CertError::kBadDer: return "bad-der";
    case CertError::kBadTrustAnchor: return "bad-trust-anchor";
    case CertError::kBadReferenceIdentity: return "bad-reference-identity";
    case CertError::kBadPin: return "bad-pin";
    case CertError::kNoPins: return "no-pins";
    case CertError::kExpired: return "expired";
    case CertError::kNotYetValid: return "not-yet-valid";
    case CertError::kSelfSigned: return "self-signed";
    case CertError::kUntrustedRoot: return "untrusted-root";
    case CertError::kUnknownIssuer: return "unknown-issuer";
    case CertError::kBadSignature: return "bad-signature";
    case CertError::kIssuerNotCa: return "issuer-not-ca";
    case CertError::kPathLength: return "path-length";
    case CertError::kIssuerKeyUsage: return "issuer-key-usage";
    case CertError::kLeafIsCa: return "leaf-is-ca";
    case CertError::kBadKeyUsage: return "bad-key-usage";
    case CertError::kBadExtendedKeyUsage: return "bad-extended-key-usage";
    case CertError::kChainTooLong: return "chain-too-long";
    case CertError::kChainInvalid: return "chain-invalid";
    case CertError::kWrongName: return "wrong-name";
    case CertError::kWrongPin: return "wrong-pin";
  }
  return "unknown";
}

std::string Describe(const CertFailure& f) {
  std::string s = std::string(CertErrorName(f.code)) + " depth=" + std::to_string(f.depth);
  if (f.openssl_error > 0) s += std::string(" (") + X509_verify_cert_error_string(f.openssl_error) + ")";
  return s;
}

std::string_view IdKindName(IdKind k) {
  switch (k) {
    case IdKind::kDnsId: return "DNS-ID";
    case IdKind::kSrvId: return "SRV-ID";
    case IdKind::kXmppAddr: return "XmppAddr";
    case IdKind::kCnId: return "CN-ID";
  }
  return "unknown";
}

std::string_view IdProblemName(IdProblem p) {
  switch (p) {
    case IdProblem::kNone: return "none";
    case IdProblem::kEmpty: return "empty";
    case IdProblem::kNul: return "nul";
    case IdProblem::kNonAscii: return "non-ascii";
    case IdProblem::kWrongStringType: return "wrong-string-type";
    case IdProblem::kTrailingDot: return "trailing-dot";
    case IdProblem::kNotDomain: return "not-domain";
    case IdProblem::kBadIdn: return "bad-idn";
    case IdProblem::kBadSrvName: return "bad-srv-name";
    case IdProblem::kMultipleCn: return "multiple-cn";
  }
  return "unknown";
}

CertError ExtractPresentedIdentifiers(std::string_view der, PresentedIdentifiers* out) {
  X509Ptr x = ParseDer(der);
  if (!x) return CertError::kBadDer;
  Extract(x.get(), out);
  return CertError::kNone;
}

CertError NormalizeReferenceDomain(std::string_view domain, std::string* out) {
  if (!domain.empty() && domain.back() == '.') domain.remove_suffix(1);
  if (domain.empty() || domain.find('\0') != std::string_view::npos) return CertError::kBadReferenceIdentity;
  std::string ascii;
  if (AsciiProblem(domain) == IdProblem::kNonAscii) {
    if (!IdnToAscii(domain, &ascii)) return CertError::kBadReferenceIdentity;
  } else {
    ascii = std::string(domain);
  }
  ascii = Lower(ascii);
  size_t labels = 0;
  if (!DnsName(ascii, &labels)) return CertError::kBadReferenceIdentity;
  const std::string_view last = std::string_view(ascii).substr(ascii.rfind('.') == std::string::npos ? 0 : ascii.rfind('.') + 1);
  if (last.find_first_not_of("0123456789") == std::string_view::npos) return CertError::kBadReferenceIdentity;
  for (size_t start = 0; start <= ascii.size();) {
    size_t dot = ascii.find('.', start);
    if (dot == std::string::npos) dot = ascii.size();
    const std::string_view label = std::string_view(ascii).substr(start, dot - start);
    if (label.substr(0, 4) == "xn--" && !ALabelDecodes(label)) return CertError::kBadReferenceIdentity;
    start = dot + 1;
  }
  *out = std::move(ascii);
  return CertError::kNone;
}

bool IsPublicSuffix(std::string_view domain) {
  static const psl_ctx_t* const psl = [] {
    const psl_ctx_t* builtin = psl_builtin();
    return builtin != nullptr ? builtin : psl_latest(nullptr);
  }();
  const std::string name(domain);
  if (psl == nullptr) return name.find('.') == std::string::npos;  // no list at all: only the implicit "*" rule
  return psl_is_public_suffix(psl, name.c_str()) != 0;
}

IdentityMatch MatchReferenceIdentity(const PresentedIdentifiers& ids, std::string_view reference, XmppService service,
                                     bool allow_cn_id) {
  const std::string_view prefix = service == XmppService::kClientToServer ? kClientService : kServerService;
  for (size_t i = 0; i < ids.ids.size(); ++i) {
    const PresentedId& id = ids.ids[i];
    if (id.problem != IdProblem::kNone) continue;
    bool match = false;
    switch (id.kind) {
      case IdKind::kDnsId: match = MatchDnsPattern(id.normalized, reference); break;
      case IdKind::kSrvId:
        match = id.normalized.size() == prefix.size() + reference.size() &&
                std::string_view(id.normalized).substr(0, prefix.size()) == prefix &&
                std::string_view(id.normalized).substr(prefix.size()) == reference;
        break;
      case IdKind::kXmppAddr: match = id.normalized == reference; break;
      case IdKind::kCnId:
        match = allow_cn_id && !ids.has_subject_alt_name && MatchDnsPattern(id.normalized, reference);
        break;
    }
    if (match) return {true, id.kind, i};
  }
  return {};
}

CertError SpkiSha256(std::string_view der, std::array<uint8_t, 32>* out) {
  X509Ptr x = ParseDer(der);
  if (!x || !Digest(x.get(), out)) return CertError::kBadDer;
  return CertError::kNone;
}

std::string EncodePin(const std::array<uint8_t, 32>& digest, PinEncoding encoding) {
  if (encoding == PinEncoding::kHex) {
    static constexpr char kHex[] = "0123456789abcdef";
    std::string s;
    for (uint8_t b : digest) {
      s += kHex[b >> 4];
      s += kHex[b & 15];
    }
    return s;
  }
  unsigned char out[45];
  const int n = EVP_EncodeBlock(out, digest.data(), static_cast<int>(digest.size()));
  return std::string(reinterpret_cast<const char*>(out), static_cast<size_t>(n));
}

bool DecodePin(std::string_view text, PinEncoding encoding, std::array<uint8_t, 32>* out) {
  if (encoding == PinEncoding::kHex) {
    std::string digits;
    for (char c : text)
      if (c != ':') digits += c;
    if (digits.size() != 64) return false;
    for (size_t i = 0; i < 32; ++i) {
      const int hi = HexDigit(digits[2 * i]), lo = HexDigit(digits[2 * i + 1]);
      if (hi < 0 || lo < 0) return false;
      (*out)[i] = static_cast<uint8_t>(hi << 4 | lo);
    }
    return true;
  }
  // 32 bytes are 44 characters ending in one '='; EVP_DecodeBlock decodes
  // the padding as a zero byte, and re-encoding refuses non-canonical input.
  if (text.size() != 44) return false;
  unsigned char buf[33];
  const std::string input(text);
  if (EVP_DecodeBlock(buf, reinterpret_cast<const unsigned char*>(input.data()), 44) != 33) return false;
  std::memcpy(out->data(), buf, 32);
  return EncodePin(*out, PinEncoding::kBase64) == text;
}

CertFailure VerifyPeerCertificate(const VerifyConfig& config, x509_st* leaf, stack_st_X509* chain) {
  if (leaf == nullptr) return Fail(CertError::kBadDer, 0);
  return Verify(config, leaf, chain);
}

CertFailure VerifyPeerCertificateDer(const VerifyConfig& config, std::string_view leaf_der,
                                     const std::vector<std::string>& chain_der) {
  X509Ptr leaf = ParseDer(leaf_der);
  if (!leaf) return Fail(CertError::kBadDer, 0);
  ChainPtr chain(sk_X509_new_null());
  if (!chain) return Fail(CertError::kChainInvalid);
  for (size_t i = 0; i < chain_der.size(); ++i) {
    X509Ptr x = ParseDer(chain_der[i]);
    if (!x) return Fail(CertError::kBadDer, static_cast<int>(i) + 1);
    if (!sk_X509_push(chain.get(), x.get())) return Fail(CertError::kChainInvalid);
    x.release();
  }
  return Verify(config, leaf.get(), chain.get());
}

}  // namespace xmppfuzz::tls
