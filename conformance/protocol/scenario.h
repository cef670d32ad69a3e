// Protocol scenarios: scripted client sessions against a server (README.md,
// "Protocol scenarios"). A scenario is a `kind: protocol` vector of the .vec
// format whose steps: block lists what our client does, one step a line,
// each with the outcome a conforming server shows:
//
//   open -> features starttls-required lacks=PLAIN
//   starttls pipeline <auth xmlns='urn:ietf:params:xml:ns:xmpp-sasl' mechanism='PLAIN'>{plain}</auth> -> proceed
//   tls -> established
//   open -> features no-starttls has=SCRAM-SHA-256
//   wait -> no-reply
//   auth SCRAM-SHA-256 tamper=nonce -> failure not-authorized
//
// This header holds the parsed form and its parser; executor.h runs it.
#ifndef XMPPFUZZ_CONFORMANCE_PROTOCOL_SCENARIO_H_
#define XMPPFUZZ_CONFORMANCE_PROTOCOL_SCENARIO_H_

#include <cstdint>
#include <map>
#include <string>
#include <string_view>
#include <utility>
#include <vector>

namespace xmppfuzz::protocol {

// Verb is what one step makes our client do.
enum class Verb : uint8_t {
  kOpen,         // send a stream header; read the server's header and features
  kSend,         // send raw bytes (input escapes, {placeholders}); read what comes back
  kStarttls,     // send <starttls/> (and pipelined bytes after it in the same write)
  kTls,          // run the TLS handshake (options: versions, suites, ALPN, compression)
  kRenegotiate,  // ask for a TLS renegotiation on the established connection
  kAuth,         // one SASL exchange (PLAIN or SCRAM), optionally tampered with
  kBind,         // resource binding (RFC 6120 section 7)
  kPing,         // an XEP-0199 ping to the domain
  kWait,         // read for a while without sending
  kReconnect,    // a new TCP connection (the scenario's session state is kept)
  kGrade,        // tls::Grade over STARTTLS: versions and suites the server takes
  kCertificate,  // the certificate the server presented (after tls)
  kIfOffered,    // guard: the rest needs this mechanism / cb type offered
};
std::string_view VerbName(Verb v);

// Expect is one outcome a step may show: a token and an optional argument,
// as the executor prints what it saw ("failure not-authorized",
// "stream-error policy-violation", "established", "result").
struct Expect {
  std::string token;
  std::string arg;  // empty: any argument matches
  std::string Text() const { return arg.empty() ? token : token + " " + arg; }
};

struct Step {
  Verb verb = Verb::kOpen;
  int line = 0;
  // key=value options and bare words ("renegotiate" -> "").
  std::map<std::string, std::string> options;
  std::string mechanism;  // auth, if-offered
  std::string data;       // send, starttls pipeline: the bytes as written (escapes, placeholders)
  // Alternatives (a | b): the step conforms when it shows any of them. For
  // open, one alternative "features" with |checks|.
  std::vector<Expect> expect;
  std::vector<std::string> checks;  // open: feature checks (README)
  bool Has(const std::string& key) const { return options.count(key) != 0; }
  std::string Option(const std::string& key, const std::string& fallback = {}) const {
    auto it = options.find(key);
    return it == options.end() ? fallback : it->second;
  }
};

// Scenario is one parsed steps: block and its config: words.
struct Scenario {
  std::vector<Step> steps;
  // Server configuration words the scenario needs (README): a live target
  // runs it only when its --server-config states every one.
  std::vector<std::string> config;
};

// The configuration words a scenario may require and a target may state.
bool ValidConfigWord(std::string_view word);

// DecodeStepBytes turns the bytes of a send / starttls pipeline step into
// what goes on the wire: {domain}, {user}, {jid}, {plain} replaced by
// |values| (missing: a dummy), then the input escapes of the .vec format
// decoded. Returns false with |error| on an escape error.
bool DecodeStepBytes(const std::string& text, const std::map<std::string, std::string>& values, std::string* out,
                     std::string* error);

// ParseStep reads one step line. Returns false with a message in |error|.
bool ParseStep(std::string_view text, Step* out, std::string* error);

// ParseScenario reads the steps: block (lines with their line numbers) and
// the config: value (|config_line| its line). Returns false with the line of
// the first bad step in |bad_line| and a message in |error|.
bool ParseScenario(const std::vector<std::pair<std::string, int>>& lines, std::string_view config, int config_line,
                   Scenario* out, int* bad_line, std::string* error);

}  // namespace xmppfuzz::protocol

#endif  // XMPPFUZZ_CONFORMANCE_PROTOCOL_SCENARIO_H_
