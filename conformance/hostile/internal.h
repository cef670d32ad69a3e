// Internal parts of the hostile server shared by its files (not a public API).
#ifndef XMPPFUZZ_CONFORMANCE_HOSTILE_INTERNAL_H_
#define XMPPFUZZ_CONFORMANCE_HOSTILE_INTERNAL_H_

#include <sys/types.h>

#include <map>
#include <string>

#include "tests/tls/cert_builder.h"

namespace xmppfuzz::hostile {

// HostilePki is the test CA the sandbox trusts, a CA nobody trusts, and one
// leaf per certificate scenario (README "Hostile server"), issued at run time
// and valid around the real clock (drivers verify against now):
//   valid        DNS-ID xmppfuzz.test, from the test CA
//   self-signed  DNS-ID xmppfuzz.test, self-signed
//   other-name   DNS-ID other.example, from the test CA
//   expired      DNS-ID xmppfuzz.test, expired yesterday
//   unknown-ca   DNS-ID xmppfuzz.test, from the untrusted CA
//   wrong-eku    DNS-ID xmppfuzz.test, extendedKeyUsage clientAuth only
//   address-only DNS-ID localhost and 127.0.0.1, iPAddress 127.0.0.1: the
//                connect address, not the JID domain
struct HostilePki {
  tls::testing::Issued ca;
  tls::testing::Issued other_ca;
  std::map<std::string, tls::testing::Issued> leaves;
  std::string ca_pem;
};

// Pki issues the certificates on first use (thread-safe).
const HostilePki& Pki();

// CertNameValid reports whether |name| is one of the leaves above.
bool CertNameValid(const std::string& name);

// GroupCpuSeconds sets |cpu| to the CPU time (user + system, children
// included, in seconds) the processes of group |pgid| have used. Returns
// false when the group has no process left (or |pgid| is not positive).
bool GroupCpuSeconds(pid_t pgid, double* cpu);

// Escape renders peer bytes printable (base::EscapeBytes, bounded).
std::string Escape(std::string_view bytes, size_t max = 600);

}  // namespace xmppfuzz::hostile

#endif  // XMPPFUZZ_CONFORMANCE_HOSTILE_INTERNAL_H_
