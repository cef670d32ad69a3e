// Conformance reports: a table by category for people, JSON and JUnit XML
// for machines.
#ifndef XMPPFUZZ_CONFORMANCE_RUNNER_REPORT_H_
#define XMPPFUZZ_CONFORMANCE_RUNNER_REPORT_H_

#include <array>
#include <map>
#include <string>
#include <vector>

#include "conformance/runner/runner.h"

namespace xmppfuzz::conform {

// TargetReport is everything one target's run produced.
struct TargetReport {
  std::string target;
  bool live = false;
  std::string expectations;  // the --expect file, if any
  std::vector<Result> results;
  std::vector<std::string> stale_expectations;  // ids listed but not in the suite
};

using Counts = std::array<size_t, 5>;  // indexed by Verdict

// CountByCategory tallies verdicts per category; the key "" is the total.
std::map<std::string, Counts> CountByCategory(const TargetReport& report);

// Failed reports whether the run must exit non-zero: a vector failed or an
// expectations file names a vector the suite does not have.
bool Failed(const TargetReport& report);

std::string TextReport(const std::vector<TargetReport>& reports);
std::string JsonReport(const std::vector<TargetReport>& reports);
std::string JunitReport(const std::vector<TargetReport>& reports);

}  // namespace xmppfuzz::conform

#endif  // XMPPFUZZ_CONFORMANCE_RUNNER_REPORT_H_
