// Certificate identity vectors (kind: cert-identity; README.md, "TLS
// vectors"): the runner issues the vector's certificate at run time with
// OpenSSL's API (tests/tls/cert_builder: a CA made once per process, the
// leaf per vector), then verifies it with tls::VerifyPeerCertificateDer
// against the reference domain, the stream kind, the trust anchor, a fixed
// time and the pins the vector names.
#ifndef XMPPFUZZ_CONFORMANCE_RUNNER_CERT_IDENTITY_H_
#define XMPPFUZZ_CONFORMANCE_RUNNER_CERT_IDENTITY_H_

#include "conformance/runner/runner.h"
#include "conformance/runner/vector.h"

namespace xmppfuzz::conform {

// RunCertIdentityVector plays one kind: cert-identity vector. The outcome is
// kAccepted with the event "match <DNS-ID|SRV-ID|XmppAddr|CN-ID>" (or
// "pinned" when no name was checked), or kRefusedCert with the
// tls::CertError name.
Observation RunCertIdentityVector(const Vector& v);

}  // namespace xmppfuzz::conform

#endif  // XMPPFUZZ_CONFORMANCE_RUNNER_CERT_IDENTITY_H_
