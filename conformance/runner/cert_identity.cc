#include "conformance/runner/cert_identity.h"

#include <mutex>
#include <string>
#include <vector>

#include "targets/tls/tls.h"
#include "tests/tls/cert_builder.h"

namespace xmppfuzz::conform {
namespace {

namespace tt = tls::testing;

struct CertPki {
  tt::Issued ca = tt::Issue(tt::CaSpec("xmppfuzz conformance identity CA"), nullptr);
  tt::Issued other_ca = tt::Issue(tt::CaSpec("an untrusted CA"), nullptr);
  tt::Issued other = tt::Issue(tt::LeafSpec({tt::Dns("example.org")}), &other_ca);  // for a wrong pin
};

const CertPki& Pki() {
  static const CertPki* pki = new CertPki;
  return *pki;
}

std::string Pin(const std::string& der) {
  std::array<uint8_t, 32> digest{};
  tls::SpkiSha256(der, &digest);
  return tls::EncodePin(digest, tls::PinEncoding::kBase64);
}

std::mutex& CertMutex() {
  static std::mutex m;
  return m;
}

}  // namespace

Observation RunCertIdentityVector(const Vector& v) {
  std::lock_guard<std::mutex> lock(CertMutex());
  const CertIdentitySpec& c = v.cert;
  Observation obs;
  tt::CertSpec spec = tt::LeafSpec({});
  spec.serial = 100;
  for (const PresentedName& p : c.presented) {
    switch (p.kind) {
      case PresentedName::kDns: spec.sans.push_back(tt::Dns(p.value)); break;
      case PresentedName::kSrv: spec.sans.push_back(tt::Srv(p.value)); break;
      case PresentedName::kXmpp: spec.sans.push_back(tt::Xmpp(p.value)); break;
      case PresentedName::kCn: spec.common_names.push_back(p.value); break;
    }
  }
  if (c.validity == "expired") {
    spec.not_before = tt::kNow - 30 * tt::kDay;
    spec.not_after = tt::kNow - tt::kDay;
  } else if (c.validity == "not-yet-valid") {
    spec.not_before = tt::kNow + tt::kDay;
    spec.not_after = tt::kNow + 30 * tt::kDay;
  }
  if (c.key_usage) spec.key_usage = *c.key_usage;
  if (c.ext_key_usage) spec.ext_key_usage = *c.ext_key_usage;
  if (c.basic_constraints) spec.basic_constraints = *c.basic_constraints;
  const tt::Issued* issuer = c.issuer == "self-signed" ? nullptr : c.issuer == "unknown" ? &Pki().other_ca : &Pki().ca;
  tt::Issued leaf = tt::Issue(spec, issuer);

  tls::VerifyConfig config;
  config.reference_domain = c.reference;
  config.service = c.s2s ? tls::XmppService::kServerToServer : tls::XmppService::kClientToServer;
  config.trust_anchors_der = {Pki().ca.der};
  config.verification_time = tt::kNow;
  config.pin_mode = c.pin_instead_of_chain ? tls::PinMode::kInsteadOfChain : tls::PinMode::kWithChain;
  if (c.pin == "leaf") config.pins = {Pin(leaf.der)};
  if (c.pin == "ca") config.pins = {Pin(Pki().ca.der)};
  if (c.pin == "other") config.pins = {Pin(Pki().other.der)};
  tls::CertFailure f = tls::VerifyPeerCertificateDer(config, leaf.der, {});
  if (!f.ok()) {
    obs.outcome.kind = Outcome::Kind::kRefusedCert;
    obs.outcome.tls_code = std::string(tls::CertErrorName(f.code));
    obs.detail = tls::Describe(f);
    return obs;
  }
  obs.outcome.kind = Outcome::Kind::kAccepted;
  // Which identifier matched (the verifier only says that one did).
  tls::PresentedIdentifiers ids;
  std::string reference;
  if (tls::ExtractPresentedIdentifiers(leaf.der, &ids) == tls::CertError::kNone &&
      tls::NormalizeReferenceDomain(c.reference, &reference) == tls::CertError::kNone) {
    tls::IdentityMatch m = tls::MatchReferenceIdentity(ids, reference, config.service);
    obs.events.push_back(m.matched ? "match " + std::string(tls::IdKindName(m.kind)) : "no-match");
  } else {
    obs.events.push_back("no-match");
  }
  return obs;
}

}  // namespace xmppfuzz::conform
