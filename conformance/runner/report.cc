#include "conformance/runner/report.h"

#include <algorithm>
#include <cstdint>
#include <cstdio>
#include <nlohmann/json.hpp>
#include <set>
#include <string_view>

#include "targets/base/base.h"

namespace xmppfuzz::conform {
namespace {

constexpr std::array<Verdict, 5> kVerdicts = {Verdict::kPass, Verdict::kFail, Verdict::kAcceptable, Verdict::kKnown,
                                              Verdict::kNotApplicable};

std::string Pad(std::string s, size_t width, bool right) {
  if (s.size() >= width) return s;
  std::string fill(width - s.size(), ' ');
  return right ? fill + s : s + fill;
}

// Indent makes a multi-line message line up under its first line.
std::string Indent(const std::string& s) {
  std::string out;
  for (char c : s) {
    out += c;
    if (c == '\n') out += "  ";
  }
  return out;
}

constexpr std::string_view kReplacement = "\xEF\xBF\xBD";  // U+FFFD

// IsXmlChar reports whether XML 1.0 allows |cp| in a document (section 2.2).
bool IsXmlChar(uint32_t cp) {
  return cp == 0x9 || cp == 0xA || cp == 0xD || (cp >= 0x20 && cp <= 0xD7FF) || (cp >= 0xE000 && cp <= 0xFFFD) ||
         (cp >= 0x10000 && cp <= 0x10FFFF);
}

// XmlEscape makes |s| safe in XML text and attribute values. Details quote
// peer bytes, so each byte that is not part of UTF-8, and each character XML
// does not allow (most controls, U+FFFE, U+FFFF), becomes U+FFFD.
std::string XmlEscape(const std::string& s) {
  std::string out;
  out.reserve(s.size());
  for (size_t i = 0; i < s.size();) {
    uint32_t cp = 0;
    size_t n = base::DecodeUtf8(s, i, &cp);
    bool decoded = n != 0;
    if (!decoded || !IsXmlChar(cp)) {
      out += kReplacement;
      i += decoded ? n : 1;  // a character XML does not allow, or one stray byte
      continue;
    }
    switch (cp) {
      case '&': out += "&amp;"; break;
      case '<': out += "&lt;"; break;
      case '>': out += "&gt;"; break;
      case '"': out += "&quot;"; break;
      // References keep these through attribute-value normalisation.
      case '\n': out += "&#10;"; break;
      case '\r': out += "&#13;"; break;
      case '\t': out += "&#9;"; break;
      default: out.append(s, i, n);
    }
    i += n;
  }
  return out;
}

constexpr size_t kMaxDetail = 4096;    // bytes of a detail a report keeps
constexpr size_t kMaxMessage = 16384;  // bytes of a message (event lists)

// Printable is the one escaper every report field goes through (text, JSON
// and JUnit alike): valid UTF-8 stays, LF and TAB stay (messages list
// events on lines of their own), and every other C0 control, DEL, C1 control, the
// line and paragraph separators, the bidirectional overrides and every
// byte that is not UTF-8 becomes \xHH (bytes) or \u{HHHH} (characters),
// so nothing a peer sent can drive a terminal. The result is cut at |max|
// bytes with a marker saying how long the field was.
std::string Printable(std::string_view s, size_t max) {
  std::string out;
  size_t i = 0;
  for (; i < s.size() && out.size() < max;) {
    uint32_t cp = 0;
    const size_t n = base::DecodeUtf8(s, i, &cp);
    char buf[16];
    if (n == 0) {
      std::snprintf(buf, sizeof buf, "\\x%02X", static_cast<unsigned char>(s[i]));
      out += buf;
      i += 1;
      continue;
    }
    bool control = (cp < 0x20 && cp != '\n' && cp != '\t') || (cp >= 0x7F && cp <= 0x9F) || cp == 0x2028 || cp == 0x2029 ||
                   (cp >= 0x202A && cp <= 0x202E) || (cp >= 0x2066 && cp <= 0x2069) || cp == 0x200E || cp == 0x200F;
    if (control) {
      std::snprintf(buf, sizeof buf, cp < 0x80 ? "\\x%02X" : "\\u{%04X}", static_cast<unsigned>(cp));
      out += buf;
    } else {
      out.append(s, i, n);
    }
    i += n;
  }
  if (i < s.size()) out += "...[cut: " + std::to_string(s.size()) + " bytes in all]";
  return out;
}

std::string Detail(const std::string& s) { return Printable(s, kMaxDetail); }
std::string Message(const std::string& s) { return Printable(s, kMaxMessage); }

nlohmann::json CountsJson(const Counts& c) {
  nlohmann::json j;
  for (Verdict v : kVerdicts) j[std::string(VerdictName(v))] = c[static_cast<size_t>(v)];
  return j;
}

// Css is the page's whole style sheet.
constexpr std::string_view kCss = R"css(
body { font: 14px/1.4 system-ui, -apple-system, "Segoe UI", sans-serif; margin: 24px; color: #1d1d1f; }
h1 { font-size: 22px; margin: 0 0 4px; }
h2 { font-size: 18px; margin: 28px 0 6px; }
p.meta { color: #555; margin: 2px 0 10px; }
table { border-collapse: collapse; margin: 8px 0 16px; }
th, td { border: 1px solid #c8c8cc; padding: 4px 8px; text-align: left; vertical-align: top; }
thead th { background: #f0f0f3; }
table.matrix td { white-space: nowrap; min-width: 150px; }
table.matrix tr.total th, table.matrix tr.total td { border-top: 2px solid #888; font-weight: 600; }
.v-pass { background: #dff3e2; }
.v-fail { background: #f9d6d5; }
.v-known { background: #fbe9c6; }
.v-acceptable { background: #dbe8f8; }
.v-na { background: #eeeeee; color: #666; }
.v-empty { background: #fafafa; color: #999; }
span.c { display: inline-block; margin-right: 6px; padding: 0 4px; border-radius: 3px; }
span.c b { font-weight: 600; }
table.results { width: 100%; table-layout: fixed; }
table.results td { overflow-wrap: anywhere; }
table.results col.id { width: 20%; } table.results col.verdict { width: 7%; }
table.results col.outcome { width: 14%; } table.results col.text { width: 22.5%; }
td.pre { white-space: pre-wrap; font-family: ui-monospace, "DejaVu Sans Mono", monospace; font-size: 12px; }
details { margin: 4px 0 12px; } summary { cursor: pointer; color: #333; }
p.result-ok { color: #1c6b2b; font-weight: 600; } p.result-fail { color: #a3221b; font-weight: 600; }
)css";

std::string Html(const std::string& s, size_t max) { return HtmlEscape(Printable(s, max)); }

std::string VerdictClass(Verdict v) {
  switch (v) {
    case Verdict::kPass: return "v-pass";
    case Verdict::kFail: return "v-fail";
    case Verdict::kAcceptable: return "v-acceptable";
    case Verdict::kKnown: return "v-known";
    case Verdict::kNotApplicable: return "v-na";
  }
  return "v-fail";
}

// CellClass colours a cell by the worst verdict in it: fail, known,
// acceptable, pass, then n/a.
std::string CellClass(const Counts& c) {
  for (Verdict v : {Verdict::kFail, Verdict::kKnown, Verdict::kAcceptable, Verdict::kPass, Verdict::kNotApplicable}) {
    if (c[static_cast<size_t>(v)] != 0) return VerdictClass(v);
  }
  return "v-empty";
}

std::string CellHtml(const Counts* c) {
  if (c == nullptr) return "<td class=\"v-empty\">&#8212;</td>";
  std::string out = "<td class=\"" + CellClass(*c) + "\">";
  bool any = false;
  for (Verdict v : kVerdicts) {
    size_t n = (*c)[static_cast<size_t>(v)];
    if (n == 0) continue;
    out += "<span class=\"c " + VerdictClass(v) + "\"><b>" + std::to_string(n) + "</b> " +
           std::string(VerdictName(v)) + "</span>";
    any = true;
  }
  if (!any) out += "0";
  return out + "</td>";
}

std::string ResultRow(const TargetReport& report, const Result& r) {
  std::string observed = ObservedText(r);
  std::string row = "<tr class=\"deviation " + VerdictClass(r.verdict) + "\">";
  row += "<td class=\"pre\">" + Html(r.vector->id, kMaxMessage) + "</td>";
  row += "<td>" + std::string(VerdictName(r.verdict)) + "</td>";
  row += "<td class=\"pre\">" + Html(observed, kMaxMessage) + "</td>";
  row += "<td class=\"pre\">" + Html(r.vector->expect.Text(true), kMaxMessage) + "</td>";
  row += "<td class=\"pre\">" + Html(r.message, kMaxMessage) + "</td>";
  row += "<td class=\"pre\">" + Html(r.observation.detail, kMaxDetail) + "</td>";
  (void)report;
  return row + "</tr>\n";
}

constexpr std::string_view kResultsHead =
    "<colgroup><col class=\"id\"><col class=\"verdict\"><col class=\"outcome\"><col class=\"outcome\">"
    "<col class=\"text\"><col class=\"text\"></colgroup>\n"
    "<thead><tr><th>vector</th><th>verdict</th><th>observed</th><th>expected</th><th>reason / message</th>"
    "<th>detail</th></tr></thead>\n";

// FirstLine is the first line of |s|, escaped and cut, on one line.
std::string FirstLine(const std::string& s) {
  std::string line = Printable(s.substr(0, s.find('\n')), 240);
  for (char& c : line) {
    if (c == '\t') c = ' ';
  }
  return line;
}

}  // namespace

std::string HtmlEscape(std::string_view s) {
  std::string out;
  out.reserve(s.size());
  for (char c : s) {
    switch (c) {
      case '&': out += "&amp;"; break;
      case '<': out += "&lt;"; break;
      case '>': out += "&gt;"; break;
      case '"': out += "&quot;"; break;
      case '\'': out += "&#39;"; break;
      default: out += c;
    }
  }
  return out;
}

std::string HtmlReport(const std::vector<TargetReport>& reports) {
  std::vector<std::map<std::string, Counts>> counts;
  std::set<std::string> categories;
  bool failed = false;
  for (const TargetReport& report : reports) {
    counts.push_back(CountByCategory(report));
    for (const auto& [category, c] : counts.back()) {
      if (!category.empty()) categories.insert(category);
    }
    failed = failed || Failed(report);
  }
  std::string out =
      "<!DOCTYPE html>\n<html lang=\"en\">\n<head>\n<meta charset=\"utf-8\">\n"
      "<meta name=\"viewport\" content=\"width=device-width, initial-scale=1\">\n"
      "<title>xmppfuzz conform</title>\n<style>" +
      std::string(kCss) + "</style>\n</head>\n<body>\n<h1>xmppfuzz conform</h1>\n";
  out += "<p class=\"meta\">" + std::to_string(reports.size()) + " target" + (reports.size() == 1 ? "" : "s") + ", " +
         std::to_string(categories.size()) + " categor" + (categories.size() == 1 ? "y" : "ies") +
         ". Each cell counts the category&#39;s vectors by verdict and is coloured by the worst of them "
         "(fail, known, acceptable, pass, n/a).</p>\n";
  out += std::string("<p class=\"") + (failed ? "result-fail\">result: FAIL" : "result-ok\">result: ok") + "</p>\n";
  out += "<table id=\"matrix\" class=\"matrix\">\n<thead><tr><th>category</th>";
  for (const TargetReport& report : reports) out += "<th>" + Html(ShownName(report), kMaxDetail) + "</th>";
  out += "</tr></thead>\n<tbody>\n";
  for (const std::string& category : categories) {
    out += "<tr><th scope=\"row\">" + Html(category, kMaxDetail) + "</th>";
    for (const auto& c : counts) {
      auto it = c.find(category);
      out += CellHtml(it == c.end() ? nullptr : &it->second);
    }
    out += "</tr>\n";
  }
  out += "<tr class=\"total\"><th scope=\"row\">total</th>";
  for (const auto& c : counts) out += CellHtml(&c.at(""));
  out += "</tr>\n</tbody>\n</table>\n";

  for (size_t i = 0; i < reports.size(); ++i) {
    const TargetReport& report = reports[i];
    out += "<section class=\"target\" id=\"target-" + std::to_string(i) + "\">\n<h2>" +
           Html(ShownName(report), kMaxDetail) + "</h2>\n<p class=\"meta\">" +
           (report.label.empty() ? std::string() : Html(report.target, kMaxDetail) + ", ") +
           std::to_string(report.results.size()) + " vectors" + (report.live ? ", live" : ", in process");
    if (!report.implementation.empty()) out += ", implementation " + Html(report.implementation, kMaxDetail);
    if (!report.expectations.empty()) out += ", known deviations from " + Html(report.expectations, kMaxDetail);
    out += std::string(", result: ") + (Failed(report) ? "FAIL" : "ok") + "</p>\n";
    std::string rows;
    size_t shown = 0;
    for (Verdict v : {Verdict::kFail, Verdict::kKnown, Verdict::kAcceptable}) {
      for (const Result& r : report.results) {
        if (r.verdict != v) continue;
        rows += ResultRow(report, r);
        ++shown;
      }
    }
    for (const std::string& id : report.stale_expectations) {
      rows += "<tr class=\"deviation v-fail\"><td class=\"pre\">" + Html(id, kMaxMessage) +
              "</td><td>fail</td><td></td><td></td><td class=\"pre\">listed in " +
              Html(report.expectations, kMaxDetail) + " but not in the suite</td><td></td></tr>\n";
      ++shown;
    }
    if (shown == 0) {
      out += "<p>Every applicable vector passed.</p>\n";
    } else {
      out += "<table class=\"results deviations\">\n" + std::string(kResultsHead) + "<tbody>\n" + rows +
             "</tbody>\n</table>\n";
    }
    std::string na;
    size_t na_count = 0;
    for (const Result& r : report.results) {
      if (r.verdict != Verdict::kNotApplicable) continue;
      na += ResultRow(report, r);
      ++na_count;
    }
    if (na_count != 0) {
      out += "<details><summary>" + std::to_string(na_count) +
             " not applicable</summary>\n<table class=\"results na\">\n" + std::string(kResultsHead) + "<tbody>\n" +
             na + "</tbody>\n</table>\n</details>\n";
    }
    out += "</section>\n";
  }
  out += "</body>\n</html>\n";
  return out;
}

std::string ExpectationsFile(const TargetReport& report, const std::string& header) {
  std::string out;
  size_t start = 0;
  while (start <= header.size() && !header.empty()) {
    size_t nl = header.find('\n', start);
    std::string line = header.substr(start, nl == std::string::npos ? std::string::npos : nl - start);
    out += line.empty() ? "#\n" : "# " + line + "\n";
    if (nl == std::string::npos) break;
    start = nl + 1;
  }
  for (const Result& r : report.results) {
    if (r.verdict != Verdict::kFail && r.verdict != Verdict::kKnown) continue;
    // Judged again without the expectations the run had: a line that now
    // passes is not written again.
    Verdict alone = Judge(*r.vector, r.observation, report.live, nullptr).verdict;
    if (alone != Verdict::kFail) continue;
    Outcome got = r.observation.outcome;
    got.offset.reset();
    // A SASL check name is the in-process detail of a failure, not part of
    // the outcome; a client's finding is ("vulnerable <finding>").
    if (got.kind != Outcome::Kind::kVulnerable) got.check.clear();
    Outcome want = r.vector->expect;
    want.offset.reset();
    std::string what = FirstLine(r.observation.detail);
    std::string reason;
    switch (got.kind) {
      case Outcome::Kind::kExpanded: reason = "exposure: entity expansion - " + what; break;
      case Outcome::Kind::kDropped: reason = "exposure: markup skipped silently - " + what; break;
      case Outcome::Kind::kAccepted:
        reason = want.kind == Outcome::Kind::kAccepted
                     ? "exposure: accepted, with other events than the reference - " + what
                     : "exposure: accepted where the reference says " + FirstLine(want.Text()) + " - " + what;
        break;
      case Outcome::Kind::kEventsDiffer:
        reason = "exposure: " + FirstLine(want.Text()) + " as the reference, with other events - " + what;
        break;
      case Outcome::Kind::kRefused:
        reason = want.kind == Outcome::Kind::kAccepted
                     ? "stricter: refuses what the reference accepts - " + what
                     : "not exposed: refused, with another condition or later than the reference (" +
                           FirstLine(r.vector->expect.Text(true)) + ") - " + what;
        break;
      default: reason = "differs from the reference - " + what; break;
    }
    if (!r.observation.broken.empty()) reason = "broken: " + FirstLine(r.observation.broken);
    out += r.vector->id + " " + got.Text() + " -- " + reason + "\n";
  }
  return out;
}

std::string ShownName(const TargetReport& report) { return report.label.empty() ? report.target : report.label; }

std::string ObservedText(const Result& r) {
  if (r.verdict == Verdict::kNotApplicable) return "";
  return r.observed.empty() ? r.observation.outcome.Text() : r.observed;
}

std::map<std::string, Counts> CountByCategory(const TargetReport& report) {
  std::map<std::string, Counts> counts;
  counts[""] = Counts{};
  for (const Result& r : report.results) {
    counts[r.vector->category][static_cast<size_t>(r.verdict)]++;
    counts[""][static_cast<size_t>(r.verdict)]++;
  }
  return counts;
}

bool Failed(const TargetReport& report) {
  if (!report.stale_expectations.empty()) return true;
  for (const Result& r : report.results) {
    if (r.verdict == Verdict::kFail) return true;
  }
  return false;
}

std::string TextReport(const std::vector<TargetReport>& reports) {
  std::string out;
  for (const TargetReport& report : reports) {
    auto counts = CountByCategory(report);
    out += "target " + ShownName(report) + (report.label.empty() ? "" : " (" + report.target + ")") + ": " +
           std::to_string(report.results.size()) + " vectors";
    if (!report.implementation.empty()) out += ", implementation " + Printable(report.implementation, kMaxDetail);
    if (!report.expectations.empty()) out += ", known deviations from " + report.expectations;
    out += "\n";
    out += "  " + Pad("category", 24, false);
    for (Verdict v : kVerdicts) out += Pad(std::string(VerdictName(v)), 12, true);
    out += "\n";
    auto row = [&](const std::string& name, const Counts& c) {
      out += "  " + Pad(name, 24, false);
      for (Verdict v : kVerdicts) out += Pad(std::to_string(c[static_cast<size_t>(v)]), 12, true);
      out += "\n";
    };
    for (const auto& [category, c] : counts) {
      if (!category.empty()) row(category, c);
    }
    row("total", counts[""]);
    for (Verdict shown : {Verdict::kFail, Verdict::kKnown, Verdict::kAcceptable}) {
      for (const Result& r : report.results) {
        if (r.verdict != shown) continue;
        std::string tag = shown == Verdict::kFail ? "FAIL" : shown == Verdict::kKnown ? "known" : "acceptable";
        out += "  " + tag + " " + Message(r.vector->id) + ": " + Indent(Message(r.message));
        if (shown == Verdict::kFail && !r.observation.detail.empty()) {
          out += "\n    detail: " + Indent(Detail(r.observation.detail));
        }
        out += "\n";
      }
    }
    for (const std::string& id : report.stale_expectations) {
      out += "  FAIL " + report.expectations + " names vector '" + id + "', which is not in the suite\n";
    }
    out += "  result: " + std::string(Failed(report) ? "FAIL" : "ok") + "\n";
  }
  return out;
}

std::string JsonReport(const std::vector<TargetReport>& reports) {
  nlohmann::json root;
  root["targets"] = nlohmann::json::array();
  bool failed = false;
  for (const TargetReport& report : reports) {
    nlohmann::json t;
    t["target"] = report.target;
    if (!report.label.empty()) t["label"] = report.label;
    if (!report.implementation.empty()) t["implementation"] = report.implementation;
    t["live"] = report.live;
    if (!report.expectations.empty()) t["expectations"] = report.expectations;
    auto counts = CountByCategory(report);
    t["summary"] = CountsJson(counts[""]);
    nlohmann::json categories = nlohmann::json::object();
    for (const auto& [category, c] : counts) {
      if (!category.empty()) categories[category] = CountsJson(c);
    }
    t["categories"] = categories;
    t["stale_expectations"] = report.stale_expectations;
    nlohmann::json vectors = nlohmann::json::array();
    for (const Result& r : report.results) {
      nlohmann::json j;
      j["id"] = r.vector->id;
      j["category"] = r.vector->category;
      j["verdict"] = VerdictName(r.verdict);
      j["expected"] = r.vector->expect.Text(true);
      if (r.verdict != Verdict::kNotApplicable) {
        j["observed"] = ObservedText(r);
        if (!report.live) j["events"] = r.observation.events;
      }
      if (!r.message.empty()) j["message"] = Message(r.message);
      if (!r.observation.detail.empty()) j["detail"] = Detail(r.observation.detail);
      vectors.push_back(std::move(j));
    }
    t["vectors"] = std::move(vectors);
    t["failed"] = Failed(report);
    failed = failed || Failed(report);
    root["targets"].push_back(std::move(t));
  }
  root["failed"] = failed;
  // Peer bytes in details may not be UTF-8: replace rather than throw.
  return root.dump(2, ' ', false, nlohmann::json::error_handler_t::replace) + "\n";
}

std::string JunitReport(const std::vector<TargetReport>& reports) {
  size_t tests = 0, failures = 0, skipped = 0;
  std::string suites;
  for (const TargetReport& report : reports) {
    std::map<std::string, std::vector<const Result*>> by_category;
    for (const Result& r : report.results) by_category[r.vector->category].push_back(&r);
    for (const auto& [category, results] : by_category) {
      size_t f = 0, s = 0;
      std::string cases;
      for (const Result* r : results) {
        std::string classname = XmlEscape(ShownName(report) + "." + category);
        cases += "    <testcase classname=\"" + classname + "\" name=\"" + XmlEscape(r->vector->id) + "\">";
        switch (r->verdict) {
          case Verdict::kFail:
            ++f;
            cases += "<failure message=\"" + XmlEscape(Message(r->message)) + "\">" +
                     XmlEscape(Detail(r->observation.detail)) + "</failure>";
            break;
          case Verdict::kNotApplicable:
            ++s;
            cases += "<skipped message=\"" + XmlEscape(Message(r->message)) + "\"/>";
            break;
          case Verdict::kAcceptable:
          case Verdict::kKnown:
            cases += "<system-out>" + XmlEscape(std::string(VerdictName(r->verdict)) + ": " + Message(r->message)) +
                     "</system-out>";
            break;
          case Verdict::kPass:
            break;
        }
        cases += "</testcase>\n";
      }
      suites += "  <testsuite name=\"" + XmlEscape(ShownName(report) + "/" + category) + "\" tests=\"" +
                std::to_string(results.size()) + "\" failures=\"" + std::to_string(f) + "\" skipped=\"" +
                std::to_string(s) + "\">\n" + cases + "  </testsuite>\n";
      tests += results.size();
      failures += f;
      skipped += s;
    }
    if (!report.stale_expectations.empty()) {
      std::string cases;
      for (const std::string& id : report.stale_expectations) {
        cases += "    <testcase classname=\"" + XmlEscape(ShownName(report) + ".expectations") + "\" name=\"" +
                 XmlEscape(id) + "\"><failure message=\"listed in " + XmlEscape(report.expectations) +
                 " but not in the suite\"/></testcase>\n";
      }
      suites += "  <testsuite name=\"" + XmlEscape(ShownName(report) + "/expectations") + "\" tests=\"" +
                std::to_string(report.stale_expectations.size()) + "\" failures=\"" +
                std::to_string(report.stale_expectations.size()) + "\" skipped=\"0\">\n" + cases + "  </testsuite>\n";
      tests += report.stale_expectations.size();
      failures += report.stale_expectations.size();
    }
  }
  return "<?xml version=\"1.0\" encoding=\"UTF-8\"?>\n<testsuites name=\"xmppfuzz conform\" tests=\"" +
         std::to_string(tests) + "\" failures=\"" + std::to_string(failures) + "\" skipped=\"" +
         std::to_string(skipped) + "\">\n" + suites + "</testsuites>\n";
}

bool ReadJsonReport(const std::string& path, std::string_view text, const std::vector<Vector>& suite,
                    std::vector<TargetReport>* out, std::string* error) {
  nlohmann::json root = nlohmann::json::parse(text, nullptr, /*allow_exceptions=*/false);
  auto bad = [&](const std::string& what) {
    *error = path + ": " + what;
    return false;
  };
  if (root.is_discarded()) return bad("not JSON (write it with `xmppfuzz conform --format json`)");
  if (!root.is_object() || !root.contains("targets") || !root["targets"].is_array()) {
    return bad("not an xmppfuzz conform JSON report (no \"targets\" array)");
  }
  std::map<std::string, const Vector*> by_id;
  for (const Vector& v : suite) by_id[v.id] = &v;
  auto text_field = [](const nlohmann::json& j, const char* key) -> std::string {
    auto it = j.find(key);
    return it != j.end() && it->is_string() ? it->get<std::string>() : std::string();
  };
  std::vector<TargetReport> read;
  size_t index = 0;
  for (const nlohmann::json& t : root["targets"]) {
    std::string where = "target " + std::to_string(index++);
    if (!t.is_object() || !t.contains("target") || !t["target"].is_string() || !t.contains("vectors") ||
        !t["vectors"].is_array()) {
      return bad(where + ": needs \"target\" (a string) and \"vectors\" (an array)");
    }
    TargetReport report;
    report.target = t["target"].get<std::string>();
    report.label = text_field(t, "label");
    report.implementation = text_field(t, "implementation");
    auto live = t.find("live");
    report.live = live != t.end() && live->is_boolean() && live->get<bool>();
    report.expectations = text_field(t, "expectations");
    where = "target '" + Printable(ShownName(report), 200) + "'";
    if (auto it = t.find("stale_expectations"); it != t.end() && it->is_array()) {
      for (const nlohmann::json& id : *it) {
        if (id.is_string()) report.stale_expectations.push_back(id.get<std::string>());
      }
    }
    for (const nlohmann::json& j : t["vectors"]) {
      std::string id = j.is_object() ? text_field(j, "id") : std::string();
      if (id.empty()) return bad(where + ": a vector without an \"id\"");
      auto found = by_id.find(id);
      if (found == by_id.end()) {
        return bad(where + ": vector '" + Printable(id, 200) +
                   "' is not in the suite (the report is from another version of the vectors)");
      }
      Result r;
      r.vector = found->second;
      std::string expected = text_field(j, "expected");
      if (expected != r.vector->expect.Text(true)) {
        return bad(where + ": vector '" + id + "' expects '" + Printable(expected, 200) + "' there but '" +
                   r.vector->expect.Text(true) + "' in the suite (the report is from another version of the vectors)");
      }
      std::string verdict = text_field(j, "verdict");
      bool known_verdict = false;
      for (Verdict v : kVerdicts) {
        if (verdict == VerdictName(v)) {
          r.verdict = v;
          known_verdict = true;
        }
      }
      if (!known_verdict) return bad(where + ": vector '" + id + "' has no known verdict ('" + Printable(verdict, 40) + "')");
      r.observed = text_field(j, "observed");
      if (r.verdict != Verdict::kNotApplicable && r.observed.empty()) {
        return bad(where + ": vector '" + id + "' has a verdict but no \"observed\" outcome");
      }
      r.message = text_field(j, "message");
      r.observation.detail = text_field(j, "detail");
      if (auto it = j.find("events"); it != j.end() && it->is_array()) {
        for (const nlohmann::json& e : *it) {
          if (e.is_string()) r.observation.events.push_back(e.get<std::string>());
        }
      }
      report.results.push_back(std::move(r));
    }
    read.push_back(std::move(report));
  }
  for (TargetReport& r : read) out->push_back(std::move(r));
  return true;
}

namespace {

// Md makes |s| safe in a Markdown table cell: escaped for control bytes,
// on one line, with | and ` escaped.
std::string Md(const std::string& s, size_t max = 240) {
  std::string out;
  for (char c : Printable(s, max)) {
    switch (c) {
      case '|': out += "\\|"; break;
      case '`': out += "\\`"; break;
      case '\n': case '\t': out += ' '; break;
      case '<': out += "&lt;"; break;
      default: out += c;
    }
  }
  return out;
}

std::string CellMarkdown(const Counts* c) {
  if (c == nullptr) return "";
  static constexpr std::array<std::pair<Verdict, std::string_view>, 5> kShown = {{{Verdict::kFail, "FAIL"},
                                                                                 {Verdict::kPass, "pass"},
                                                                                 {Verdict::kAcceptable, "acc."},
                                                                                 {Verdict::kKnown, "known"},
                                                                                 {Verdict::kNotApplicable, "n/a"}}};
  std::string out;
  for (const auto& [v, name] : kShown) {
    size_t n = (*c)[static_cast<size_t>(v)];
    if (n == 0) continue;
    if (!out.empty()) out += ", ";
    out += (v == Verdict::kFail ? "**" : "") + std::to_string(n) + " " + std::string(name) +
           (v == Verdict::kFail ? "**" : "");
  }
  return out.empty() ? "0" : out;
}

// Reason is the expectations file's reason for a known deviation (the
// message is "<the listed outcome>: <reason>"; outcomes never hold ": "),
// else the whole message.
std::string Reason(const Result& r) {
  size_t colon = r.message.find(": ");
  if (r.verdict == Verdict::kKnown && colon != std::string::npos) return r.message.substr(colon + 2);
  return r.message;
}

}  // namespace

std::string MarkdownReport(const std::vector<TargetReport>& reports, const MarkdownParts& parts) {
  std::string out;
  std::vector<std::map<std::string, Counts>> counts;
  std::set<std::string> categories;
  for (const TargetReport& report : reports) counts.push_back(CountByCategory(report));
  // A category every target has only as n/a says nothing.
  for (const auto& c : counts) {
    for (const auto& [category, n] : c) {
      size_t all = 0;
      for (size_t x : n) all += x;
      if (!category.empty() && n[static_cast<size_t>(Verdict::kNotApplicable)] != all) categories.insert(category);
    }
  }
  auto header = [&](const std::string& first) {
    std::string h = "| " + first + " |", rule = "|---|";
    for (const TargetReport& report : reports) {
      h += " " + Md(ShownName(report)) + " |";
      rule += "---|";
    }
    return h + "\n" + rule + "\n";
  };
  if (parts.summary) {
    out += header("category");
    for (const std::string& category : categories) {
      out += "| " + Md(category) + " |";
      for (const auto& c : counts) {
        auto it = c.find(category);
        out += " " + CellMarkdown(it == c.end() ? nullptr : &it->second) + " |";
      }
      out += "\n";
    }
    out += "| total |";
    for (size_t i = 0; i < reports.size(); ++i) {
      Counts total{};
      for (const std::string& category : categories) {
        auto it = counts[i].find(category);
        if (it == counts[i].end()) continue;
        for (size_t v = 0; v < total.size(); ++v) total[v] += it->second[v];
      }
      out += " " + CellMarkdown(&total) + " |";
    }
    out += "\n";
    for (const TargetReport& report : reports) {
      for (const std::string& id : report.stale_expectations) {
        out += "\n**FAIL**: " + Md(report.expectations) + " names vector `" + Md(id) + "`, which is not in the suite.\n";
      }
    }
  }
  // The vectors that are not a pass on some target, in suite order of the
  // first report that has them.
  std::vector<const Vector*> rows;
  std::set<std::string> seen;
  std::vector<std::map<std::string, const Result*>> by_id(reports.size());
  for (size_t i = 0; i < reports.size(); ++i) {
    for (const Result& r : reports[i].results) {
      by_id[i][r.vector->id] = &r;
      bool deviates = r.verdict == Verdict::kFail || r.verdict == Verdict::kKnown;
      if (deviates && seen.insert(r.vector->id).second) rows.push_back(r.vector);
    }
  }
  std::sort(rows.begin(), rows.end(), [](const Vector* a, const Vector* b) { return a->id < b->id; });
  if (parts.deviations) {
    if (!out.empty()) out += "\n";
    if (rows.empty()) {
      out += "No deviation: every applicable vector passed on every target.\n";
    } else {
      out += header("vector");
      for (const Vector* v : rows) {
        out += "| `" + Md(v->id) + "` |";
        for (size_t i = 0; i < reports.size(); ++i) {
          auto it = by_id[i].find(v->id);
          std::string cell;
          if (it == by_id[i].end()) {
            cell = "";
          } else if (it->second->verdict == Verdict::kNotApplicable) {
            cell = "n/a";
          } else if (it->second->verdict == Verdict::kPass || it->second->verdict == Verdict::kAcceptable) {
            cell = "—";
          } else {
            cell = (it->second->verdict == Verdict::kFail ? "**FAIL**: " : "") + Md(ObservedText(*it->second), 80);
          }
          out += " " + cell + " |";
        }
        out += "\n";
      }
    }
  }
  if (parts.reasons && !rows.empty()) {
    if (!out.empty()) out += "\n";
    for (const Vector* v : rows) {
      // One bullet per distinct reason, naming the targets that gave it.
      std::vector<std::pair<std::string, std::string>> reasons;  // reason, targets
      for (size_t i = 0; i < reports.size(); ++i) {
        auto it = by_id[i].find(v->id);
        if (it == by_id[i].end()) continue;
        const Result& r = *it->second;
        if (r.verdict != Verdict::kFail && r.verdict != Verdict::kKnown) continue;
        std::string reason = Reason(r);
        auto same = std::find_if(reasons.begin(), reasons.end(), [&](const auto& p) { return p.first == reason; });
        if (same == reasons.end()) {
          reasons.emplace_back(reason, ShownName(reports[i]));
        } else {
          same->second += ", " + ShownName(reports[i]);
        }
      }
      for (const auto& [reason, names] : reasons) {
        out += "- `" + Md(v->id) + "` (" + Md(names) + "): " + Md(reason, 1000) + "\n";
      }
    }
  }
  return out;
}

}  // namespace xmppfuzz::conform
