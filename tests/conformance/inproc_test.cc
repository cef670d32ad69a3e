// The in-process target (conformance/runner/inproc.h): the chunkings every
// vector runs at, and what the reference stream parser reports for vectors
// of each side and profile, on both backends.
#include "conformance/runner/inproc.h"

#include <gtest/gtest.h>

#include <numeric>
#include <set>

namespace xmppfuzz::conform {
namespace {

using C = xml::Condition;
using Kind = Outcome::Kind;

// --- Chunkings -----------------------------------------------------------------------

TEST(Chunkings, FixedOnesFirst) {
  auto cs = Chunkings("cat/x", 100);
  ASSERT_EQ(cs.size(), 6u);
  EXPECT_EQ(cs[0].name, "whole");
  EXPECT_EQ(cs[0].fixed, 0u);
  EXPECT_TRUE(cs[0].lengths.empty());
  EXPECT_EQ(cs[1].name, "1-byte");
  EXPECT_EQ(cs[1].fixed, 1u);
  EXPECT_EQ(cs[2].name, "2-byte");
  EXPECT_EQ(cs[2].fixed, 2u);
}

TEST(Chunkings, RandomOnesCoverTheInput) {
  for (size_t size : {1u, 17u, 5000u, 100000u}) {
    auto cs = Chunkings("cat/x", size);
    for (size_t i = 3; i < cs.size(); ++i) {
      EXPECT_EQ(cs[i].name.substr(0, 7), "random:");
      EXPECT_EQ(cs[i].fixed, 0u);
      ASSERT_FALSE(cs[i].lengths.empty());
      size_t total = std::accumulate(cs[i].lengths.begin(), cs[i].lengths.end(), size_t{0});
      EXPECT_GE(total, size);
      EXPECT_LT(total - cs[i].lengths.back(), size) << "no piece after the input ends";
      for (size_t len : cs[i].lengths) {
        EXPECT_GE(len, 1u);
        EXPECT_LE(len, 4096u);
      }
    }
  }
}

// Most random pieces are short, to cut tokens apart.
TEST(Chunkings, RandomPiecesAreMostlyShort) {
  auto cs = Chunkings("cat/x", 100000);
  size_t shorts = 0, all = 0;
  for (size_t i = 3; i < cs.size(); ++i) {
    for (size_t len : cs[i].lengths) {
      shorts += len <= 16;
      ++all;
    }
  }
  EXPECT_GT(shorts * 2, all);
}

TEST(Chunkings, EmptyInputHasNoRandomPieces) {
  auto cs = Chunkings("cat/x", 0);
  ASSERT_EQ(cs.size(), 6u);
  for (size_t i = 3; i < cs.size(); ++i) EXPECT_TRUE(cs[i].lengths.empty());
}

TEST(Chunkings, SameIdSameChunkings) {
  auto a = Chunkings("cat/x", 3000);
  auto b = Chunkings("cat/x", 3000);
  for (size_t i = 0; i < a.size(); ++i) {
    EXPECT_EQ(a[i].name, b[i].name);
    EXPECT_EQ(a[i].lengths, b[i].lengths);
  }
}

TEST(Chunkings, OtherIdOtherSeeds) {
  auto a = Chunkings("cat/x", 3000);
  auto b = Chunkings("cat/y", 3000);
  std::set<std::string> names;
  for (size_t i = 3; i < a.size(); ++i) {
    names.insert(a[i].name);
    names.insert(b[i].name);
    EXPECT_NE(a[i].lengths, b[i].lengths);
  }
  EXPECT_EQ(names.size(), 6u);
}

// --- The target ----------------------------------------------------------------------

class Inproc : public ::testing::TestWithParam<xml::Backend> {
 protected:
  Observation Run(const Vector& v) { return MakeInprocTarget(GetParam())->Run(v); }
};

INSTANTIATE_TEST_SUITE_P(Backends, Inproc, ::testing::ValuesIn(xml::kBackends),
                         [](const auto& info) { return std::string(xml::BackendName(info.param)); });

Vector MakeVector(std::string input, Profile profile = Profile::kAuthenticated, Side side = Side::kClientToServer) {
  Vector v;
  v.id = "cat/v";
  v.category = "cat";
  v.input = std::move(input);
  v.profile = profile;
  v.side = side;
  return v;
}

const std::string kMessage = "stanza <message xmlns=\"jabber:client\"/>";
const std::string kClientOpen =
    "stream-open <stream:stream xmlns:stream=\"http://etherx.jabber.org/streams\" xmlns=\"jabber:client\" "
    "to=\"localhost\" version=\"1.0\">";

TEST_P(Inproc, Identity) {
  auto target = MakeInprocTarget(GetParam());
  EXPECT_EQ(target->Name(), "inproc:" + std::string(xml::BackendName(GetParam())));
  EXPECT_FALSE(target->Live());
  EXPECT_EQ(target->Jobs(), 1);
  Vector v = MakeVector("<message/>");
  v.live_skip = "live only";
  EXPECT_EQ(target->NotApplicable(v), "") << "every vector applies in-process";
}

TEST_P(Inproc, AcceptedStanzasAfterThePrelude) {
  Observation obs = Run(MakeVector("<message/><presence type='unavailable'/>"));
  EXPECT_EQ(obs.broken, "");
  EXPECT_EQ(obs.outcome.kind, Kind::kAccepted);
  EXPECT_FALSE(obs.outcome.offset);
  EXPECT_EQ(obs.events,
            (std::vector<std::string>{kMessage, "stanza <presence xmlns=\"jabber:client\" type=\"unavailable\"/>"}));
}

TEST_P(Inproc, EmptyInputHasNoEvents) {
  Observation obs = Run(MakeVector(""));
  EXPECT_EQ(obs.broken, "");
  EXPECT_EQ(obs.outcome.kind, Kind::kAccepted);
  EXPECT_TRUE(obs.events.empty());
}

// An input that ends inside a tag is not an error: the stream waits.
TEST_P(Inproc, UnfinishedStanzaIsAccepted) {
  Observation obs = Run(MakeVector("<message/><mess"));
  EXPECT_EQ(obs.outcome.kind, Kind::kAccepted);
  EXPECT_EQ(obs.events, (std::vector<std::string>{kMessage}));
}

TEST_P(Inproc, RefusedOffsetIsRelativeToTheInput) {
  Observation obs = Run(MakeVector("<message/><!-- x -->"));
  EXPECT_EQ(obs.broken, "");
  EXPECT_EQ(obs.outcome.kind, Kind::kRefused);
  EXPECT_EQ(obs.outcome.condition, C::kRestrictedXml);
  EXPECT_EQ(obs.outcome.offset, 10);
  EXPECT_EQ(obs.events, (std::vector<std::string>{kMessage}));
  EXPECT_NE(obs.detail, "");
}

TEST_P(Inproc, RawProfileIncludesTheStreamOpen) {
  std::string header = Prelude(Profile::kOpened, Side::kClientToServer);
  Observation obs = Run(MakeVector(header + "<message/>", Profile::kRaw));
  EXPECT_EQ(obs.broken, "");
  EXPECT_EQ(obs.outcome.kind, Kind::kAccepted);
  EXPECT_EQ(obs.events, (std::vector<std::string>{kClientOpen, kMessage}));
}

TEST_P(Inproc, RawProfileRefusedAtTheFirstByte) {
  Observation obs = Run(MakeVector("<!-- x --><stream:stream/>", Profile::kRaw));
  EXPECT_EQ(obs.broken, "");
  EXPECT_EQ(obs.outcome.kind, Kind::kRefused);
  EXPECT_EQ(obs.outcome.condition, C::kRestrictedXml);
  EXPECT_EQ(obs.outcome.offset, 0);
  EXPECT_TRUE(obs.events.empty());
}

TEST_P(Inproc, ServerToClientSide) {
  Observation obs = Run(MakeVector("<message/></stream:stream>", Profile::kOpened, Side::kServerToClient));
  EXPECT_EQ(obs.broken, "");
  EXPECT_EQ(obs.outcome.kind, Kind::kAccepted);
  EXPECT_EQ(obs.events, (std::vector<std::string>{kMessage, "stream-close"}));
}

// The profile decides the stanza size limit: opened streams are not
// authenticated and use the smaller pre-authentication limit.
TEST_P(Inproc, ProfileSetsTheStanzaLimit) {
  std::string big = "<message><body>" + std::string(20000, 'x') + "</body></message>";
  Observation authenticated = Run(MakeVector(big, Profile::kAuthenticated));
  EXPECT_EQ(authenticated.outcome.kind, Kind::kAccepted);
  ASSERT_EQ(authenticated.events.size(), 1u);
  Observation opened = Run(MakeVector(big, Profile::kOpened));
  EXPECT_EQ(opened.broken, "");
  EXPECT_EQ(opened.outcome.kind, Kind::kRefused);
  EXPECT_EQ(opened.outcome.condition, C::kPolicyViolation);
  ASSERT_TRUE(opened.outcome.offset);
  EXPECT_LE(*opened.outcome.offset, 10000);
}

// From the text of a vector to its verdict, as `xmppfuzz conform` does.
TEST_P(Inproc, VectorFileToVerdict) {
  constexpr std::string_view kText =
      "[cat/pass]\ndescription: d\nsource: s\ninput:\n  <message/>\\n<!--\nexpect: refused restricted-xml "
      "at-or-before 11\nevents:\n  stanza <message xmlns=\"jabber:client\"/>\n"
      "\n"
      "[cat/late]\ndescription: d\nsource: s\ninput:\n  <message/>\\n<!--\nexpect: refused restricted-xml "
      "at-or-before 10\n"
      "\n"
      "[cat/events]\ndescription: d\nsource: s\ninput:\n  <message/>\nexpect: accepted\nevents:\n  stanza <message/>\n";
  std::vector<Vector> vs;
  std::string error;
  ASSERT_TRUE(ParseVectorFile("cat/x.vec", kText, "cat", &vs, &error)) << error;
  ASSERT_EQ(vs.size(), 3u);
  auto target = MakeInprocTarget(GetParam());
  auto results = RunAll(*target, vs, nullptr);
  ASSERT_EQ(results.size(), 3u);
  EXPECT_EQ(results[0].verdict, Verdict::kPass) << results[0].message;
  EXPECT_EQ(results[1].verdict, Verdict::kFail);
  EXPECT_EQ(results[1].message,
            "expected refused restricted-xml at-or-before 10, got refused restricted-xml at 11 (too late)");
  EXPECT_EQ(results[2].verdict, Verdict::kFail);
  EXPECT_EQ(results[2].message,
            "accepted, but the events differ:\n    expected:\n      stanza <message/>\n    got:\n      " + kMessage);
}

}  // namespace
}  // namespace xmppfuzz::conform
