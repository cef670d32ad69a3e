// SASL exchange vectors (kind: sasl): the placeholder language of their
// messages, and the in-process player that drives our SCRAM/PLAIN client or
// server (targets/sasl) through one exchange, with every element sent as
// XMPP bytes through the stream parser on one tokenizer backend (README.md,
// "SASL vectors").
//
// The player computes every value that depends on randomness or crypto
// ({proof}, {server-signature}, {cbind-data}, {downgrade-hash}) itself, with
// OpenSSL's PBKDF2/HMAC/digests, from the messages actually exchanged: it
// does not ask the implementation under test for them.
#ifndef XMPPFUZZ_CONFORMANCE_RUNNER_SASL_EXCHANGE_H_
#define XMPPFUZZ_CONFORMANCE_RUNNER_SASL_EXCHANGE_H_

#include <string>
#include <string_view>
#include <vector>

#include "conformance/runner/runner.h"
#include "conformance/runner/vector.h"
#include "targets/xml/xml.h"

namespace xmppfuzz::conform {

// TemplatePart is one piece of an exchange payload: literal bytes (already
// decoded from the input escapes) or a {name} / {name:modifier} placeholder.
struct TemplatePart {
  bool placeholder = false;
  std::string text;      // literal: the bytes; placeholder: its name
  std::string modifier;  // placeholder: "", "flip-bit" or "truncated"
};

// ParseTemplate splits |text| (input escapes plus placeholders; '{' starts
// a placeholder, '\{' is a brace) into parts. Returns false with |error| for
// an unknown placeholder or modifier, an unclosed '{', or a bad escape.
bool ParseTemplate(std::string_view text, std::vector<TemplatePart>* out, std::string* error);

// RunSaslVector plays one kind: sasl vector against our implementation, the
// elements going through stream::Parser with |backend|. The observation's
// outcome is kSuccess or kFailure (with the condition, e= value and check
// name); its events are the transcript ("auth SCRAM-SHA-1: n,,n=user,...",
// escaped); diverged says where our side's messages differ from the vector's.
Observation RunSaslVector(const Vector& v, xml::Backend backend);

}  // namespace xmppfuzz::conform

#endif  // XMPPFUZZ_CONFORMANCE_RUNNER_SASL_EXCHANGE_H_
