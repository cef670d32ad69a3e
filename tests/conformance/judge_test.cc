// Judging outcomes (conformance/runner/runner.h): expectations files, the
// verdict for every kind of match and mismatch, and RunAll over a target.
#include <gtest/gtest.h>

#include <atomic>
#include <mutex>
#include <set>

#include "conformance/runner/runner.h"
#include "tests/conformance/outcomes.h"

namespace xmppfuzz::conform {
namespace {

using C = xml::Condition;
using Kind = Outcome::Kind;

// --- ParseExpectations -----------------------------------------------------------

struct ParsedExpectations {
  bool ok = false;
  Expectations known;
  std::string error;
};

ParsedExpectations Parse(std::string_view text) {
  ParsedExpectations p;
  p.ok = ParseExpectations("srv.expect", text, &p.known, &p.error);
  return p;
}

std::string ErrorOf(std::string_view text) {
  ParsedExpectations p = Parse(text);
  EXPECT_FALSE(p.ok) << "parsed " << p.known.size() << " lines";
  return p.error;
}

TEST(ParseExpectations, OneLine) {
  auto p = Parse("ns/a refused not-well-formed -- reports namespace errors as not-well-formed\n");
  ASSERT_TRUE(p.ok) << p.error;
  ASSERT_EQ(p.known.size(), 1u);
  const KnownDeviation& d = p.known.at("ns/a");
  EXPECT_EQ(d.outcome.kind, Kind::kRefused);
  EXPECT_EQ(d.outcome.condition, C::kNotWellFormed);
  EXPECT_FALSE(d.outcome.offset);
  EXPECT_EQ(d.reason, "reports namespace errors as not-well-formed");
  EXPECT_EQ(d.line, 1);
}

TEST(ParseExpectations, CommentsBlankLinesAndLineNumbers) {
  auto p = Parse(
      "# header comment\n"
      "\n"
      "   # indented comment\n"
      "a/x accepted -- drops the comment\n"
      "\t\n"
      "a/y closed -- hangs up\n");
  ASSERT_TRUE(p.ok) << p.error;
  ASSERT_EQ(p.known.size(), 2u);
  EXPECT_EQ(p.known.at("a/x").line, 4);
  EXPECT_EQ(p.known.at("a/x").outcome.kind, Kind::kAccepted);
  EXPECT_EQ(p.known.at("a/y").line, 6);
  EXPECT_EQ(p.known.at("a/y").outcome.kind, Kind::kClosed);
}

TEST(ParseExpectations, EmptyFile) {
  auto p = Parse("");
  ASSERT_TRUE(p.ok) << p.error;
  EXPECT_TRUE(p.known.empty());
}

TEST(ParseExpectations, WhitespaceAroundFieldsAndCrLf) {
  auto p = Parse("  a/x \t stanza-error  --  bounces it  \r\nb/y crashed -- dies\r\n");
  ASSERT_TRUE(p.ok) << p.error;
  ASSERT_EQ(p.known.size(), 2u);
  EXPECT_EQ(p.known.at("a/x").outcome.kind, Kind::kStanzaError);
  EXPECT_EQ(p.known.at("a/x").reason, "bounces it");
  EXPECT_EQ(p.known.at("b/y").outcome.kind, Kind::kCrashed);
  EXPECT_EQ(p.known.at("b/y").reason, "dies");
}

TEST(ParseExpectations, NoTrailingLineFeed) {
  auto p = Parse("a/x no-answer -- times out");
  ASSERT_TRUE(p.ok) << p.error;
  EXPECT_EQ(p.known.at("a/x").outcome.kind, Kind::kNoAnswer);
}

TEST(ParseExpectations, ExpandedAndDropped) {
  auto p = Parse("a/x expanded -- entity expansion\nb/y dropped | refused not-well-formed -- skips comments\n");
  ASSERT_TRUE(p.ok) << p.error;
  EXPECT_EQ(p.known.at("a/x").outcome.kind, Kind::kExpanded);
  ASSERT_EQ(p.known.at("b/y").alternatives.size(), 2u);
  EXPECT_EQ(p.known.at("b/y").alternatives[0].kind, Kind::kDropped);
}

TEST(ParseExpectations, StanzaErrorConditions) {
  auto p = Parse("a/x stanza-error bad-request+jid-malformed -- bounces\n");
  ASSERT_TRUE(p.ok) << p.error;
  EXPECT_EQ(p.known.at("a/x").outcome.stanza_conditions, (std::vector<std::string>{"bad-request", "jid-malformed"}));
}

// The reason runs to the end of the line, " -- " and all.
TEST(ParseExpectations, ReasonMayContainTheSeparator) {
  auto p = Parse("a/x closed -- first -- second\n");
  ASSERT_TRUE(p.ok) << p.error;
  EXPECT_EQ(p.known.at("a/x").reason, "first -- second");
}

TEST(ParseExpectations, SeveralOutcomes) {
  auto p = Parse("a/x closed | refused not-well-formed|accepted -- depends on TCP segmentation\n");
  ASSERT_TRUE(p.ok) << p.error;
  const KnownDeviation& d = p.known.at("a/x");
  EXPECT_EQ(d.outcome.kind, Kind::kClosed);
  ASSERT_EQ(d.alternatives.size(), 3u);
  EXPECT_EQ(d.alternatives[0].Text(), "closed");
  EXPECT_EQ(d.alternatives[1].Text(), "refused not-well-formed");
  EXPECT_EQ(d.alternatives[2].Text(), "accepted");
}

TEST(ParseExpectationsError, NoSeparator) {
  EXPECT_EQ(ErrorOf("# c\na/x accepted\n"), "srv.expect:2: expected '<vector-id> <outcome> -- <reason>'");
}

TEST(ParseExpectationsError, SeparatorWithoutReason) {
  EXPECT_EQ(ErrorOf("a/x accepted --\n"), "srv.expect:1: every known deviation needs a reason after ' -- '");
  EXPECT_EQ(ErrorOf("a/x accepted --   \n"), "srv.expect:1: every known deviation needs a reason after ' -- '");
}

TEST(ParseExpectationsError, NoOutcome) {
  EXPECT_EQ(ErrorOf("\n\na/x -- why\n"), "srv.expect:3: expected '<vector-id> <outcome> -- <reason>'");
}

TEST(ParseExpectationsError, UnknownCondition) {
  EXPECT_EQ(ErrorOf("a/x refused made-up -- why\n"),
            "srv.expect:1: bad outcome 'refused made-up' (accepted, refused <condition>, stanza-error "
            "[<c1>+<c2>...], closed, no-answer, crashed, flooded, invalid-reply <condition>, safe, vulnerable <finding>, "
            "hung, cpu-bound, memory, events-differ; several separated by '|')");
}

// kOutcomeHelp is what every bad-outcome message ends with.
const std::string kOutcomeHelp =
    " (accepted, refused <condition>, stanza-error [<c1>+<c2>...], closed, no-answer, crashed, flooded, "
    "invalid-reply <condition>, safe, vulnerable <finding>, hung, cpu-bound, memory, events-differ; several separated "
    "by '|')";

TEST(ParseExpectationsError, OffsetNotAllowed) {
  EXPECT_EQ(ErrorOf("a/x refused restricted-xml at-or-before 3 -- why\n"),
            "srv.expect:1: bad outcome 'refused restricted-xml at-or-before 3'" + kOutcomeHelp);
}

TEST(ParseExpectationsError, UnknownOutcomeWord) {
  EXPECT_EQ(ErrorOf("a/x timeout -- why\n"), "srv.expect:1: bad outcome 'timeout'" + kOutcomeHelp);
}

TEST(ParseExpectationsError, EmptyAlternative) {
  EXPECT_EQ(ErrorOf("a/x closed | | accepted -- why\n"), "srv.expect:1: bad outcome ''" + kOutcomeHelp);
  EXPECT_EQ(ErrorOf("a/x closed | -- why\n"), "srv.expect:1: bad outcome ''" + kOutcomeHelp);
}

TEST(ParseExpectationsError, BadAlternativeNamesIt) {
  EXPECT_EQ(ErrorOf("a/x closed | refused nope -- why\n"), "srv.expect:1: bad outcome 'refused nope'" + kOutcomeHelp);
}

TEST(ParseExpectationsError, ListedTwice) {
  EXPECT_EQ(ErrorOf("a/x closed -- one\n# c\na/x accepted -- two\n"), "srv.expect:3: vector 'a/x' listed twice");
}

// --- Judge ---------------------------------------------------------------------------

using testing::Of;
using testing::Refused;

Vector AcceptedVector(std::vector<std::string> events) {
  Vector v;
  v.id = "cat/ok";
  v.category = "cat";
  v.expect = Of(Kind::kAccepted);
  v.events = std::move(events);
  v.events_given = true;
  return v;
}

Vector RefusedVector(C c, int64_t offset) {
  Vector v;
  v.id = "cat/no";
  v.category = "cat";
  v.expect = Refused(c, offset);
  return v;
}

Observation Saw(Outcome o, std::vector<std::string> events = {}) {
  Observation obs;
  obs.outcome = std::move(o);
  obs.events = std::move(events);
  return obs;
}

const std::vector<std::string> kTwo = {"stanza <a/>", "stanza <b/>"};

TEST(Judge, AcceptedWithTheSameEventsPasses) {
  Vector v = AcceptedVector(kTwo);
  Result r = Judge(v, Saw(Of(Kind::kAccepted), kTwo), /*live=*/false, nullptr);
  EXPECT_EQ(r.verdict, Verdict::kPass);
  EXPECT_EQ(r.message, "");
  EXPECT_EQ(r.vector, &v);
  EXPECT_EQ(r.observation.events, kTwo);
}

TEST(Judge, AcceptedWithNoEventsPasses) {
  Vector v = AcceptedVector({});
  EXPECT_EQ(Judge(v, Saw(Of(Kind::kAccepted)), false, nullptr).verdict, Verdict::kPass);
}

TEST(Judge, AcceptedButOtherEventsFails) {
  Vector v = AcceptedVector(kTwo);
  Result r = Judge(v, Saw(Of(Kind::kAccepted), {"stanza <a/>"}), false, nullptr);
  EXPECT_EQ(r.verdict, Verdict::kFail);
  EXPECT_EQ(r.message,
            "accepted, but the events differ:\n    expected:\n      stanza <a/>\n      stanza <b/>\n"
            "    got:\n      stanza <a/>");
}

TEST(Judge, AcceptedButNoEventsFails) {
  Vector v = AcceptedVector({"stanza <a/>"});
  Result r = Judge(v, Saw(Of(Kind::kAccepted)), false, nullptr);
  EXPECT_EQ(r.verdict, Verdict::kFail);
  EXPECT_EQ(r.message, "accepted, but the events differ:\n    expected:\n      stanza <a/>\n    got:(none)");
}

TEST(Judge, AcceptedButEventsInAnotherOrderFails) {
  Vector v = AcceptedVector(kTwo);
  EXPECT_EQ(Judge(v, Saw(Of(Kind::kAccepted), {"stanza <b/>", "stanza <a/>"}), false, nullptr).verdict, Verdict::kFail);
}

TEST(Judge, ExpectedAcceptedGotRefusedFails) {
  Vector v = AcceptedVector(kTwo);
  Result r = Judge(v, Saw(Refused(C::kRestrictedXml, 3)), false, nullptr);
  EXPECT_EQ(r.verdict, Verdict::kFail);
  EXPECT_EQ(r.message, "expected accepted, got refused restricted-xml at 3");
}

TEST(Judge, RefusedAtTheOffsetPasses) {
  Vector v = RefusedVector(C::kRestrictedXml, 10);
  EXPECT_EQ(Judge(v, Saw(Refused(C::kRestrictedXml, 10)), false, nullptr).verdict, Verdict::kPass);
}

TEST(Judge, RefusedEarlierPasses) {
  Vector v = RefusedVector(C::kRestrictedXml, 10);
  EXPECT_EQ(Judge(v, Saw(Refused(C::kRestrictedXml, 0)), false, nullptr).verdict, Verdict::kPass);
}

TEST(Judge, RefusedOneByteTooLateFails) {
  Vector v = RefusedVector(C::kRestrictedXml, 10);
  Result r = Judge(v, Saw(Refused(C::kRestrictedXml, 11)), false, nullptr);
  EXPECT_EQ(r.verdict, Verdict::kFail);
  EXPECT_EQ(r.message, "expected refused restricted-xml at-or-before 10, got refused restricted-xml at 11 (too late)");
}

TEST(Judge, RefusedWithoutAnOffsetInProcessFails) {
  Vector v = RefusedVector(C::kRestrictedXml, 10);
  Result r = Judge(v, Saw(Refused(C::kRestrictedXml)), false, nullptr);
  EXPECT_EQ(r.verdict, Verdict::kFail);
  EXPECT_EQ(r.message, "expected refused restricted-xml at-or-before 10, got refused restricted-xml (too late)");
}

TEST(Judge, RefusedWithAnotherConditionFails) {
  Vector v = RefusedVector(C::kRestrictedXml, 10);
  Result r = Judge(v, Saw(Refused(C::kNotWellFormed, 4)), false, nullptr);
  EXPECT_EQ(r.verdict, Verdict::kFail);
  EXPECT_EQ(r.message, "expected refused restricted-xml at-or-before 10, got refused not-well-formed at 4");
}

TEST(Judge, ExpectedRefusedGotAcceptedFails) {
  Vector v = RefusedVector(C::kPolicyViolation, 100);
  Result r = Judge(v, Saw(Of(Kind::kAccepted)), false, nullptr);
  EXPECT_EQ(r.verdict, Verdict::kFail);
  EXPECT_EQ(r.message, "expected refused policy-violation at-or-before 100, got accepted");
}

TEST(Judge, RefusedEventsUncheckedWhenNotGiven) {
  Vector v = RefusedVector(C::kRestrictedXml, 10);
  EXPECT_EQ(Judge(v, Saw(Refused(C::kRestrictedXml, 10), kTwo), false, nullptr).verdict, Verdict::kPass);
}

TEST(Judge, RefusedEventsCheckedWhenGiven) {
  Vector v = RefusedVector(C::kRestrictedXml, 10);
  v.events = {"stanza <a/>"};
  v.events_given = true;
  EXPECT_EQ(Judge(v, Saw(Refused(C::kRestrictedXml, 10), {"stanza <a/>"}), false, nullptr).verdict, Verdict::kPass);
  Result r = Judge(v, Saw(Refused(C::kRestrictedXml, 10), kTwo), false, nullptr);
  EXPECT_EQ(r.verdict, Verdict::kFail);
  EXPECT_EQ(r.message,
            "refused as expected, but the events before the error differ:\n    expected:\n      stanza <a/>\n"
            "    got:\n      stanza <a/>\n      stanza <b/>");
}

TEST(Judge, RefusedEventsGivenAsNoneMustBeNone) {
  Vector v = RefusedVector(C::kRestrictedXml, 10);
  v.events_given = true;
  EXPECT_EQ(Judge(v, Saw(Refused(C::kRestrictedXml, 1), {"stanza <a/>"}), false, nullptr).verdict, Verdict::kFail);
}

// A broken observation (chunkings that disagree, a refused prelude) fails
// whatever the outcome.
TEST(Judge, BrokenFailsEvenWhenTheOutcomeMatches) {
  Vector v = AcceptedVector(kTwo);
  Observation obs = Saw(Of(Kind::kAccepted), kTwo);
  obs.broken = "chunking 1-byte disagrees with whole input";
  Result r = Judge(v, obs, false, nullptr);
  EXPECT_EQ(r.verdict, Verdict::kFail);
  EXPECT_EQ(r.message, "chunking 1-byte disagrees with whole input");
}

TEST(Judge, BrokenFailsEvenWithAKnownDeviation) {
  Vector v = RefusedVector(C::kRestrictedXml, 10);
  Expectations known;
  known[v.id] = KnownDeviation{Of(Kind::kAccepted), {Of(Kind::kAccepted)}, "drops it", 1};
  Observation obs = Saw(Of(Kind::kAccepted));
  obs.broken = "log-in failed";
  Result r = Judge(v, obs, true, &known);
  EXPECT_EQ(r.verdict, Verdict::kFail);
  EXPECT_EQ(r.message, "log-in failed");
}

// --- Judge: events-differ (in process and exec targets) -------------------------------

TEST(JudgeEventsDiffer, AcceptedWithOtherEventsIsObservedAsEventsDiffer) {
  Vector v = AcceptedVector(kTwo);
  Result r = Judge(v, Saw(Of(Kind::kAccepted), {"stanza <a/>"}), false, nullptr);
  EXPECT_EQ(r.verdict, Verdict::kFail);
  EXPECT_EQ(r.observation.outcome.kind, Kind::kEventsDiffer);
  EXPECT_EQ(r.observation.outcome.Text(), "events-differ");
  EXPECT_EQ(r.observation.events, std::vector<std::string>{"stanza <a/>"});
}

TEST(JudgeEventsDiffer, RefusedWithOtherEventsIsObservedAsEventsDiffer) {
  Vector v = RefusedVector(C::kRestrictedXml, 10);
  v.events = {"stanza <a/>"};
  v.events_given = true;
  Result r = Judge(v, Saw(Refused(C::kRestrictedXml, 10), kTwo), false, nullptr);
  EXPECT_EQ(r.verdict, Verdict::kFail);
  EXPECT_EQ(r.observation.outcome.kind, Kind::kEventsDiffer);
}

TEST(JudgeEventsDiffer, AnotherOutcomeStaysItself) {
  Vector v = AcceptedVector(kTwo);
  Result r = Judge(v, Saw(Refused(C::kRestrictedXml, 3), {"stanza <a/>"}), false, nullptr);
  EXPECT_EQ(r.observation.outcome.kind, Kind::kRefused);
}

TEST(JudgeEventsDiffer, AKnownDeviationCanListIt) {
  Vector v = AcceptedVector(kTwo);
  Expectations known;
  std::string error;
  ASSERT_TRUE(ParseExpectations("a.expect", "cat/ok events-differ -- sorts attributes its own way\n", &known, &error))
      << error;
  Result r = Judge(v, Saw(Of(Kind::kAccepted), {"stanza <a/>"}), false, &known);
  EXPECT_EQ(r.verdict, Verdict::kKnown);
  EXPECT_EQ(r.message, "events-differ: sorts attributes its own way");
  // The same line does not cover another outcome, nor a pass.
  EXPECT_EQ(Judge(v, Saw(Of(Kind::kClosed)), false, &known).verdict, Verdict::kFail);
  Result now = Judge(v, Saw(Of(Kind::kAccepted), kTwo), false, &known);
  EXPECT_EQ(now.verdict, Verdict::kFail);
  EXPECT_NE(now.message.find("now passes"), std::string::npos) << now.message;
}

TEST(JudgeEventsDiffer, AcceptedInAKnownLineNoLongerCoversOtherEvents) {
  Vector v = AcceptedVector(kTwo);
  Expectations known;
  known[v.id] = KnownDeviation{Of(Kind::kAccepted), {Of(Kind::kAccepted)}, "why", 1};
  Result r = Judge(v, Saw(Of(Kind::kAccepted), {"stanza <a/>"}), false, &known);
  EXPECT_EQ(r.verdict, Verdict::kFail);
  EXPECT_EQ(r.message, "known deviation 'accepted' (expectations line 1) changed: now events-differ");
}

TEST(JudgeEventsDiffer, OutcomeRoundTrip) {
  auto o = ParseOutcome("events-differ", false);
  ASSERT_TRUE(o.has_value());
  EXPECT_EQ(o->kind, Kind::kEventsDiffer);
  EXPECT_EQ(o->Text(), "events-differ");
  EXPECT_FALSE(ParseOutcome("events-differ x", false).has_value());
}

// Exec adapters may not know the offset: no offset passes only for them.
TEST(JudgeEventsDiffer, OptionalOffsetOnlyWhenTheObservationSaysSo) {
  Vector v = RefusedVector(C::kRestrictedXml, 10);
  Observation obs = Saw(Refused(C::kRestrictedXml));
  EXPECT_EQ(Judge(v, obs, false, nullptr).verdict, Verdict::kFail);
  obs.offset_optional = true;
  EXPECT_EQ(Judge(v, obs, false, nullptr).verdict, Verdict::kPass);
  Observation late = Saw(Refused(C::kRestrictedXml, 11));
  late.offset_optional = true;
  EXPECT_EQ(Judge(v, late, false, nullptr).verdict, Verdict::kFail);
}

// --- Judge: live targets -------------------------------------------------------------

TEST(JudgeLive, RefusedWithoutOffsetPasses) {
  Vector v = RefusedVector(C::kRestrictedXml, 10);
  EXPECT_EQ(Judge(v, Saw(Refused(C::kRestrictedXml)), /*live=*/true, nullptr).verdict, Verdict::kPass);
}

TEST(JudgeLive, RefusedWithAnotherConditionFails) {
  Vector v = RefusedVector(C::kRestrictedXml, 10);
  Result r = Judge(v, Saw(Refused(C::kNotWellFormed)), true, nullptr);
  EXPECT_EQ(r.verdict, Verdict::kFail);
  EXPECT_EQ(r.message, "expected refused restricted-xml at-or-before 10, got refused not-well-formed");
}

TEST(JudgeLive, AcceptedIgnoresEvents) {
  Vector v = AcceptedVector(kTwo);
  EXPECT_EQ(Judge(v, Saw(Of(Kind::kAccepted)), true, nullptr).verdict, Verdict::kPass);
}

// An undeliverable stanza may bounce on an accepted stream.
TEST(JudgeLive, AcceptedWithABouncePasses) {
  Vector v = AcceptedVector(kTwo);
  EXPECT_EQ(Judge(v, Saw(Of(Kind::kStanzaError, {"service-unavailable"})), true, nullptr).verdict, Verdict::kPass);
}

TEST(JudgeLive, ClosedAfterTheVectorClosedTheStreamPasses) {
  Vector v = AcceptedVector({"stanza <a/>", "stream-close"});
  EXPECT_EQ(Judge(v, Saw(Of(Kind::kClosed)), true, nullptr).verdict, Verdict::kPass);
}

TEST(JudgeLive, ClosedOtherwiseFails) {
  Vector v = AcceptedVector(kTwo);
  Result r = Judge(v, Saw(Of(Kind::kClosed)), true, nullptr);
  EXPECT_EQ(r.verdict, Verdict::kFail);
  EXPECT_EQ(r.message, "expected accepted, got closed");
}

TEST(JudgeLive, InProcessTargetDoesNotGetTheLiveLeniency) {
  Vector v = AcceptedVector({});
  EXPECT_EQ(Judge(v, Saw(Of(Kind::kStanzaError)), false, nullptr).verdict, Verdict::kFail);
  Vector closes = AcceptedVector({"stream-close"});
  EXPECT_EQ(Judge(closes, Saw(Of(Kind::kClosed)), false, nullptr).verdict, Verdict::kFail);
}

TEST(JudgeLive, CrashedFails) {
  Vector v = RefusedVector(C::kPolicyViolation, 10);
  Result r = Judge(v, Saw(Of(Kind::kCrashed)), true, nullptr);
  EXPECT_EQ(r.verdict, Verdict::kFail);
  EXPECT_EQ(r.message, "expected refused policy-violation at-or-before 10, got crashed");
}

// --- Judge: acceptable alternatives ---------------------------------------------------

Vector WithAcceptable(Vector v, std::string_view outcome, std::string reason) {
  v.acceptable.push_back(Acceptable{*ParseOutcome(outcome, false), std::move(reason)});
  return v;
}

TEST(JudgeAcceptable, Matched) {
  Vector v = WithAcceptable(RefusedVector(C::kRestrictedXml, 10), "closed", "may hang up");
  Result r = Judge(v, Saw(Of(Kind::kClosed)), true, nullptr);
  EXPECT_EQ(r.verdict, Verdict::kAcceptable);
  EXPECT_EQ(r.message, "closed: may hang up");
}

TEST(JudgeAcceptable, SecondOneMatched) {
  Vector v = WithAcceptable(WithAcceptable(RefusedVector(C::kRestrictedXml, 10), "closed", "a"),
                            "refused not-well-formed", "b");
  Result r = Judge(v, Saw(Refused(C::kNotWellFormed)), true, nullptr);
  EXPECT_EQ(r.verdict, Verdict::kAcceptable);
  EXPECT_EQ(r.message, "refused not-well-formed: b");
}

TEST(JudgeAcceptable, RefusedConditionMustMatch) {
  Vector v = WithAcceptable(RefusedVector(C::kRestrictedXml, 10), "refused not-well-formed", "b");
  Result r = Judge(v, Saw(Refused(C::kBadFormat)), true, nullptr);
  EXPECT_EQ(r.verdict, Verdict::kFail);
  EXPECT_EQ(r.message, "expected refused restricted-xml at-or-before 10, got refused bad-format");
}

TEST(JudgeAcceptable, StanzaErrorNeedsTheListedConditions) {
  Vector v = WithAcceptable(RefusedVector(C::kInvalidNamespace, 10), "stanza-error bad-request", "bounce");
  EXPECT_EQ(Judge(v, Saw(Of(Kind::kStanzaError, {"service-unavailable", "bad-request"})), true, nullptr).verdict,
            Verdict::kAcceptable);
  EXPECT_EQ(Judge(v, Saw(Of(Kind::kStanzaError, {"service-unavailable"})), true, nullptr).verdict, Verdict::kFail);
  EXPECT_EQ(Judge(v, Saw(Of(Kind::kStanzaError)), true, nullptr).verdict, Verdict::kFail);
}

TEST(JudgeAcceptable, StanzaErrorWithoutConditionsTakesAnyBounce) {
  Vector v = WithAcceptable(RefusedVector(C::kInvalidNamespace, 10), "stanza-error", "bounce");
  EXPECT_EQ(Judge(v, Saw(Of(Kind::kStanzaError)), true, nullptr).verdict, Verdict::kAcceptable);
  EXPECT_EQ(Judge(v, Saw(Of(Kind::kStanzaError, {"x"})), true, nullptr).verdict, Verdict::kAcceptable);
}

// The expected outcome wins over an acceptable one that also matches.
TEST(JudgeAcceptable, PassComesFirst) {
  Vector v = WithAcceptable(RefusedVector(C::kRestrictedXml, 10), "refused restricted-xml", "any offset");
  EXPECT_EQ(Judge(v, Saw(Refused(C::kRestrictedXml, 2)), false, nullptr).verdict, Verdict::kPass);
}

// An acceptable outcome names no offset, so a late refusal with the right
// condition is acceptable when listed (and only then).
TEST(JudgeAcceptable, LateRefusalWhenListed) {
  Vector v = WithAcceptable(RefusedVector(C::kRestrictedXml, 10), "refused restricted-xml", "late is fine");
  Result r = Judge(v, Saw(Refused(C::kRestrictedXml, 50)), false, nullptr);
  EXPECT_EQ(r.verdict, Verdict::kAcceptable);
  EXPECT_EQ(r.message, "refused restricted-xml: late is fine");
}

// --- Judge: known deviations -----------------------------------------------------------

Expectations Known(const std::string& id, std::string_view line_text) {
  Expectations known;
  std::string error;
  EXPECT_TRUE(ParseExpectations("t.expect", "# c\n\n" + id + " " + std::string(line_text), &known, &error)) << error;
  return known;
}

TEST(JudgeKnown, DeviationMatched) {
  Vector v = RefusedVector(C::kRestrictedXml, 10);
  Expectations known = Known(v.id, "accepted -- drops comments");
  Result r = Judge(v, Saw(Of(Kind::kAccepted)), true, &known);
  EXPECT_EQ(r.verdict, Verdict::kKnown);
  EXPECT_EQ(r.message, "accepted: drops comments");
}

TEST(JudgeKnown, DeviationWithAnotherConditionMatched) {
  Vector v = RefusedVector(C::kBadNamespacePrefix, 10);
  Expectations known = Known(v.id, "refused not-well-formed -- one condition for all");
  Result r = Judge(v, Saw(Refused(C::kNotWellFormed)), true, &known);
  EXPECT_EQ(r.verdict, Verdict::kKnown);
  EXPECT_EQ(r.message, "refused not-well-formed: one condition for all");
}

TEST(JudgeKnown, DeviationNowPassesMustBeRemoved) {
  Vector v = RefusedVector(C::kRestrictedXml, 10);
  Expectations known = Known(v.id, "accepted -- drops comments");
  Result r = Judge(v, Saw(Refused(C::kRestrictedXml)), true, &known);
  EXPECT_EQ(r.verdict, Verdict::kFail);
  EXPECT_EQ(r.message,
            "known deviation 'accepted' (expectations line 3) changed: now passes; remove it from the expectations "
            "file");
}

TEST(JudgeKnown, DeviationChangedToSomethingElse) {
  Vector v = RefusedVector(C::kRestrictedXml, 10);
  Expectations known = Known(v.id, "accepted -- drops comments");
  Result r = Judge(v, Saw(Of(Kind::kNoAnswer)), true, &known);
  EXPECT_EQ(r.verdict, Verdict::kFail);
  EXPECT_EQ(r.message, "known deviation 'accepted' (expectations line 3) changed: now no-answer");
}

TEST(JudgeKnown, DeviationWithAnotherConditionChanged) {
  Vector v = RefusedVector(C::kRestrictedXml, 10);
  Expectations known = Known(v.id, "refused not-well-formed -- x");
  Result r = Judge(v, Saw(Refused(C::kBadFormat)), true, &known);
  EXPECT_EQ(r.verdict, Verdict::kFail);
  EXPECT_EQ(r.message,
            "known deviation 'refused not-well-formed' (expectations line 3) changed: now refused bad-format");
}

// A line with several outcomes names a target that varies: any of them,
// including the vector's own outcome, is known.
TEST(JudgeKnown, SeveralOutcomesAnyMatches) {
  Vector v = RefusedVector(C::kRestrictedXml, 10);
  Expectations known = Known(v.id, "closed | refused restricted-xml -- depends on timing");
  Result closed = Judge(v, Saw(Of(Kind::kClosed)), true, &known);
  EXPECT_EQ(closed.verdict, Verdict::kKnown);
  EXPECT_EQ(closed.message, "closed: depends on timing");
  Result passing = Judge(v, Saw(Refused(C::kRestrictedXml)), true, &known);
  EXPECT_EQ(passing.verdict, Verdict::kKnown);
  EXPECT_EQ(passing.message, "refused restricted-xml: depends on timing");
  Result other = Judge(v, Saw(Of(Kind::kAccepted)), true, &known);
  EXPECT_EQ(other.verdict, Verdict::kFail);
  EXPECT_EQ(other.message,
            "known deviation 'closed | refused restricted-xml' (expectations line 3) changed: now accepted");
}

TEST(JudgeKnown, SeveralOutcomesNoneOfThemThePassNowPasses) {
  Vector v = RefusedVector(C::kRestrictedXml, 10);
  Expectations known = Known(v.id, "closed | accepted -- varies");
  Result r = Judge(v, Saw(Refused(C::kRestrictedXml)), true, &known);
  EXPECT_EQ(r.verdict, Verdict::kFail);
  EXPECT_EQ(r.message,
            "known deviation 'closed | accepted' (expectations line 3) changed: now passes; remove it from the "
            "expectations file");
}

// A known deviation replaces the vector's acceptable alternatives for that
// target: the line says exactly what the target does.
TEST(JudgeKnown, TakesPrecedenceOverAcceptable) {
  Vector v = WithAcceptable(RefusedVector(C::kRestrictedXml, 10), "closed", "may hang up");
  Expectations known = Known(v.id, "accepted -- drops it");
  Result r = Judge(v, Saw(Of(Kind::kClosed)), true, &known);
  EXPECT_EQ(r.verdict, Verdict::kFail);
  EXPECT_EQ(r.message, "known deviation 'accepted' (expectations line 3) changed: now closed");
}

TEST(JudgeKnown, OtherVectorsAreUnaffected) {
  Vector v = RefusedVector(C::kRestrictedXml, 10);
  Expectations known = Known("cat/other", "accepted -- drops it");
  EXPECT_EQ(Judge(v, Saw(Of(Kind::kAccepted)), true, &known).verdict, Verdict::kFail);
  EXPECT_EQ(Judge(v, Saw(Refused(C::kRestrictedXml)), true, &known).verdict, Verdict::kPass);
}

TEST(JudgeKnown, InProcessTooLateRefusalIsKnownWhenListed) {
  Vector v = RefusedVector(C::kRestrictedXml, 10);
  Expectations known = Known(v.id, "refused restricted-xml -- refuses late");
  Result r = Judge(v, Saw(Refused(C::kRestrictedXml, 20)), false, &known);
  EXPECT_EQ(r.verdict, Verdict::kKnown);
  EXPECT_EQ(r.message, "refused restricted-xml: refuses late");
}

TEST(VerdictName, EveryVerdict) {
  EXPECT_EQ(VerdictName(Verdict::kPass), "pass");
  EXPECT_EQ(VerdictName(Verdict::kFail), "fail");
  EXPECT_EQ(VerdictName(Verdict::kAcceptable), "acceptable");
  EXPECT_EQ(VerdictName(Verdict::kKnown), "known");
  EXPECT_EQ(VerdictName(Verdict::kNotApplicable), "n/a");
}

// --- RunAll ----------------------------------------------------------------------------

// ScriptedTarget answers each vector with the outcome named in its
// description ("accepted", "refused <condition>") and calls vectors with a
// live_skip not applicable, as a live target does.
class ScriptedTarget : public Target {
 public:
  explicit ScriptedTarget(int jobs) : jobs_(jobs) {}
  std::string Name() const override { return "scripted"; }
  bool Live() const override { return true; }
  std::string NotApplicable(const Vector& v) const override { return v.live_skip; }
  Observation Run(const Vector& v) override {
    ++runs;
    {
      std::lock_guard<std::mutex> lock(mutex);
      ran.insert(v.id);
    }
    Observation obs;
    obs.outcome = *ParseOutcome(v.description, false);
    return obs;
  }
  int Jobs() const override { return jobs_; }

  std::atomic<int> runs{0};
  std::mutex mutex;
  std::set<std::string> ran;

 private:
  int jobs_;
};

std::vector<Vector> ScriptedVectors(int n) {
  std::vector<Vector> vs;
  for (int i = 0; i < n; ++i) {
    Vector v = RefusedVector(C::kRestrictedXml, 5);
    v.id = "cat/v" + std::to_string(i);
    v.description = i % 3 == 0 ? "refused restricted-xml" : i % 3 == 1 ? "accepted" : "closed";
    if (i % 5 == 4) v.live_skip = "ends inside a token";
    vs.push_back(std::move(v));
  }
  return vs;
}

void CheckScriptedResults(const std::vector<Vector>& vs, const std::vector<Result>& results) {
  ASSERT_EQ(results.size(), vs.size());
  for (size_t i = 0; i < vs.size(); ++i) {
    EXPECT_EQ(results[i].vector, &vs[i]) << i;
    if (i % 5 == 4) {
      EXPECT_EQ(results[i].verdict, Verdict::kNotApplicable) << i;
      EXPECT_EQ(results[i].message, "ends inside a token") << i;
    } else if (i % 3 == 0) {
      EXPECT_EQ(results[i].verdict, Verdict::kPass) << i;
    } else if (i % 3 == 1) {
      EXPECT_EQ(results[i].verdict, Verdict::kKnown) << i;
    } else {
      EXPECT_EQ(results[i].verdict, Verdict::kFail) << i;
    }
  }
}

Expectations KnownForScripted(const std::vector<Vector>& vs) {
  Expectations known;
  for (size_t i = 1; i < vs.size(); i += 3) {
    known[vs[i].id] = KnownDeviation{Of(Kind::kAccepted), {Of(Kind::kAccepted)}, "r", 1};
  }
  return known;
}

TEST(RunAll, OneJobInOrder) {
  ScriptedTarget target(1);
  auto vs = ScriptedVectors(40);
  Expectations known = KnownForScripted(vs);
  int progress = 0;
  auto results = RunAll(target, vs, &known, [&](const Result&) { ++progress; });
  CheckScriptedResults(vs, results);
  EXPECT_EQ(progress, 40);
  EXPECT_EQ(target.runs, 32);  // 8 of 40 not applicable, never run
}

TEST(RunAll, ManyJobsKeepTheOrder) {
  ScriptedTarget target(8);
  auto vs = ScriptedVectors(200);
  Expectations known = KnownForScripted(vs);
  std::set<std::string> reported;
  auto results = RunAll(target, vs, &known, [&](const Result& r) { reported.insert(r.vector->id); });
  CheckScriptedResults(vs, results);
  EXPECT_EQ(reported.size(), 200u);
  EXPECT_EQ(target.runs, 160);
  EXPECT_EQ(target.ran.size(), 160u);
}

TEST(RunAll, WithoutExpectationsDeviationsFail) {
  ScriptedTarget target(2);
  auto vs = ScriptedVectors(3);
  auto results = RunAll(target, vs, nullptr);
  ASSERT_EQ(results.size(), 3u);
  EXPECT_EQ(results[0].verdict, Verdict::kPass);
  EXPECT_EQ(results[1].verdict, Verdict::kFail);
  EXPECT_EQ(results[1].message, "expected refused restricted-xml at-or-before 5, got accepted");
}

TEST(RunAll, NoVectors) {
  ScriptedTarget target(4);
  EXPECT_TRUE(RunAll(target, {}, nullptr).empty());
  EXPECT_EQ(target.runs, 0);
}

TEST(UnknownIds, StaleLinesAreReportedInOrder) {
  auto vs = ScriptedVectors(3);
  Expectations known;
  known["cat/v1"] = KnownDeviation{};
  known["cat/zz-gone"] = KnownDeviation{};
  known["cat/a-gone"] = KnownDeviation{};
  EXPECT_EQ(UnknownIds(known, vs), (std::vector<std::string>{"cat/a-gone", "cat/zz-gone"}));
  EXPECT_TRUE(UnknownIds(Expectations{}, vs).empty());
}

// The live outcome classes of issue 10: a flood and a reply the reference
// parser refused are outcomes of their own, never a pass.
TEST(ParseExpectations, FloodedAndInvalidReply) {
  Expectations known;
  std::string error;
  ASSERT_TRUE(ParseExpectations("srv.expect", "a/x flooded | invalid-reply not-well-formed -- hostile\n", &known, &error))
      << error;
  ASSERT_EQ(known.at("a/x").alternatives.size(), 2u);
  EXPECT_EQ(known.at("a/x").alternatives[0].kind, Outcome::Kind::kFlooded);
  EXPECT_EQ(known.at("a/x").alternatives[1].kind, Outcome::Kind::kInvalidReply);
  EXPECT_EQ(known.at("a/x").alternatives[1].condition, xml::Condition::kNotWellFormed);
  EXPECT_EQ(known.at("a/x").alternatives[1].Text(), "invalid-reply not-well-formed");
}

TEST(Judge, LiveInvalidReplyNeverPasses) {
  Vector v;
  v.id = "a/x";
  v.expect.kind = Kind::kAccepted;
  Observation obs;
  obs.outcome.kind = Kind::kInvalidReply;
  obs.outcome.condition = C::kNotWellFormed;
  EXPECT_EQ(Judge(v, obs, /*live=*/true, nullptr).verdict, Verdict::kFail);
  obs.outcome.kind = Kind::kFlooded;
  EXPECT_EQ(Judge(v, obs, /*live=*/true, nullptr).verdict, Verdict::kFail);
}

TEST(ParseExpectationsError, InvalidReplyNeedsCondition) {
  EXPECT_EQ(ErrorOf("a/x invalid-reply -- why\n"), "srv.expect:1: bad outcome 'invalid-reply'" + kOutcomeHelp);
}

}  // namespace
}  // namespace xmppfuzz::conform
