// What the conformance runners compute on their own, with OpenSSL and plain
// code and never through targets/: the SCRAM arithmetic of RFC 5802 section
// 3, so a runner can write any message (tampered ones included) and still
// check the peer's answer against an independent computation, and the
// quoting of values the runners put into XML attributes.
#ifndef XMPPFUZZ_CONFORMANCE_RUNNER_ORACLE_H_
#define XMPPFUZZ_CONFORMANCE_RUNNER_ORACLE_H_

#include <cstdint>
#include <string>
#include <string_view>

#include "targets/sasl/sasl.h"

namespace xmppfuzz::conform::oracle {

// HMAC(key, data) with |hash| (OpenSSL's HMAC).
std::string Hmac(sasl::Hash hash, std::string_view key, std::string_view data);
// H(data) (OpenSSL's EVP_Digest).
std::string Digest(sasl::Hash hash, std::string_view data);
// Hi(password, salt, i) = PBKDF2-HMAC (OpenSSL's PKCS5_PBKDF2_HMAC), the
// digest's length.
std::string Pbkdf2(sasl::Hash hash, std::string_view password, std::string_view salt, uint32_t iterations);
// a XOR b over the shorter of the two lengths (a's length is kept).
std::string Xor(std::string a, std::string_view b);
// XmlAttr quotes |value| for a single- or double-quoted attribute: & < ' "
// become entity references; nothing else changes.
std::string XmlAttr(std::string_view value);

}  // namespace xmppfuzz::conform::oracle

#endif  // XMPPFUZZ_CONFORMANCE_RUNNER_ORACLE_H_
