// inproc:expat-default and inproc:libxml2-default (conformance/runner/inproc.h):
// the real parsers as applications configure them, without the guard. Each
// case is one small vector and the exact outcome the parser shows.
#include <gtest/gtest.h>

#include "conformance/runner/inproc.h"
#include "conformance/runner/runner.h"

namespace xmppfuzz::conform {
namespace {

using Kind = Outcome::Kind;
using C = xml::Condition;

constexpr std::string_view kHeader =
    "<stream:stream xmlns='jabber:client' xmlns:stream='http://etherx.jabber.org/streams' to='localhost' "
    "version='1.0'>";

Vector Xml(std::string input, Profile profile = Profile::kAuthenticated) {
  Vector v;
  v.id = "t/x";
  v.category = "t";
  v.profile = profile;
  v.input = std::move(input);
  return v;
}

Observation Play(std::string_view target, const Vector& v) {
  auto t = MakeDefaultParserTarget(target);
  EXPECT_NE(t, nullptr);
  return t->Run(v);
}

class DefaultParsers : public testing::TestWithParam<const char*> {};
INSTANTIATE_TEST_SUITE_P(Both, DefaultParsers, testing::Values("expat-default", "libxml2-default"),
                         [](const auto& info) { return std::string(info.param).substr(0, info.param[0] == 'e' ? 5 : 7); });

TEST(DefaultParserTarget, Names) {
  EXPECT_EQ(MakeDefaultParserTarget("expat-default")->Name(), "inproc:expat-default");
  EXPECT_EQ(MakeDefaultParserTarget("libxml2-default")->Name(), "inproc:libxml2-default");
  EXPECT_EQ(MakeDefaultParserTarget("expat"), nullptr);
  EXPECT_EQ(MakeDefaultParserTarget(""), nullptr);
  EXPECT_FALSE(MakeDefaultParserTarget("expat-default")->Live());
}

TEST_P(DefaultParsers, OtherKindsAreNotApplicable) {
  auto t = MakeDefaultParserTarget(GetParam());
  Vector v = Xml("");
  EXPECT_EQ(t->NotApplicable(v), "");
  v.kind = VectorKind::kSasl;
  EXPECT_EQ(t->NotApplicable(v), t->Name() + " runs the XML vectors only, not kind sasl");
  v.kind = VectorKind::kTls;
  EXPECT_NE(t->NotApplicable(v), "");
}

TEST_P(DefaultParsers, StanzasInCanonicalForm) {
  Observation obs = Play(GetParam(), Xml("<message to='a@b' xml:lang='en'><body>hi &amp; &#x263A;</body></message>"
                                        "<presence/>"));
  EXPECT_EQ(obs.broken, "");
  EXPECT_EQ(obs.outcome.kind, Kind::kAccepted) << obs.detail;
  EXPECT_EQ(obs.events, (std::vector<std::string>{
                            "stanza <message xmlns=\"jabber:client\" to=\"a@b\" xml:lang=\"en\"><body>hi &amp; "
                            "\xE2\x98\xBA</body></message>",
                            "stanza <presence xmlns=\"jabber:client\"/>"}));
}

TEST_P(DefaultParsers, AmpersandInAnAttribute) {
  Observation obs = Play(GetParam(), Xml("<message id='a&amp;b&#38;c'/>"));
  EXPECT_EQ(obs.outcome.kind, Kind::kAccepted) << obs.detail;
  EXPECT_EQ(obs.events, (std::vector<std::string>{"stanza <message xmlns=\"jabber:client\" id=\"a&amp;b&amp;c\"/>"}));
}

TEST_P(DefaultParsers, RawProfileHasTheStreamOpenAndClose) {
  Observation obs = Play(GetParam(), Xml("<?xml version='1.0'?>" + std::string(kHeader) + "</stream:stream>",
                                        Profile::kRaw));
  EXPECT_EQ(obs.outcome.kind, Kind::kAccepted) << obs.detail;
  EXPECT_EQ(obs.events, (std::vector<std::string>{
                            "stream-open <stream:stream xmlns:stream=\"http://etherx.jabber.org/streams\" "
                            "xmlns=\"jabber:client\" to=\"localhost\" version=\"1.0\">",
                            "stream-close"}));
}

// RFC 6120 section 11.1: comments and PIs are restricted XML; these parsers
// skip them and go on.
TEST_P(DefaultParsers, CommentIsDropped) {
  Observation obs = Play(GetParam(), Xml("<message/><!-- hidden --><presence/>"));
  EXPECT_EQ(obs.outcome.kind, Kind::kDropped) << obs.detail;
  EXPECT_NE(obs.detail.find("skipped and went on: comment at "), std::string::npos) << obs.detail;
  EXPECT_EQ(obs.events.size(), 2u);
}

TEST_P(DefaultParsers, ProcessingInstructionIsDropped) {
  Observation obs = Play(GetParam(), Xml("<message><?evil x?></message>"));
  EXPECT_EQ(obs.outcome.kind, Kind::kDropped) << obs.detail;
  EXPECT_NE(obs.detail.find("processing instruction 'evil'"), std::string::npos) << obs.detail;
  EXPECT_EQ(obs.events, (std::vector<std::string>{"stanza <message xmlns=\"jabber:client\"/>"}));
}

TEST_P(DefaultParsers, MismatchedTagIsRefusedWithTheParsersOffset) {
  Observation obs = Play(GetParam(), Xml("<message><body></message>"));
  EXPECT_EQ(obs.outcome.kind, Kind::kRefused) << obs.detail;
  EXPECT_EQ(obs.outcome.condition, C::kNotWellFormed);
  ASSERT_TRUE(obs.outcome.offset);
  EXPECT_GE(*obs.outcome.offset, 15);
  EXPECT_LE(*obs.outcome.offset, 25);
  EXPECT_NE(obs.detail.find(" error at byte "), std::string::npos) << obs.detail;
}

// XML 1.0 section 2.8: the DOCTYPE belongs before the root element.
TEST_P(DefaultParsers, DoctypeInsideTheStreamIsRefused) {
  Observation obs = Play(GetParam(), Xml("<!DOCTYPE x [<!ENTITY e 'y'>]><message/>"));
  EXPECT_EQ(obs.outcome.kind, Kind::kRefused) << obs.detail;
  EXPECT_EQ(obs.outcome.condition, C::kNotWellFormed) << obs.detail;
  ASSERT_TRUE(obs.outcome.offset);
  EXPECT_LE(*obs.outcome.offset, 2) << obs.detail;
}

TEST_P(DefaultParsers, UnfinishedStanzaIsAccepted) {
  Observation obs = Play(GetParam(), Xml("<message><body>par"));
  EXPECT_EQ(obs.outcome.kind, Kind::kAccepted) << obs.detail;
  EXPECT_TRUE(obs.events.empty());
}

TEST_P(DefaultParsers, DeepNestingIsBounded) {
  std::string deep;
  for (int i = 0; i < 5000; ++i) deep += "<a>";
  Observation obs = Play(GetParam(), Xml("<message>" + deep));
  // Neither limits the depth: Expat has no limit, and libxml2 2.9's depth
  // limit of 256 (without XML_PARSE_HUGE) is not checked by its push
  // parser. The runner stops recording at 1024.
  EXPECT_EQ(obs.outcome.kind, Kind::kAccepted) << obs.detail;
  EXPECT_NE(obs.detail.find("the runner stopped at nesting depth 1024"), std::string::npos) << obs.detail;
  EXPECT_TRUE(obs.events.empty());
}


std::string Raw(std::string_view doctype, std::string_view body) {
  return "<?xml version='1.0'?>" + std::string(doctype) + std::string(kHeader) + std::string(body);
}

// CVE-2003-1564 family: an internal entity. Expat expands it into the
// text; libxml2 as libstrophe sets it up (its own user data, no getEntity)
// never finds the declaration and refuses the reference.
TEST_P(DefaultParsers, InternalEntity) {
  Observation obs = Play(GetParam(), Xml(Raw("<!DOCTYPE s [<!ENTITY e 'pwned'>]>", "<message><body>&e;</body></message>"),
                                         Profile::kRaw));
  if (std::string_view(GetParam()) == "expat-default") {
    EXPECT_EQ(obs.outcome.kind, Kind::kExpanded) << obs.detail;
    EXPECT_NE(obs.detail.find("expanded: entity &e; at "), std::string::npos) << obs.detail;
    ASSERT_EQ(obs.events.size(), 2u);
    EXPECT_EQ(obs.events[1], "stanza <message xmlns=\"jabber:client\"><body>pwned</body></message>");
  } else {
    EXPECT_EQ(obs.outcome.kind, Kind::kRefused) << obs.detail;
    EXPECT_EQ(obs.outcome.condition, C::kNotWellFormed);
    EXPECT_NE(obs.detail.find("Entity 'e' not defined (xmlParserErrors 26)"), std::string::npos) << obs.detail;
  }
}

// RFC 6120 section 11.1: an ATTLIST default adds an attribute the sender
// never wrote (a forged 'to').
TEST_P(DefaultParsers, AttributeDefaultFromTheDtd) {
  Observation obs = Play(GetParam(), Xml(Raw("<!DOCTYPE s [<!ATTLIST message to CDATA 'victim@localhost'>]>",
                                             "<message/>"),
                                         Profile::kRaw));
  EXPECT_EQ(obs.outcome.kind, Kind::kExpanded) << obs.detail;
  EXPECT_NE(obs.detail.find("attribute 'to' of <message> defaulted by the DTD to 'victim@localhost'"),
            std::string::npos)
      << obs.detail;
  ASSERT_EQ(obs.events.size(), 2u);
  EXPECT_EQ(obs.events[1], "stanza <message xmlns=\"jabber:client\" to=\"victim@localhost\"/>");
}

// CWE-611: an external entity. Expat hands it to the application (which
// loads nothing by default); libxml2 never finds the declaration.
TEST_P(DefaultParsers, ExternalEntityIsNotLoaded) {
  Observation obs = Play(GetParam(), Xml(Raw("<!DOCTYPE s [<!ENTITY x SYSTEM 'file:///etc/passwd'>]>",
                                             "<message><body>&x;</body></message>"),
                                         Profile::kRaw));
  if (std::string_view(GetParam()) == "expat-default") {
    EXPECT_EQ(obs.outcome.kind, Kind::kDropped) << obs.detail;
    EXPECT_NE(obs.detail.find("external entity SYSTEM 'file:///etc/passwd' (Expat loads nothing by itself)"),
              std::string::npos)
        << obs.detail;
    ASSERT_EQ(obs.events.size(), 2u);
    EXPECT_EQ(obs.events[1], "stanza <message xmlns=\"jabber:client\"><body/></message>");
  } else {
    EXPECT_EQ(obs.outcome.kind, Kind::kRefused) << obs.detail;
    EXPECT_NE(obs.detail.find("Entity 'x' not defined"), std::string::npos) << obs.detail;
  }
}

// CVE-2003-1564: billion laughs. Expat 2.5's amplification limit stops it.
TEST_P(DefaultParsers, BillionLaughs) {
  std::string dtd = "<!DOCTYPE s [<!ENTITY a0 'lol'>";
  for (int i = 1; i <= 9; ++i) {
    dtd += "<!ENTITY a" + std::to_string(i) + " '";
    for (int k = 0; k < 10; ++k) dtd += "&a" + std::to_string(i - 1) + ";";
    dtd += "'>";
  }
  dtd += "]>";
  Observation obs = Play(GetParam(), Xml(Raw(dtd, "<message><body>&a9;</body></message>"), Profile::kRaw));
  EXPECT_EQ(obs.outcome.kind, Kind::kRefused) << obs.detail;
  if (std::string_view(GetParam()) == "expat-default") {
    EXPECT_EQ(obs.outcome.condition, C::kResourceConstraint);
    EXPECT_NE(obs.detail.find("(XML_Error 43)"), std::string::npos) << obs.detail;  // XML_ERROR_AMPLIFICATION_LIMIT_BREACH
  } else {
    EXPECT_EQ(obs.outcome.condition, C::kNotWellFormed);
    EXPECT_NE(obs.detail.find("Entity 'a9' not defined"), std::string::npos) << obs.detail;
  }
  EXPECT_LT(obs.detail.size(), 4096u);
}

// Invalid UTF-8 (RFC 6120 section 11.6): both refuse it, and libxml2's
// encoding layer's own message is kept in the detail, not printed.
TEST_P(DefaultParsers, InvalidUtf8) {
  Observation obs = Play(GetParam(), Xml("<message><body>\xC3\x28</body></message>"));
  EXPECT_EQ(obs.outcome.kind, Kind::kRefused) << obs.detail;
  EXPECT_EQ(obs.outcome.condition, C::kNotWellFormed) << obs.detail;
}

}  // namespace
}  // namespace xmppfuzz::conform
