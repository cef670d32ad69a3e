// TLS policy vectors (kind: tls-policy; README.md, "TLS vectors"): a real
// OpenSSL peer at security level 0, limited to the vector's versions and
// suites, talks to our hardened tls::Session over memory BIOs. Before that,
// the peer's configuration is proven real: two such peers must complete a
// handshake with each other, or the vector is broken (this OpenSSL cannot
// negotiate it, so refusing it would prove nothing).
#ifndef XMPPFUZZ_CONFORMANCE_RUNNER_TLS_POLICY_H_
#define XMPPFUZZ_CONFORMANCE_RUNNER_TLS_POLICY_H_

#include "conformance/runner/runner.h"
#include "conformance/runner/vector.h"

namespace xmppfuzz::conform {

// RunTlsPolicyVector plays one kind: tls-policy vector. The outcome is
// kAccepted with the events "version TLS 1.x" and "cipher <RFC name>", or
// kRefusedTls with our side's tls::Error name (no offset).
Observation RunTlsPolicyVector(const Vector& v);

}  // namespace xmppfuzz::conform

#endif  // XMPPFUZZ_CONFORMANCE_RUNNER_TLS_POLICY_H_
