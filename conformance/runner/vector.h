// Conformance vectors: the in-memory form of conformance/vectors/**/*.vec
// files, and the parser for that format (documented in
// README.md, "Conformance suite").
#ifndef XMPPFUZZ_CONFORMANCE_RUNNER_VECTOR_H_
#define XMPPFUZZ_CONFORMANCE_RUNNER_VECTOR_H_

#include <cstdint>
#include <optional>
#include <string>
#include <string_view>
#include <vector>

#include "targets/xml/xml.h"

namespace xmppfuzz::conform {

// Side says whose bytes a vector holds.
enum class Side : uint8_t {
  kClientToServer,  // "c2s": what a client sends; a server parses it
  kServerToClient,  // "s2c": what a server sends; a client parses it
};

// Profile says what comes before the vector's input.
enum class Profile : uint8_t {
  kRaw,            // nothing: the input is the stream from its first byte
  kOpened,         // the standard stream header; not authenticated
  kAuthenticated,  // an authenticated stream (live servers: after logging in)
};

std::string_view SideName(Side s);
std::string_view ProfileName(Profile p);

// Outcome is what a target did with a vector, or what a vector expects.
struct Outcome {
  enum class Kind : uint8_t {
    kAccepted,     // no stream error; the stream is still usable
    kRefused,      // a stream error with |condition|
    kStanzaError,  // (live) no stream error, but a stanza came back as an error
    kClosed,       // (live) the peer closed without a stream error
    kNoAnswer,     // (live) the peer stopped answering but still takes connections
    kCrashed,      // (live) the peer no longer takes connections
    kFlooded,      // (live) the peer sent more than the per-connection read cap
    kInvalidReply, // (live) the reference parser (client side) refused the
                   // peer's bytes; |condition| says why
  };
  Kind kind = Kind::kAccepted;
  xml::Condition condition = xml::Condition::kNone;  // kRefused, kInvalidReply
  // kRefused in a vector: the error must come at or before this offset
  // (relative to the start of the vector's input). In an observation: the
  // offset the reference reported, or nullopt when unknown (live targets).
  std::optional<int64_t> offset;
  // kStanzaError: the stanza error conditions that came back, in order and
  // without repeats. In a vector or an expectations file: the conditions
  // that must be among them (none listed: any bounce will do).
  std::vector<std::string> stanza_conditions;

  // Text renders the outcome as the vector format and expectation files
  // spell it: "accepted", "refused restricted-xml", "refused
  // restricted-xml at-or-before 12" (vectors), "stanza-error",
  // "stanza-error bad-request+jid-malformed", "closed", "no-answer",
  // "crashed", "flooded", "invalid-reply not-well-formed". An observed
  // offset prints as "at 12".
  std::string Text(bool expectation = false) const;
};

// ParseOutcome reads an outcome written as Text() writes it. |with_offset|:
// "refused" needs "at-or-before N". Returns nullopt on a syntax error.
std::optional<Outcome> ParseOutcome(std::string_view text, bool with_offset);

// Acceptable is an alternative outcome a target may show instead of the
// expected one, with the reason it is allowed (Wycheproof's "acceptable").
struct Acceptable {
  Outcome outcome;
  std::string reason;
};

struct Vector {
  std::string id;        // "<category>/<name>"
  std::string category;  // the directory the file is in
  std::string description;
  std::string source;    // RFC/XEP section, CVE or public report
  Side side = Side::kClientToServer;
  Profile profile = Profile::kAuthenticated;
  std::string input;     // decoded bytes, without the profile's prelude
  Outcome expect;
  // Expected canonical events, as `xmppfuzz parse` prints them without
  // offsets, after the prelude's stream-open (decoded: the file writes
  // them with the input escapes). For a refused vector, the
  // events before the error (optional: empty and not given means unchecked).
  std::vector<std::string> events;
  bool events_given = false;
  std::vector<Acceptable> acceptable;
  std::string live_skip;  // non-empty: not applicable to live targets, why
  std::string file;       // where it was read from, for messages
  int line = 0;
};

// DecodeInput turns the escaped text of an input block into bytes:
//   \\ \n \r \t \{ \}   the byte itself
//   \xHH                any byte
//   \u{H..}             the UTF-8 form of a code point up to 10FFFF,
//                       surrogates included (to write invalid input)
//   \repeat{N}{BODY}    BODY (which may itself use escapes) N times
// Returns false with |error| set on a syntax error or when the result would
// exceed |max_bytes|.
bool DecodeInput(std::string_view text, std::string* out, std::string* error,
                 size_t max_bytes = 64u << 20);

// ParseVectorFile parses the text of one .vec file. |category| is the
// directory the file lives in; every id must start with "<category>/".
// Returns false with "FILE:LINE: message" in |error| on the first problem.
// The file must be UTF-8 without NUL or other C0 controls but TAB and LF
// (bytes the input needs are written as escapes). |keep_inputs| false:
// inputs are decoded (and checked) but not kept.
bool ParseVectorFile(const std::string& path, std::string_view text, const std::string& category,
                     std::vector<Vector>* out, std::string* error, bool keep_inputs = true);

// The decoded events of one vector may not exceed kMaxEventBytes in all,
// nor kMaxEvents lines.
inline constexpr size_t kMaxEventBytes = 4u << 20;
inline constexpr size_t kMaxEvents = 65536;

// ReadFile reads the whole file at |path| into |out|; false if it cannot be
// opened or read.
bool ReadFile(const std::string& path, std::string* out);

// LoadSuite reads every .vec file under |dir| (one directory per category),
// checks ids are unique and returns the vectors sorted by id.
bool LoadSuite(const std::string& dir, std::vector<Vector>* out, std::string* error, bool keep_inputs = true);

// Prelude returns the bytes sent before a vector's input for |profile| and
// |side|: empty for kRaw, otherwise the standard stream header (a client's
// header to |domain| for c2s, a server's header from |domain| for s2c).
std::string Prelude(Profile profile, Side side, std::string_view domain = "localhost");

}  // namespace xmppfuzz::conform

#endif  // XMPPFUZZ_CONFORMANCE_RUNNER_VECTOR_H_
