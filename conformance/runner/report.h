// Conformance reports: a table by category for people, JSON and JUnit XML
// for machines.
#ifndef XMPPFUZZ_CONFORMANCE_RUNNER_REPORT_H_
#define XMPPFUZZ_CONFORMANCE_RUNNER_REPORT_H_

#include <array>
#include <map>
#include <string>
#include <string_view>
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

// HtmlReport renders one self-contained HTML page (inline CSS, no script,
// no external resource): a matrix of categories (rows) by targets (columns,
// headed by the target name) with each cell's pass/fail/acceptable/known/n/a
// counts, coloured by the worst verdict in it, then per target every result
// that is not a pass: vector id, verdict, observed outcome, expected outcome,
// message and detail. Every string goes through the reports' escaper for
// control bytes and then through HTML escaping.
std::string HtmlReport(const std::vector<TargetReport>& reports);

// HtmlEscape escapes & < > " ' for HTML text and attribute values.
std::string HtmlEscape(std::string_view s);

// ExpectationsFile writes an expectations file (ParseExpectations' format)
// that lists, for each vector of |report| that did not pass, the outcome the
// target showed with a reason naming the exposure: `--write-expect`, used
// for the -default parser targets. |header| goes first as comment lines.
std::string ExpectationsFile(const TargetReport& report, const std::string& header);

}  // namespace xmppfuzz::conform

#endif  // XMPPFUZZ_CONFORMANCE_RUNNER_REPORT_H_
