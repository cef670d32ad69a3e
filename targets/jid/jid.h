// xmppfuzz reference JID handling (RFC 7622).
#ifndef XMPPFUZZ_TARGETS_JID_JID_H_
#define XMPPFUZZ_TARGETS_JID_JID_H_

#include <cstddef>
#include <optional>
#include <string>
#include <string_view>

namespace xmppfuzz::jid {

// JidError names why a string is not a JID, with the byte offset into the
// input where the problem starts.
struct JidError {
  enum class Code {
    kNone,
    kEmpty,               // empty input, or an empty part where one is required
    kInvalidUtf8,
    kLocalpartTooLong,    // > 1023 octets (RFC 7622 3.3)
    kDomainpartTooLong,   // > 1023 octets (RFC 7622 3.2)
    kResourcepartTooLong, // > 1023 octets (RFC 7622 3.4)
    kForbiddenLocalChar,  // " & ' / : < > @, whitespace, or a control in the
                          // localpart (RFC 7622 3.3.1)
    kBadDomain,           // label or IP literal rules (RFC 7622 3.2)
    kForbiddenChar,       // a control in the domainpart or resourcepart
  };
  Code code = Code::kNone;
  size_t offset = 0;
};

// JidErrorName returns the kebab-case name of |code|, such as
// "localpart-too-long", for logs, test output and conformance vectors.
std::string_view JidErrorName(JidError::Code code);

// Jid is a parsed address: [localpart@]domainpart[/resourcepart].
struct Jid {
  std::string local;     // empty: none
  std::string domain;    // never empty for a valid JID; ASCII lower-cased,
                         // final dot stripped, "[...]" kept for IPv6
  std::string resource;  // empty: none; kept exactly as given

  // Format renders the JID as "local@domain/resource", leaving out the absent
  // parts. For a Jid that Parse() returned, Parse() accepts the result and
  // maps it back to an equal Jid (the jid_fuzzer property).
  std::string Format() const;
  bool operator==(const Jid&) const = default;
};

// Parse parses |s| as an RFC 7622 JID. On failure returns nullopt and, when
// |error| is not null, fills it (on success |error| is reset to kNone).
// The first problem found is reported: invalid UTF-8 anywhere in |s| first,
// then the localpart, the domainpart and the resourcepart in turn; within a
// part, its length before its content. A too-long part is reported at its
// 1024th octet.
std::optional<Jid> Parse(std::string_view s, JidError* error = nullptr);

// Valid reports whether Parse(s) would succeed, with the same |error|, but
// builds no Jid and allocates nothing: for checks that only need the verdict.
bool Valid(std::string_view s, JidError* error = nullptr);

}  // namespace xmppfuzz::jid

#endif  // XMPPFUZZ_TARGETS_JID_JID_H_
