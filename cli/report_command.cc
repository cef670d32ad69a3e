// xmppfuzz report: reads the JSON reports of several `xmppfuzz conform` runs
// (in-process targets, each live server and configuration, the client
// libraries: runs that cannot share one process) and renders them as one
// report, in any of conform's formats or as the README's Markdown tables
// (README "One report from several runs").
#include <fnmatch.h>

#include <iostream>
#include <iterator>
#include <memory>
#include <sstream>
#include <string>

#include "cli/commands.h"
#include "conformance/runner/differential.h"
#include "conformance/runner/report.h"
#include "conformance/runner/vector.h"

namespace xmppfuzz::cli {
namespace {

struct ReportArgs {
  std::vector<std::string> inputs;
  std::string suite;
  std::string format = "text";
  std::string out;
  std::string html;
  std::vector<std::string> only;  // target or label globs
  std::string filter;             // vector id glob
  std::string parts = "summary,deviations,reasons";
  std::string differential;  // a differential.json whose section the HTML page gets
};

// ReadInput reads a report file, or standard input for "-".
bool ReadInput(const std::string& path, std::string* text) {
  if (path != "-") return conform::ReadFile(path, text);
  text->assign(std::istreambuf_iterator<char>(std::cin), std::istreambuf_iterator<char>());
  return !std::cin.bad();
}

bool ParseParts(const std::string& text, conform::MarkdownParts* parts) {
  *parts = conform::MarkdownParts{false, false, false};
  std::stringstream in(text);
  std::string word;
  bool any = false;
  while (std::getline(in, word, ',')) {
    if (word == "summary") {
      parts->summary = true;
    } else if (word == "deviations") {
      parts->deviations = true;
    } else if (word == "reasons") {
      parts->reasons = true;
    } else {
      return false;
    }
    any = true;
  }
  return any;
}

bool Matches(const std::vector<std::string>& globs, const std::string& s) {
  for (const std::string& g : globs) {
    if (fnmatch(g.c_str(), s.c_str(), 0) == 0) return true;
  }
  return false;
}

int RunReport(const ReportArgs& args) {
  if (args.format != "text" && args.format != "json" && args.format != "junit" && args.format != "html" &&
      args.format != "markdown") {
    return UsageError("--format takes text, json, junit, html or markdown, got '" + args.format + "'");
  }
  conform::MarkdownParts parts;
  if (!ParseParts(args.parts, &parts)) {
    return UsageError("--parts takes a comma-separated list of summary, deviations and reasons, got '" + args.parts +
                      "'");
  }
  std::string suite = args.suite.empty() ? DefaultSuite() : args.suite;
  std::vector<conform::Vector> vectors;
  std::string error;
  if (!conform::LoadSuite(suite, &vectors, &error, /*keep_inputs=*/false)) return UsageError(error);

  std::vector<conform::TargetReport> all;
  for (const std::string& path : args.inputs) {
    std::string text;
    if (!ReadInput(path, &text)) return UsageError("cannot read '" + path + "'");
    if (!conform::ReadJsonReport(path, text, vectors, &all, &error)) return UsageError(error);
  }
  std::vector<conform::TargetReport> reports;
  for (conform::TargetReport& r : all) {
    if (!args.only.empty() && !Matches(args.only, r.target) && !Matches(args.only, r.label)) continue;
    if (!args.filter.empty()) {
      std::vector<conform::Result> kept;
      for (conform::Result& result : r.results) {
        if (fnmatch(args.filter.c_str(), result.vector->id.c_str(), 0) == 0) kept.push_back(std::move(result));
      }
      r.results = std::move(kept);
    }
    reports.push_back(std::move(r));
  }
  if (reports.empty()) return UsageError("no target in the reports matches --only");
  if (!args.filter.empty()) {
    bool any = false;
    for (const conform::TargetReport& r : reports) any = any || !r.results.empty();
    if (!any) return UsageError("no vector in the reports matches '" + args.filter + "'");
  }

  // The differential campaign's section goes at the end of the HTML page.
  std::string section;
  if (!args.differential.empty()) {
    std::string json;
    if (!conform::ReadFile(args.differential, &json)) return UsageError("cannot read '" + args.differential + "'");
    section = conform::DiffHtmlSection(json, &error);
    if (section.empty()) return UsageError(args.differential + ": " + error);
  }
  auto html = [&] {
    std::string page = conform::HtmlReport(reports);
    size_t end = page.rfind("</body>");
    if (!section.empty() && end != std::string::npos) page.insert(end, section);
    return page;
  };
  std::string text = conform::TextReport(reports);
  std::string report = args.format == "json"       ? conform::JsonReport(reports)
                       : args.format == "junit"    ? conform::JunitReport(reports)
                       : args.format == "html"     ? html()
                       : args.format == "markdown" ? conform::MarkdownReport(reports, parts)
                                                   : text;
  if (!args.html.empty() && !WriteFile(args.html, html())) {
    return UsageError("cannot write '" + args.html + "'");
  }
  if (!args.out.empty()) {
    if (!WriteFile(args.out, report)) return UsageError("cannot write '" + args.out + "'");
    std::cout << text;
  } else {
    std::cout << report;
  }
  if (StdoutFailed()) return FinishStdout(0);
  for (const conform::TargetReport& r : reports) {
    if (conform::Failed(r)) return 1;
  }
  return 0;
}

}  // namespace

Runner AddReportCommand(CLI::App& app) {
  auto args = std::make_shared<ReportArgs>();
  CLI::App* cmd = app.add_subcommand(
      "report", "Merge the JSON reports of several conform runs into one report (text, JSON, JUnit, HTML, Markdown)");
  cmd->add_option("reports", args->inputs, "JSON reports written by `xmppfuzz conform --format json` (- for stdin)")
      ->required();
  cmd->add_option("--suite", args->suite,
                  "The vector directory the runs used (default: conformance/vectors); each result is checked "
                  "against it");
  cmd->add_option("--format", args->format, "text (default), json, junit, html or markdown");
  cmd->add_option("--out", args->out, "Write the report to FILE (the text table goes to stdout)");
  cmd->add_option("--html", args->html, "Also write the HTML page to FILE");
  cmd->add_option("--only", args->only, "Only targets whose name or label matches this glob (repeatable)");
  cmd->add_option("--filter", args->filter, "Only vectors whose id matches this glob");
  cmd->add_option("--parts", args->parts,
                  "Markdown: which tables, comma-separated: summary, deviations, reasons (default: all three)");
  cmd->add_option("--differential", args->differential,
                  "HTML: add the section of this differential campaign report (differential.json of `xmppfuzz "
                  "differential --out`)");
  return [args] { return RunReport(*args); };
}

}  // namespace xmppfuzz::cli
