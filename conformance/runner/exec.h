// Exec targets: an outside program (an "adapter") that reads XMPP streams
// the way some real implementation does and answers in the `xmppfuzz parse`
// line format (README "Bring your own parser: exec targets"; protocol
// version 1).
//
//   exec:COMMAND             one `/bin/sh -c COMMAND` per input: the input
//                            on stdin, then EOF; the answer is stdout to EOF
//   exec-persistent:COMMAND  one long-lived process, restarted after any
//                            failure: a handshake line, then requests
//                            "input SIDE N profile=P" + N bytes, each
//                            answered by event lines and "done"
//
// Every process runs in its own process group; a misbehaving adapter gets a
// verdict (hung, flooded, crashed, or a protocol error that fails the
// vector), never a hung run, and every byte it printed is escaped before
// xmppfuzz prints it.
#ifndef XMPPFUZZ_CONFORMANCE_RUNNER_EXEC_H_
#define XMPPFUZZ_CONFORMANCE_RUNNER_EXEC_H_

#include <cstddef>
#include <cstdint>
#include <memory>
#include <optional>
#include <string>
#include <string_view>
#include <vector>

#include "conformance/runner/runner.h"
#include "conformance/runner/vector.h"
#include "targets/xml/xml.h"

namespace xmppfuzz::conform {

inline constexpr int kExecProtocolVersion = 1;

struct ExecConfig {
  std::string command;  // given to /bin/sh -c
  bool persistent = false;
  int timeout_ms = 10000;        // wall-clock deadline of one input (then: hung)
  int start_timeout_ms = 10000;  // persistent: deadline of the handshake line
  size_t max_answer = 64u << 20;  // bytes of one answer (then: flooded)
  size_t max_line = 16u << 20;    // bytes of one answer line (then: flooded)
  int jobs = 1;  // processes at once (persistent: that many long-lived ones)
};

// ParseExecTargetName reads "exec:COMMAND" or "exec-persistent:COMMAND"
// into |config| (command and mode only). Returns false when |spec| has
// neither prefix; true with |error| set when the command is empty (only
// blanks).
bool ParseExecTargetName(std::string_view spec, ExecConfig* config, std::string* error);

// ExecAnswer is an adapter's answer to one input.
struct ExecAnswer {
  // The stream-open, stanza and stream-close lines, as the adapter wrote them.
  std::vector<std::string> events;
  // routed lines: the index in |events| of the stanza each follows, and
  // the bytes it names (decoded from the answer's escapes).
  std::vector<std::pair<size_t, std::string>> routed;
  std::vector<std::string> logs;  // log lines' text, raw (escape to print)
  bool refused = false;           // an error line came
  xml::Condition condition = xml::Condition::kNone;
  std::optional<uint64_t> offset;  // the error's offset=, when given
};

// ParseExecAnswer reads the lines of an answer (each ends with "\n"; the
// final "done" of the persistent mode is not part of |text|). Returns ""
// and fills |out|, or a protocol error ("line 3: ...", with an escaped
// excerpt of the line): a blank line, a line of an unknown kind, a bad
// condition or offset, a routed line that does not follow a stanza, an
// event after the error line, a "done" or a last line without "\n".
std::string ParseExecAnswer(std::string_view text, ExecAnswer* out);

// ParseExecHandshake checks the persistent adapter's first line (without
// its "\n"): "xmppfuzz-exec 1 NAME". Returns "" with the implementation's
// NAME, or why the line is not a version 1 handshake (escaped).
std::string ParseExecHandshake(std::string_view line, std::string* name);

// DecodeRouted decodes the escapes of a routed line ("\\\\" and "\\xHH", two
// lower-case hex digits; raw bytes 0x00-0x1F and 0x7F are not allowed).
// Returns false with |error| set on a bad escape or raw control byte.
bool DecodeRouted(std::string_view text, std::string* out, std::string* error);

// ExecReply is what an adapter made of one input.
struct ExecReply {
  enum class Status : uint8_t {
    kAnswered,  // a complete, well-formed answer: |answer|
    kHung,      // no answer within the deadline (process group killed)
    kFlooded,   // the answer outgrew its caps (killed)
    kCrashed,   // the adapter died or closed its stdout before answering
    kBroken,    // a protocol error, or the adapter cannot (re)start
  };
  Status status = Status::kBroken;
  ExecAnswer answer;  // kAnswered only
  // For the report, escaped: a restart before this input, what failed and
  // the tail of the adapter's stderr.
  std::string detail;
};

std::string_view ExecStatusName(ExecReply::Status status);

// ExecParser is one adapter: up to config.jobs processes, each input a new
// stream with a fresh parser. Parse may be called from several threads.
class ExecParser {
 public:
  // Make returns the adapter |config| describes. A persistent one starts
  // its first process and reads the handshake before it returns; null with
  // |error| set (one line, adapter output escaped) when that fails or the
  // command is empty.
  static std::unique_ptr<ExecParser> Make(const ExecConfig& config, std::string* error);
  virtual ~ExecParser() = default;

  // Parse sends |bytes| (a whole stream, header included) with |side| and
  // |profile| and waits, bounded by the config's deadline and caps, for
  // the answer. A failed persistent process is restarted for the next call.
  virtual ExecReply Parse(Side side, Profile profile, std::string_view bytes) = 0;

  // Spelling is "exec:COMMAND" or "exec-persistent:COMMAND".
  virtual std::string Spelling() const = 0;
  // Implementation is the NAME of the last handshake ("" for exec:).
  virtual std::string Implementation() const = 0;
  // Restarts counts the processes started after the first of each job.
  virtual int Restarts() const = 0;
  virtual const ExecConfig& config() const = 0;
};

// MakeExecTarget returns the target |config| describes: ExecParser::Make
// (same failures), each vector's prelude and input sent as one stream.
std::unique_ptr<Target> MakeExecTarget(const ExecConfig& config, std::string* error);

}  // namespace xmppfuzz::conform

#endif  // XMPPFUZZ_CONFORMANCE_RUNNER_EXEC_H_
