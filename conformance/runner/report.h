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
  // The name reports show for the target (`--label`; default: |target|), so
  // that a live server on a random port reads "prosody-packaged".
  std::string label;
  // What the target said it runs (an exec adapter's handshake NAME), if it
  // said so.
  std::string implementation;
  bool live = false;
  std::string expectations;  // the --expect file, if any
  std::vector<Result> results;
  std::vector<std::string> stale_expectations;  // ids listed but not in the suite
};

using Counts = std::array<size_t, 5>;  // indexed by Verdict

// ShownName is |label| when there is one, else |target|: the column and
// section headings of every report.
std::string ShownName(const TargetReport& report);

// ObservedText is what the target did with the vector, as the vector format
// spells outcomes ("refused restricted-xml at 12"); "" for a vector that
// does not apply.
std::string ObservedText(const Result& r);

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

// ReadJsonReport reads back a report JsonReport wrote (`xmppfuzz conform
// --format json`), appending its targets to |out|. Each result points at the
// vector of |suite| with its id, so |suite| must outlive |out|. Fails, with
// |error| naming |path| and what is wrong, on text that is not such a
// report, on a vector id the suite does not have, on a vector whose
// expectation differs from the suite's (the report is from another suite),
// and on an unknown verdict name.
bool ReadJsonReport(const std::string& path, std::string_view text, const std::vector<Vector>& suite,
                    std::vector<TargetReport>* out, std::string* error);

// MarkdownParts says what MarkdownReport writes.
struct MarkdownParts {
  bool summary = true;     // categories x targets, verdict counts per cell
  bool deviations = true;  // vectors x targets, for every vector that is not a pass somewhere
  bool reasons = true;     // each deviation's reason from the expectations file, per vector
};

// MarkdownReport renders GitHub-flavoured Markdown tables for the README:
// the summary (a category that is n/a on every target is left out), then
// the deviations matrix (a cell is the observed outcome, "FAIL: " before it
// for a failure, "—" for a pass or an acceptable outcome, "n/a"), then the
// reasons (one bullet per vector and distinct reason, naming the targets
// that gave it). Every string is escaped for control bytes and for Markdown
// table syntax (| and backquotes).
std::string MarkdownReport(const std::vector<TargetReport>& reports, const MarkdownParts& parts);

// HtmlEscape escapes & < > " ' for HTML text and attribute values.
std::string HtmlEscape(std::string_view s);

// ExpectationsFile writes an expectations file (ParseExpectations' format)
// that lists, for each vector of |report| that did not pass, the outcome the
// target showed with a reason naming the exposure: `--write-expect`, used
// for the -default parser targets. |header| goes first as comment lines.
std::string ExpectationsFile(const TargetReport& report, const std::string& header);

}  // namespace xmppfuzz::conform

#endif  // XMPPFUZZ_CONFORMANCE_RUNNER_REPORT_H_
