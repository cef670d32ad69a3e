// The HTML report and the written expectations files
// (conformance/runner/report.h): the page parses with libxml2's HTML parser
// into a matrix of categories x targets and one deviation row per non-pass
// result, and every string a peer or a vector supplied comes out escaped.
// (The render in a real browser is conform.report.html-chromium.)
#include <gtest/gtest.h>
#include <libxml/HTMLparser.h>
#include <libxml/tree.h>
#include <libxml/xpath.h>

#include <deque>
#include <memory>

#include "conformance/runner/report.h"
#include "targets/base/base.h"
#include "tests/conformance/report_suite.h"

namespace xmppfuzz::conform {
namespace {

using Kind = Outcome::Kind;

using testing::Suite;

Result MakeResult(const Vector* v, Verdict verdict, std::string message = "", std::string detail = "") {
  Result r;
  r.vector = v;
  r.verdict = verdict;
  r.message = std::move(message);
  r.observation.detail = std::move(detail);
  if (verdict == Verdict::kPass) {
    r.observation.outcome = v->expect;
  } else if (verdict != Verdict::kNotApplicable) {
    r.observation.outcome.kind = Kind::kDropped;
  }
  return r;
}

// Two targets: alpha (2 pass, 1 fail, 1 acceptable) and beta (1 known, 1
// n/a) on the first; alpha and gamma on the second.
std::vector<TargetReport> TwoTargets(Suite& suite) {
  TargetReport a;
  a.target = "inproc:expat-default";
  a.results.push_back(MakeResult(suite.Add("alpha", "p1"), Verdict::kPass));
  a.results.push_back(MakeResult(suite.Add("alpha", "p2"), Verdict::kPass));
  a.results.push_back(MakeResult(suite.Add("alpha", "f1"), Verdict::kFail, "expected refused, got dropped", "why"));
  a.results.push_back(MakeResult(suite.Add("alpha", "a1"), Verdict::kAcceptable, "closed: may hang up"));
  a.results.push_back(MakeResult(suite.Add("beta", "k1"), Verdict::kKnown, "dropped: skips it"));
  a.results.push_back(MakeResult(suite.Add("beta", "n1"), Verdict::kNotApplicable, "XML vectors only"));
  TargetReport b;
  b.target = "xmpp://127.0.0.1:5222/localhost";
  b.live = true;
  b.results.push_back(MakeResult(suite.Add("alpha", "p1"), Verdict::kPass));
  b.results.push_back(MakeResult(suite.Add("gamma", "p3"), Verdict::kPass));
  return {a, b};
}

struct DocDeleter {
  void operator()(xmlDoc* d) const { xmlFreeDoc(d); }
};
using Doc = std::unique_ptr<xmlDoc, DocDeleter>;

Doc ParseHtml(const std::string& html) {
  Doc doc(htmlReadMemory(html.data(), static_cast<int>(html.size()), "report.html", "UTF-8",
                         HTML_PARSE_NONET | HTML_PARSE_NOERROR | HTML_PARSE_NOWARNING));
  EXPECT_NE(doc, nullptr);
  return doc;
}

// Strings returns the text content of every node |xpath| selects.
std::vector<std::string> Strings(xmlDoc* doc, const char* xpath) {
  std::vector<std::string> out;
  xmlXPathContextPtr ctx = xmlXPathNewContext(doc);
  xmlXPathObjectPtr obj = xmlXPathEvalExpression(reinterpret_cast<const xmlChar*>(xpath), ctx);
  if (obj != nullptr && obj->nodesetval != nullptr) {
    for (int i = 0; i < obj->nodesetval->nodeNr; ++i) {
      xmlChar* s = xmlNodeGetContent(obj->nodesetval->nodeTab[i]);
      out.emplace_back(s == nullptr ? "" : reinterpret_cast<const char*>(s));
      xmlFree(s);
    }
  }
  xmlXPathFreeObject(obj);
  xmlXPathFreeContext(ctx);
  return out;
}

size_t Count(xmlDoc* doc, const char* xpath) { return Strings(doc, xpath).size(); }

TEST(HtmlEscape, FiveCharacters) {
  EXPECT_EQ(HtmlEscape("a<b>&\"c'"), "a&lt;b&gt;&amp;&quot;c&#39;");
  EXPECT_EQ(HtmlEscape("plain \xC3\xA9"), "plain \xC3\xA9");
  EXPECT_EQ(HtmlEscape(""), "");
}

TEST(HtmlReport, SelfContained) {
  Suite suite;
  std::string html = HtmlReport(TwoTargets(suite));
  EXPECT_EQ(html.rfind("<!DOCTYPE html>", 0), 0u);
  EXPECT_NE(html.find("<meta charset=\"utf-8\">"), std::string::npos);
  EXPECT_NE(html.find("<style>"), std::string::npos);
  for (const char* external : {"<script", "<link", "src=", "href=", "url(", "@import"}) {
    EXPECT_EQ(html.find(external), std::string::npos) << external;
  }
}

TEST(HtmlReport, MatrixIsCategoriesByTargets) {
  Suite suite;
  Doc doc = ParseHtml(HtmlReport(TwoTargets(suite)));
  ASSERT_NE(doc, nullptr);
  EXPECT_EQ(Strings(doc.get(), "//table[@id='matrix']/thead/tr/th"),
            (std::vector<std::string>{"category", "inproc:expat-default", "xmpp://127.0.0.1:5222/localhost"}));
  EXPECT_EQ(Strings(doc.get(), "//table[@id='matrix']/tbody/tr/th"),
            (std::vector<std::string>{"alpha", "beta", "gamma", "total"}));
  EXPECT_EQ(Count(doc.get(), "//table[@id='matrix']/tbody/tr/td"), 8u);
  EXPECT_EQ(Strings(doc.get(), "//table[@id='matrix']/tbody/tr[1]/td"),
            (std::vector<std::string>{"2 pass1 fail1 acceptable", "1 pass"}));
  // A target with no vector of a category shows a dash.
  EXPECT_EQ(Strings(doc.get(), "//table[@id='matrix']/tbody/tr[3]/td[1]"), (std::vector<std::string>{"\xE2\x80\x94"}));
  EXPECT_EQ(Strings(doc.get(), "//table[@id='matrix']/tbody/tr[4]/td"),
            (std::vector<std::string>{"2 pass1 fail1 acceptable1 known1 n/a", "2 pass"}));
}

TEST(HtmlReport, CellsColouredByTheWorstVerdict) {
  Suite suite;
  Doc doc = ParseHtml(HtmlReport(TwoTargets(suite)));
  ASSERT_NE(doc, nullptr);
  std::vector<std::string> classes;
  for (const char* row : {"1", "2", "3", "4"}) {
    for (const char* col : {"1", "2"}) {
      std::string xpath = std::string("string(//table[@id='matrix']/tbody/tr[") + row + "]/td[" + col + "]/@class)";
      xmlXPathContextPtr ctx = xmlXPathNewContext(doc.get());
      xmlXPathObjectPtr obj = xmlXPathEvalExpression(reinterpret_cast<const xmlChar*>(xpath.c_str()), ctx);
      classes.emplace_back(reinterpret_cast<const char*>(obj->stringval));
      xmlXPathFreeObject(obj);
      xmlXPathFreeContext(ctx);
    }
  }
  EXPECT_EQ(classes, (std::vector<std::string>{"v-fail", "v-pass", "v-known", "v-empty", "v-empty", "v-pass", "v-fail",
                                               "v-pass"}));
}

TEST(HtmlReport, EveryNonPassResultHasARow) {
  Suite suite;
  Doc doc = ParseHtml(HtmlReport(TwoTargets(suite)));
  ASSERT_NE(doc, nullptr);
  // Fail, known, acceptable in that order; n/a apart in a closed <details>.
  EXPECT_EQ(Strings(doc.get(), "//section[@id='target-0']//table[contains(@class,'deviations')]/tbody/tr/td[1]"),
            (std::vector<std::string>{"alpha/f1", "beta/k1", "alpha/a1"}));
  EXPECT_EQ(Strings(doc.get(), "//section[@id='target-0']//table[contains(@class,'deviations')]/tbody/tr[1]/td"),
            (std::vector<std::string>{"alpha/f1", "fail", "dropped", "refused restricted-xml at-or-before 7",
                                      "expected refused, got dropped", "why"}));
  EXPECT_EQ(Strings(doc.get(), "//section[@id='target-0']//details//tbody/tr/td[1]"),
            (std::vector<std::string>{"beta/n1"}));
  EXPECT_EQ(Count(doc.get(), "//section[@id='target-1']//table"), 0u);
  EXPECT_EQ(Strings(doc.get(), "//section[@id='target-1']/p[2]"),
            (std::vector<std::string>{"Every applicable vector passed."}));
  EXPECT_EQ(Strings(doc.get(), "//p[contains(@class,'result-')]"), (std::vector<std::string>{"result: FAIL"}));
}

TEST(HtmlReport, StaleExpectationIsAFailRow) {
  Suite suite;
  std::vector<TargetReport> reports = TwoTargets(suite);
  reports[1].expectations = "x.expect";
  reports[1].stale_expectations = {"gamma/gone"};
  Doc doc = ParseHtml(HtmlReport(reports));
  ASSERT_NE(doc, nullptr);
  EXPECT_EQ(Strings(doc.get(), "//section[@id='target-1']//tbody/tr/td[5]"),
            (std::vector<std::string>{"listed in x.expect but not in the suite"}));
}

TEST(HtmlReport, HostileStringsAreEscaped) {
  Suite suite;
  const Vector* v = suite.Add("alpha", "evil");
  std::string evil = std::string("<script>alert(1)</script><img src=x onerror=alert(2)>\x1B[2J\x07") +
                     std::string(1, '\0') + "\"'&amp;\xFF\xE2\x80\xAE end";
  TargetReport t;
  t.target = "xmpp://127.0.0.1:1/<i>";
  t.results.push_back(MakeResult(v, Verdict::kFail, evil, evil));
  std::string html = HtmlReport({t});
  for (const char* markup : {"<script", "<img", "<i>", "\"'"}) EXPECT_EQ(html.find(markup), std::string::npos) << markup;
  for (size_t i = 0; i < html.size(); ++i) {
    unsigned char c = static_cast<unsigned char>(html[i]);
    ASSERT_FALSE((c < 0x20 && c != '\n') || c == 0x7F || c == 0xFF) << "raw byte " << int(c) << " at " << i;
  }
  EXPECT_EQ(html.find("\xE2\x80\xAE"), std::string::npos);
  Doc doc = ParseHtml(html);
  ASSERT_NE(doc, nullptr);
  EXPECT_EQ(Count(doc.get(), "//script"), 0u);
  EXPECT_EQ(Count(doc.get(), "//img"), 0u);
  std::string shown =
      "<script>alert(1)</script><img src=x onerror=alert(2)>\\x1B[2J\\x07\\x00\"'&amp;\\xFF\\u{202E} end";
  EXPECT_EQ(Strings(doc.get(), "//table[contains(@class,'deviations')]/tbody/tr/td[5]"),
            (std::vector<std::string>{shown}));
  EXPECT_EQ(Strings(doc.get(), "//table[contains(@class,'deviations')]/tbody/tr/td[6]"),
            (std::vector<std::string>{shown}));
  EXPECT_EQ(Strings(doc.get(), "//table[@id='matrix']/thead/tr/th[2]"),
            (std::vector<std::string>{"xmpp://127.0.0.1:1/<i>"}));
}

TEST(HtmlReport, HugeDetailIsCut) {
  Suite suite;
  TargetReport t;
  t.target = "inproc:expat";
  t.results.push_back(MakeResult(suite.Add("a", "big"), Verdict::kFail, "m", std::string(8u << 20, 'x')));
  std::string html = HtmlReport({t});
  EXPECT_LT(html.size(), 64u * 1024);
  EXPECT_NE(html.find("...[cut: 8388608 bytes in all]"), std::string::npos);
}

TEST(HtmlReport, NoTargets) {
  Doc doc = ParseHtml(HtmlReport({}));
  ASSERT_NE(doc, nullptr);
  EXPECT_EQ(Strings(doc.get(), "//table[@id='matrix']/tbody/tr/th"), (std::vector<std::string>{"total"}));
}

// --- Written expectations files -------------------------------------------------------

TEST(ExpectationsFile, ListsWhatFailsWithAnExposureReason) {
  Suite suite;
  TargetReport t;
  t.target = "inproc:expat-default";
  Result dropped = MakeResult(suite.Add("a", "comment"), Verdict::kFail, "expected refused, got dropped",
                              "Expat 2.5.0 skipped and went on: comment at 50\nnotes: x");
  Result expanded = MakeResult(suite.Add("a", "entity"), Verdict::kFail, "", "Expat expanded: entity &e; at 9");
  expanded.observation.outcome.kind = Kind::kExpanded;
  Result refused = MakeResult(suite.Add("a", "late"), Verdict::kFail, "", "Expat error at byte 30: syntax error");
  refused.observation.outcome.kind = Kind::kRefused;
  refused.observation.outcome.condition = xml::Condition::kNotWellFormed;
  refused.observation.outcome.offset = 30;
  Result accepted = MakeResult(suite.Add("a", "pi"), Verdict::kFail, "", "parsed\x1B");
  accepted.observation.outcome.kind = Kind::kAccepted;
  t.results = {dropped, expanded, refused, accepted, MakeResult(suite.Add("a", "ok"), Verdict::kPass),
               MakeResult(suite.Add("a", "na"), Verdict::kNotApplicable, "XML only")};
  std::string file = ExpectationsFile(t, "first\nsecond");
  EXPECT_EQ(file,
            "# first\n# second\n"
            "a/comment dropped -- exposure: markup skipped silently - Expat 2.5.0 skipped and went on: comment at 50\n"
            "a/entity expanded -- exposure: entity expansion - Expat expanded: entity &e; at 9\n"
            "a/late refused not-well-formed -- not exposed: refused, with another condition or later than the "
            "reference (refused restricted-xml at-or-before 7) - Expat error at byte 30: syntax error\n"
            "a/pi accepted -- exposure: accepted where the reference says refused restricted-xml - parsed\\x1B\n");
  Expectations known;
  std::string error;
  ASSERT_TRUE(ParseExpectations("written.expect", file, &known, &error)) << error;
  EXPECT_EQ(known.size(), 4u);
  EXPECT_EQ(known.at("a/entity").outcome.kind, Kind::kExpanded);
  EXPECT_EQ(known.at("a/comment").outcome.kind, Kind::kDropped);
}

TEST(ExpectationsFile, AKnownLineThatNowPassesIsNotWrittenAgain) {
  Suite suite;
  const Vector* v = suite.Add("a", "fixed");
  Result r = MakeResult(v, Verdict::kFail, "known deviation 'dropped' changed: now passes");
  r.observation.outcome = v->expect;
  TargetReport t;
  t.results = {r};
  EXPECT_EQ(ExpectationsFile(t, ""), "");
}

}  // namespace
}  // namespace xmppfuzz::conform
