// Outcome builders shared by the conformance runner tests.
#ifndef XMPPFUZZ_TESTS_CONFORMANCE_OUTCOMES_H_
#define XMPPFUZZ_TESTS_CONFORMANCE_OUTCOMES_H_

#include <optional>
#include <string>
#include <utility>
#include <vector>

#include "conformance/runner/vector.h"

namespace xmppfuzz::conform::testing {

inline Outcome Refused(xml::Condition c, std::optional<int64_t> offset = std::nullopt) {
  Outcome o;
  o.kind = Outcome::Kind::kRefused;
  o.condition = c;
  o.offset = offset;
  return o;
}

inline Outcome Of(Outcome::Kind kind, std::vector<std::string> stanza_conditions = {}) {
  Outcome o;
  o.kind = kind;
  o.stanza_conditions = std::move(stanza_conditions);
  return o;
}

}  // namespace xmppfuzz::conform::testing

#endif  // XMPPFUZZ_TESTS_CONFORMANCE_OUTCOMES_H_
