// Conformance runner: plays vectors against targets and judges the outcomes.
//
// A target is the reference stream parser in-process (one per tokenizer
// backend) or a live XMPP server on loopback. Each vector yields an
// Observation; Judge() compares it with the vector's expectation, its
// acceptable alternatives and the target's known deviations.
#ifndef XMPPFUZZ_CONFORMANCE_RUNNER_RUNNER_H_
#define XMPPFUZZ_CONFORMANCE_RUNNER_RUNNER_H_

#include <cstdint>
#include <functional>
#include <map>
#include <memory>
#include <string>
#include <vector>

#include "conformance/runner/vector.h"

namespace xmppfuzz::conform {

// Observation is what one target did with one vector.
struct Observation {
  Outcome outcome;
  // In-process: the events after the prelude's stream-open, as `xmppfuzz
  // parse` prints them but without the final error line. Live: empty.
  std::vector<std::string> events;
  // Non-empty when the target itself misbehaved in a way that fails the
  // vector whatever it expects (chunkings that disagree, a prelude the
  // target refused, a log-in that failed).
  std::string broken;
  // SASL: where the messages our side sent differ from the vector's (or a
  // downgrade status differs); fails the vector unless a known deviation
  // or an acceptable outcome covers what happened.
  std::string diverged;
  // What the peer answered or other context, for the report.
  std::string detail;
  // Exec targets: a refusal without an offset (the adapter's implementation
  // does not know it) is not held to the vector's at-or-before bound. In
  // process a missing offset fails ("too late").
  bool offset_optional = false;
  // Exec targets: the bytes the implementation would route for a stanza
  // (its `routed` lines): the index in |events| and the bytes, raw.
  std::vector<std::pair<size_t, std::string>> routed;
};

enum class Verdict : uint8_t {
  kPass,           // the expected outcome
  kFail,           // anything else
  kAcceptable,     // one of the vector's acceptable alternatives
  kKnown,          // a deviation listed in the target's expectations file
  kNotApplicable,  // the vector does not apply to this target
};

std::string_view VerdictName(Verdict v);

// KnownDeviation is one line of an expectations file: the outcome a target
// is known to show for a vector, and why.
struct KnownDeviation {
  Outcome outcome;  // the first outcome listed
  // Every outcome listed ("a | b"): a target that answers a vector one way
  // or another from run to run (timing, TCP segmentation) lists each.
  std::vector<Outcome> alternatives;
  std::string reason;
  int line = 0;
};

using Expectations = std::map<std::string, KnownDeviation>;

// ParseExpectations reads an expectations file:
//   # comment
//   <vector-id>  <outcome> [| <outcome>...]  -- <reason>
// where <outcome> is accepted, refused <condition>, stanza-error, closed,
// no-answer, crashed, flooded, invalid-reply <condition>, hung, events-differ
// (the expected outcome with other events: see Judge) and the other kinds
// Outcome::Text spells. Several outcomes separated by '|' name a target
// that varies between them; one of them may then be the vector's own
// expected outcome. Returns false with "FILE:LINE: message" in |error|.
bool ParseExpectations(const std::string& path, std::string_view text, Expectations* out, std::string* error);

struct Result {
  const Vector* vector = nullptr;
  Verdict verdict = Verdict::kFail;
  Observation observation;
  std::string message;  // why it failed, or the acceptable/known/n-a reason
  // Set only for a result read back from a JSON report (`xmppfuzz report`):
  // the observed outcome as that run wrote it; |observation.outcome| is then
  // not meaningful (reports print ObservedText).
  std::string observed;
};

class Target {
 public:
  virtual ~Target() = default;
  // Name is the --target spelling ("inproc:expat", "xmpp://127.0.0.1:5222").
  virtual std::string Name() const = 0;
  virtual bool Live() const = 0;
  // Implementation names what the target runs when it says so itself (an
  // exec adapter's handshake NAME); "" otherwise.
  virtual std::string Implementation() const { return {}; }
  // NotApplicable returns why |v| does not apply to this target, or "".
  virtual std::string NotApplicable(const Vector& v) const = 0;
  // Run plays |v|. It may be called from several threads at once.
  virtual Observation Run(const Vector& v) = 0;
  // Jobs is how many vectors may run at once.
  virtual int Jobs() const { return 1; }
};

// Judge compares an observation with the vector and the known deviations.
// Not live: when the outcome is the expected one but the events differ,
// the result's observed outcome becomes events-differ (which a known
// deviation may list); an observation without an offset fails a refused
// vector unless |offset_optional| (exec adapters).
Result Judge(const Vector& v, Observation observation, bool live, const Expectations* known);

// RunAll plays every vector against |target| (in parallel up to
// target.Jobs()) and returns the results in the order of |vectors|.
// |progress|, if set, is called after each vector (from worker threads,
// serialised).
std::vector<Result> RunAll(Target& target, const std::vector<Vector>& vectors, const Expectations* known,
                           const std::function<void(const Result&)>& progress = {});

// Known deviations that name a vector not in |vectors| are stale; this
// returns their ids so the caller can report them.
std::vector<std::string> UnknownIds(const Expectations& known, const std::vector<Vector>& vectors);

}  // namespace xmppfuzz::conform

#endif  // XMPPFUZZ_CONFORMANCE_RUNNER_RUNNER_H_
