// The W3C suite runner's pure parts (conformance/runner/w3c.h): which tests
// are selected for an edition, how a standalone document is framed for the
// reader, the lexical oracle for well-formed documents, the document-level
// read on both backends, and the catalog loader.
#include "conformance/runner/w3c.h"

#include <gtest/gtest.h>
#include <unistd.h>

#include <filesystem>
#include <fstream>

namespace xmppfuzz::conform {
namespace {

using C = xml::Condition;

// --- Selected ---------------------------------------------------------------

W3cTest MakeTest(std::string type, std::string recommendation = "XML1.0", std::string editions = "") {
  W3cTest t;
  t.id = "t";
  t.type = std::move(type);
  t.recommendation = std::move(recommendation);
  t.editions = std::move(editions);
  return t;
}

TEST(W3cSelected, PlainXml10TestsRunAtEveryEdition) {
  std::string why;
  for (int edition : {4, 5}) {
    EXPECT_TRUE(Selected(MakeTest("not-wf"), edition, &why));
    EXPECT_TRUE(Selected(MakeTest("valid", "XML1.0-errata4e"), edition, &why));
    EXPECT_TRUE(Selected(MakeTest("invalid", "NS1.0"), edition, &why));
  }
}

// Expat follows the fourth edition's name tables, libxml2 the fifth's: a test
// whose outcome changed between them runs only at the edition it names.
TEST(W3cSelected, EditionListedTestsRunOnlyAtTheirEditions) {
  std::string why;
  W3cTest old_names = MakeTest("not-wf", "XML1.0", "1 2 3 4");
  EXPECT_TRUE(Selected(old_names, 4, &why));
  EXPECT_FALSE(Selected(old_names, 5, &why));
  EXPECT_EQ(why, "EDITION 1 2 3 4");

  W3cTest new_names = MakeTest("valid", "XML1.0", "5");
  EXPECT_TRUE(Selected(new_names, 5, &why));
  EXPECT_FALSE(Selected(new_names, 4, &why));
  EXPECT_EQ(why, "EDITION 5");
}

TEST(W3cSelected, Xml11AndNamespaces11AreLeftOut) {
  std::string why;
  EXPECT_FALSE(Selected(MakeTest("valid", "XML1.1"), 5, &why));
  EXPECT_FALSE(Selected(MakeTest("not-wf", "NS1.1"), 5, &why));
  W3cTest v11 = MakeTest("valid");
  v11.version = "1.1";
  EXPECT_FALSE(Selected(v11, 5, &why));
  EXPECT_EQ(why, "VERSION 1.1");
  v11.version = "1.0 1.1";
  EXPECT_TRUE(Selected(v11, 5, &why));
}

TEST(W3cSelected, OptionalErrorsAndNonNamespaceTestsAreLeftOut) {
  std::string why;
  EXPECT_FALSE(Selected(MakeTest("error"), 4, &why));
  EXPECT_NE(why.find("error"), std::string::npos);
  W3cTest no_ns = MakeTest("valid");
  no_ns.namespaces = false;
  EXPECT_FALSE(Selected(no_ns, 4, &why));
  EXPECT_NE(why.find("NAMESPACE=no"), std::string::npos);
}

// --- DocumentBytes ----------------------------------------------------------

TEST(W3cDocumentBytes, WrapsTheRootElement) {
  EXPECT_EQ(DocumentBytes("<doc/>"), "<xmppfuzz-document><doc/></xmppfuzz-document>");
}

// The XML declaration, a byte order mark and prolog whitespace stay in front
// of the wrapper, where the reader applies the prolog rules to them.
TEST(W3cDocumentBytes, KeepsTheDeclarationFirst) {
  EXPECT_EQ(DocumentBytes("<?xml version=\"1.0\"?>\r\n<doc>x</doc>\n"),
            "<?xml version=\"1.0\"?>\r\n<xmppfuzz-document><doc>x</doc>\n</xmppfuzz-document>");
  EXPECT_EQ(DocumentBytes("\xEF\xBB\xBF<doc/>"), "\xEF\xBB\xBF<xmppfuzz-document><doc/></xmppfuzz-document>");
}

// Misc after the root element lands inside the wrapper, where the reader
// still judges it (a comment there is restricted-xml).
TEST(W3cDocumentBytes, TrailingMarkupStaysAfterTheRoot) {
  EXPECT_EQ(DocumentBytes("<doc/><!-- c -->"), "<xmppfuzz-document><doc/><!-- c --></xmppfuzz-document>");
}

// A prolog holding anything but the declaration and whitespace is left as it
// is: the reader refuses it before a wrapper could matter.
TEST(W3cDocumentBytes, LeavesOtherPrologsAlone) {
  for (std::string_view d : {"<!DOCTYPE doc [\n]>\n<doc/>", "<?xml-stylesheet href='a'?><doc/>", "<!-- c --><doc/>",
                             "x<doc/>", "", "<?xml version='1.0'"}) {
    EXPECT_EQ(DocumentBytes(d), d);
  }
}

// --- ExpectedForWellFormed --------------------------------------------------

TEST(W3cExpected, PlainUtf8DocumentsAreAccepted) {
  EXPECT_EQ(ExpectedForWellFormed("<doc a='&lt;&amp;'>&#60;&#x3C;&gt;&quot;&apos;</doc>"), C::kNone);
  EXPECT_EQ(ExpectedForWellFormed("<?xml version='1.0' encoding='UTF-8'?><doc/>"), C::kNone);
  EXPECT_EQ(ExpectedForWellFormed("<?xml version='1.0' encoding=\"utf-8\"?><doc/>"), C::kNone);
}

// RFC 6120 section 11.6: UTF-8 only, whether the other encoding is declared
// or only shown by a byte order mark or the zero bytes of UTF-16.
TEST(W3cExpected, OtherEncodingsAreUnsupported) {
  EXPECT_EQ(ExpectedForWellFormed("<?xml version='1.0' encoding='ISO-8859-1'?><doc/>"), C::kUnsupportedEncoding);
  EXPECT_EQ(ExpectedForWellFormed("<?xml version='1.0' encoding='US-ASCII'?><doc/>"), C::kUnsupportedEncoding);
  EXPECT_EQ(ExpectedForWellFormed(std::string("\xFF\xFE<\0d\0/\0>\0", 10)), C::kUnsupportedEncoding);
  EXPECT_EQ(ExpectedForWellFormed(std::string("\0<\0d\0/\0>", 8)), C::kUnsupportedEncoding);
  // The encoding is judged first, as the reader meets it first.
  EXPECT_EQ(ExpectedForWellFormed("<?xml version='1.0' encoding='UTF-16'?><!DOCTYPE doc><doc/>"),
            C::kUnsupportedEncoding);
}

// RFC 6120 section 11.1.
TEST(W3cExpected, RestrictedMarkupIsRestrictedXml) {
  EXPECT_EQ(ExpectedForWellFormed("<!DOCTYPE doc [<!ELEMENT doc EMPTY>]><doc/>"), C::kRestrictedXml);
  EXPECT_EQ(ExpectedForWellFormed("<doc><!-- c --></doc>"), C::kRestrictedXml);
  EXPECT_EQ(ExpectedForWellFormed("<doc/><?pi?>"), C::kRestrictedXml);
  EXPECT_EQ(ExpectedForWellFormed("<doc>&e;</doc>"), C::kRestrictedXml);
}

TEST(W3cExpected, CdataContentIsText) {
  EXPECT_EQ(ExpectedForWellFormed("<doc><![CDATA[<!DOCTYPE <?pi?> &e; <!--]]></doc>"), C::kNone);
}

// --- ReadDocument -----------------------------------------------------------

class W3cRead : public ::testing::TestWithParam<xml::Backend> {};

TEST_P(W3cRead, AcceptsOneCompleteRootElement) {
  EXPECT_EQ(ReadDocument(GetParam(), "<?xml version='1.0'?>\n<doc a='1'><x>t</x></doc>\n"), C::kNone);
  EXPECT_EQ(ReadDocument(GetParam(), "<xmppfuzz-document/>"), C::kNone);
}

TEST_P(W3cRead, RefusesWhatIsNotOneRootElement) {
  EXPECT_EQ(ReadDocument(GetParam(), ""), C::kNotWellFormed);
  EXPECT_EQ(ReadDocument(GetParam(), "<doc>"), C::kNotWellFormed);
  EXPECT_EQ(ReadDocument(GetParam(), "<doc/><doc/>"), C::kNotWellFormed);
  EXPECT_NE(ReadDocument(GetParam(), "<doc/>text"), C::kNone);
}

// A document cannot end the wrapper early and hide what follows.
TEST_P(W3cRead, RefusesAnEarlyWrapperEnd) {
  EXPECT_NE(ReadDocument(GetParam(), "<doc/></xmppfuzz-document>"), C::kNone);
  EXPECT_NE(ReadDocument(GetParam(), "<doc/></xmppfuzz-document><!DOCTYPE x>"), C::kNone);
}

TEST_P(W3cRead, ChunkingDoesNotChangeTheOutcome) {
  for (std::string_view d : {"<?xml version='1.0'?><doc a='&amp;'>t<![CDATA[x]]></doc>", "<doc/><doc/>",
                             "<doc/><!-- c -->", "<doc>"}) {
    xml::Condition whole = ReadDocument(GetParam(), d);
    for (size_t chunk : {1, 2, 3, 7}) EXPECT_EQ(ReadDocument(GetParam(), d, chunk), whole) << d << " chunk " << chunk;
  }
  EXPECT_EQ(ReadDocument(GetParam(), "<doc>x</doc>", 1), C::kNone);
  EXPECT_EQ(ReadDocument(GetParam(), "<doc/><doc/>", 1), C::kNotWellFormed);
}

TEST_P(W3cRead, RefusesRestrictedMarkup) {
  EXPECT_EQ(ReadDocument(GetParam(), "<!DOCTYPE doc><doc/>"), C::kRestrictedXml);
  EXPECT_EQ(ReadDocument(GetParam(), "<doc/><!-- c -->"), C::kRestrictedXml);
}

INSTANTIATE_TEST_SUITE_P(Backends, W3cRead, ::testing::ValuesIn(xml::kBackends),
                         [](const auto& info) { return std::string(xml::BackendName(info.param)); });

// --- LoadW3cCatalog ---------------------------------------------------------

TEST(W3cCatalog, ReadsTestsAndResolvesXmlBase) {
  namespace fs = std::filesystem;
  fs::path dir = fs::temp_directory_path() / ("w3c_test_" + std::to_string(::getpid()));
  fs::create_directories(dir / "cleaned");
  std::ofstream(dir / "cleaned/xmlconf-flattened.xml") << R"(<?xml version="1.0"?>
<TESTSUITE PROFILE="p">
 <TESTCASES PROFILE="outer" xml:base="ibm/">
  <TESTCASES PROFILE="inner" xml:base="xml-1.1/">
   <TEST ID="a" TYPE="not-wf" URI="a.xml" RECOMMENDATION="XML1.1" VERSION="1.1" SECTIONS="2">
     Names   may not
     start with a digit.</TEST>
  </TESTCASES>
  <TEST ID="b" TYPE="valid" URI="b.xml" EDITION="5" NAMESPACE="no" SECTIONS="2"/>
 </TESTCASES>
</TESTSUITE>
)";
  std::vector<W3cTest> tests;
  std::string error;
  ASSERT_TRUE(LoadW3cCatalog(dir.string(), &tests, &error)) << error;
  fs::remove_all(dir);
  ASSERT_EQ(tests.size(), 2u);
  EXPECT_EQ(tests[0].id, "a");
  EXPECT_EQ(tests[0].type, "not-wf");
  EXPECT_EQ(tests[0].path, dir.string() + "/xmlconf/ibm/xml-1.1/a.xml");
  EXPECT_EQ(tests[0].recommendation, "XML1.1");
  EXPECT_EQ(tests[0].version, "1.1");
  EXPECT_EQ(tests[0].description, "Names may not start with a digit.");
  EXPECT_EQ(tests[1].path, dir.string() + "/xmlconf/ibm/b.xml");
  EXPECT_EQ(tests[1].recommendation, "XML1.0");
  EXPECT_EQ(tests[1].editions, "5");
  EXPECT_FALSE(tests[1].namespaces);
}

TEST(W3cCatalog, MissingSuiteSaysHowToFetchIt) {
  std::vector<W3cTest> tests;
  std::string error;
  EXPECT_FALSE(LoadW3cCatalog("/nonexistent/w3c", &tests, &error));
  EXPECT_NE(error.find("scripts/w3c-suite"), std::string::npos);
}

}  // namespace
}  // namespace xmppfuzz::conform
