// The scenario executor: plays a Scenario's steps as an XMPP client over a
// Transport (a live server over TCP, or the reference server in process)
// and compares what the server did at each step with what the step says a
// conforming server does.
#ifndef XMPPFUZZ_CONFORMANCE_PROTOCOL_EXECUTOR_H_
#define XMPPFUZZ_CONFORMANCE_PROTOCOL_EXECUTOR_H_

#include <memory>
#include <string>
#include <vector>

#include "conformance/protocol/scenario.h"
#include "conformance/protocol/transport.h"
#include "conformance/runner/runner.h"

namespace xmppfuzz::protocol {

struct ExecConfig {
  std::string domain = "localhost";
  std::string user;
  std::string password;
  // How long one read waits for the server (live); in process nothing waits.
  int wait_ms = 2000;
  // The scenario's deadline from its first connection to its verdict.
  int deadline_ms = 30000;
  // Bytes read from one connection, at most (then "flooded").
  size_t read_cap = 8u << 20;
  // A bound on TLS grading probes (connections).
  size_t max_grade_probes = 256;
};

// ScenarioDeadlineMs is the deadline RunScenario gets for |s| with a read
// wait of |wait_ms|: 8 waits plus 4 per step, plus 120 waits for a grade
// step, at most 120 s.
int ScenarioDeadlineMs(const Scenario& s, int wait_ms);

// RunScenario plays |scenario|. The observation's outcome is conforms,
// deviates <step> <observed> (the first step that went otherwise; the
// scenario stops there) or not-offered <what> (an if-offered guard failed);
// its detail has one line per step played, every peer byte escaped. broken
// is set when the executor could not play a step at all (no connection, a
// step that needs TLS when none is up).
conform::Observation RunScenario(const Scenario& scenario, const Connector& connect, const ExecConfig& config);

}  // namespace xmppfuzz::protocol

#endif  // XMPPFUZZ_CONFORMANCE_PROTOCOL_EXECUTOR_H_
