#include "conformance/runner/report.h"

#include <cstdint>
#include <cstdio>
#include <nlohmann/json.hpp>
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

}  // namespace

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
    out += "target " + report.target + ": " + std::to_string(report.results.size()) + " vectors";
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
        j["observed"] = r.observation.outcome.Text();
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
        std::string classname = XmlEscape(report.target + "." + category);
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
      suites += "  <testsuite name=\"" + XmlEscape(report.target + "/" + category) + "\" tests=\"" +
                std::to_string(results.size()) + "\" failures=\"" + std::to_string(f) + "\" skipped=\"" +
                std::to_string(s) + "\">\n" + cases + "  </testsuite>\n";
      tests += results.size();
      failures += f;
      skipped += s;
    }
    if (!report.stale_expectations.empty()) {
      std::string cases;
      for (const std::string& id : report.stale_expectations) {
        cases += "    <testcase classname=\"" + XmlEscape(report.target + ".expectations") + "\" name=\"" +
                 XmlEscape(id) + "\"><failure message=\"listed in " + XmlEscape(report.expectations) +
                 " but not in the suite\"/></testcase>\n";
      }
      suites += "  <testsuite name=\"" + XmlEscape(report.target + "/expectations") + "\" tests=\"" +
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

}  // namespace xmppfuzz::conform
