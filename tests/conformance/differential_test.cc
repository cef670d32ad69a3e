// The differential campaign (conformance/runner/differential.h): the
// comparisons on hand-made readings, the expectations and dictionary
// parsers, the minimizer and mutator, and whole campaigns against real
// adapter processes of tests/conformance/exec_adapters/: a server with a
// planted re-serialisation bug (it forgets to escape text, so a routed
// stanza carries more stanzas: the bug class of CVE-2022-22784), a faithful
// one, and a client that hangs.
#include "conformance/runner/differential.h"

#include <gtest/gtest.h>

#include <chrono>
#include <set>

namespace xmppfuzz::conform {
namespace {

using C = xml::Condition;
using Clock = std::chrono::steady_clock;

const std::string kAdapters = std::string(XMPPFUZZ_SOURCE_DIR) + "/tests/conformance/exec_adapters/";
const std::string kXmppfuzz = XMPPFUZZ_BIN;
const std::string kHeader =
    "<?xml version='1.0'?><stream:stream xmlns='jabber:client' xmlns:stream='http://etherx.jabber.org/streams' "
    "to='localhost' version='1.0'>";

Reading Accepted(std::vector<std::string> stanzas) {
  Reading r;
  r.opened = true;
  r.stanzas = std::move(stanzas);
  r.routed.resize(r.stanzas.size());
  return r;
}

Reading Refused(std::vector<std::string> stanzas, C c) {
  Reading r = Accepted(std::move(stanzas));
  r.refused = true;
  r.condition = c;
  return r;
}

Reading Routing(std::vector<std::pair<std::string, std::string>> stanzas_and_bytes) {
  Reading r;
  r.opened = true;
  for (auto& [s, b] : stanzas_and_bytes) {
    r.stanzas.push_back(s);
    r.routed.emplace_back(b);
  }
  return r;
}

// --- StanzaField -----------------------------------------------------------------------

TEST(DifferentialField, FirstDifferenceByPriority) {
  EXPECT_EQ(StanzaField("<message to=\"a\"/>", "<iq to=\"a\"/>"), "name");
  EXPECT_EQ(StanzaField("<message to=\"a\"/>", "<message to=\"b\"/>"), "to");
  EXPECT_EQ(StanzaField("<message to=\"a\"/>", "<message/>"), "to");
  EXPECT_EQ(StanzaField("<message from=\"a\" to=\"b\"/>", "<message from=\"c\" to=\"b\"/>"), "from");
  EXPECT_EQ(StanzaField("<iq id=\"1\" type=\"get\"/>", "<iq id=\"2\" type=\"set\"/>"), "type");
  EXPECT_EQ(StanzaField("<iq id=\"1\"/>", "<iq id=\"2\"/>"), "id");
  EXPECT_EQ(StanzaField("<iq a=\"1\"/>", "<iq a=\"2\"/>"), "attributes");
  EXPECT_EQ(StanzaField("<message><body>a</body></message>", "<message><body>b</body></message>"), "payload");
  // A quote inside a value is escaped in the canonical form, so it cannot
  // end the value early.
  EXPECT_EQ(StanzaField("<m to=\"a&quot; from=&quot;x\"/>", "<m to=\"a&quot; from=&quot;x\"><b/></m>"), "payload");
}

// --- CompareWithReference --------------------------------------------------------------

TEST(DifferentialReference, AgreementIsNoDifference) {
  EXPECT_FALSE(CompareWithReference("p", Accepted({"<a/>"}), Accepted({"<a/>"})));
  EXPECT_FALSE(CompareWithReference("p", Refused({"<a/>"}, C::kRestrictedXml), Refused({"<a/>"}, C::kRestrictedXml)));
}

TEST(DifferentialReference, Kinds) {
  struct Case {
    Reading reference, adapter;
    std::string key;
  } cases[] = {
      {Accepted({"<a/>"}), Accepted({"<a/>", "<b/>"}), "extra-stanza p"},
      {Accepted({"<a/>", "<b/>"}), Accepted({"<a/>"}), "missing-stanza p"},
      {Refused({"<a/>"}, C::kRestrictedXml), Accepted({"<a/>", "<b/>"}), "accepted-past-refusal p restricted-xml"},
      {Accepted({"<a/>", "<b/>"}), Refused({"<a/>"}, C::kPolicyViolation), "refused-early p policy-violation"},
      {Accepted({"<a to=\"x\"/>"}), Accepted({"<a to=\"y\"/>"}), "stanza-differs p to"},
      {Refused({"<a/>"}, C::kRestrictedXml), Accepted({"<a/>"}), "refused-only-by-reference p restricted-xml"},
      {Accepted({"<a/>"}), Refused({"<a/>"}, C::kNotWellFormed), "refused-only-by-adapter p not-well-formed"},
      {Refused({}, C::kRestrictedXml), Refused({}, C::kNotWellFormed), "condition-differs p restricted-xml/not-well-formed"},
  };
  for (const Case& c : cases) {
    auto d = CompareWithReference("p", c.reference, c.adapter);
    ASSERT_TRUE(d) << c.key;
    EXPECT_EQ(d->Key(), c.key);
    EXPECT_FALSE(d->smuggling) << c.key;
    EXPECT_NE(d->what.find("reference: "), std::string::npos) << d->what;
  }
}

TEST(DifferentialReference, AdapterFailureIsItsOwnKind) {
  Reading hung;
  hung.status = "hung";
  hung.detail = "no 'done' within 10 ms";
  auto d = CompareWithReference("slow", Accepted({"<a/>"}), hung);
  ASSERT_TRUE(d);
  EXPECT_EQ(d->Key(), "adapter-hung slow vs-reference");
  EXPECT_NE(d->what.find("slow: hung (no 'done' within 10 ms)"), std::string::npos) << d->what;
}

TEST(DifferentialReference, AStreamOnlyOneSideOpens) {
  Reading none;
  none.refused = true;
  none.condition = C::kBadFormat;
  auto d = CompareWithReference("p", Accepted({}), none);
  ASSERT_TRUE(d);
  EXPECT_EQ(d->Key(), "no-stream p reference-opens");
  // Both refuse the header: only the conditions can differ.
  Reading ref = none;
  ref.condition = C::kInvalidNamespace;
  d = CompareWithReference("p", ref, none);
  ASSERT_TRUE(d);
  EXPECT_EQ(d->Key(), "condition-differs p invalid-namespace/bad-format");
}

// --- CompareRouted ----------------------------------------------------------------------

Routed RoutedPairs(std::vector<std::pair<std::string, std::string>> stanzas_and_bytes) {
  Routed r;
  for (auto& [s, b] : stanzas_and_bytes) {
    r.stanzas.push_back(s);
    r.bytes.push_back(b);
  }
  return r;
}

TEST(DifferentialRouted, OnlyRoutableStanzasAreRouted) {
  // RFC 6120 8: message, presence and iq in jabber:client; the rest is not
  // forwarded to another user.
  Reading server = Routing({{"<message xmlns=\"jabber:client\" to=\"b\"/>", "<message to='b'/>"},
                            {"<o xmlns=\"jabber:client\"/>", "<o/>"},
                            {"<message xmlns=\"jabber:server\"/>", "<message xmlns='jabber:server'/>"},
                            {"<iq xmlns=\"jabber:client\" type=\"get\"><q/></iq>", "<iq type='get'><q/></iq>"}});
  server.stanzas.push_back("<presence xmlns=\"jabber:client\"/>");  // parsed, no routed line
  server.routed.emplace_back(std::nullopt);
  Routed r = RoutedOf(server);
  EXPECT_EQ(r.stanzas, (std::vector<std::string>{"<message xmlns=\"jabber:client\" to=\"b\"/>",
                                                 "<iq xmlns=\"jabber:client\" type=\"get\"><q/></iq>"}));
  EXPECT_EQ(r.bytes, (std::vector<std::string>{"<message to='b'/>", "<iq type='get'><q/></iq>"}));
  std::string stream = RoutedStream(r);
  EXPECT_EQ(stream.substr(stream.size() - 41), "<message to='b'/><iq type='get'><q/></iq>");
}

TEST(DifferentialRouted, FaithfulRoutingIsNoDifference) {
  Routed r = RoutedPairs({{"<message to=\"b\"/>", "<message to='b'/>"}});
  EXPECT_FALSE(CompareRouted("s>c", Accepted({"<message to=\"b\"/>"}), r, Accepted({"<message to=\"b\"/>"})));
}

TEST(DifferentialRouted, ExtraStanzaIsSmuggling) {
  Routed r = RoutedPairs({{"<message><body>&lt;/body&gt;</body></message>", "<message><body></body></message><message to='eve'/>"}});
  Reading want = Accepted({"<message><body>&lt;/body&gt;</body></message>"});
  auto d = CompareRouted("s>reference", want, r, Accepted({"<message><body/></message>", "<message to=\"eve\"/>"}));
  ASSERT_TRUE(d);
  EXPECT_EQ(d->Key(), "smuggled-stanza s>reference");
  EXPECT_TRUE(d->smuggling);
  EXPECT_NE(d->what.find("first extra stanza '<message to=\"eve\"/>'"), std::string::npos) << d->what;
  EXPECT_NE(d->what.find("routed bytes '<message><body></body></message><message to='eve'/>'"), std::string::npos)
      << d->what;
}

TEST(DifferentialRouted, ChangedAddressingIsSmugglingChangedPayloadIsNot) {
  Routed r = RoutedPairs({{"<message to=\"a&#10;\"/>", "<message to='a\n'/>"}});
  auto d = CompareRouted("s>c", Accepted({"<message to=\"a&#10;\"/>"}), r, Accepted({"<message to=\"a \"/>"}));
  ASSERT_TRUE(d);
  EXPECT_EQ(d->Key(), "routed-changed s>c to");
  EXPECT_TRUE(d->smuggling);
  EXPECT_NE(d->what.find("routed as '<message to='a\\x0A'/>'"), std::string::npos) << d->what;
  r = RoutedPairs({{"<m><b>x</b></m>", "<m><b>y</b></m>"}});
  d = CompareRouted("s>c", Accepted({"<m><b>x</b></m>"}), r, Accepted({"<m><b>y</b></m>"}));
  ASSERT_TRUE(d);
  EXPECT_EQ(d->Key(), "routed-changed s>c payload");
  EXPECT_FALSE(d->smuggling);
}

TEST(DifferentialRouted, AStampedXmlLangIsNotAChange) {
  // RFC 6120 4.7.4: the server may add the stream's xml:lang when routing.
  Routed r = RoutedPairs({{"<message to=\"b\"/>", "<message to='b' xml:lang='en'/>"}});
  EXPECT_FALSE(CompareRouted("s>c", Accepted({"<message to=\"b\"/>"}), r,
                             Accepted({"<message to=\"b\" xml:lang=\"en\"/>"})));
  // One the server parsed must arrive unchanged.
  auto d = CompareRouted("s>c", Accepted({"<message to=\"b\" xml:lang=\"de\"/>"}), r,
                         Accepted({"<message to=\"b\" xml:lang=\"en\"/>"}));
  ASSERT_TRUE(d);
  EXPECT_EQ(d->Key(), "routed-changed s>c attributes");
}

TEST(DifferentialRouted, RefusedAndSwallowed) {
  Routed r = RoutedPairs({{"<a/>", "<a/>"}, {"<b/>", "<b/>"}});
  Reading want = Accepted({"<a/>", "<b/>"});
  auto d = CompareRouted("s>c", want, r, Refused({"<a/>"}, C::kNotWellFormed));
  ASSERT_TRUE(d);
  EXPECT_EQ(d->Key(), "routed-refused s>c not-well-formed");
  EXPECT_NE(d->what.find("refused in routed stanza 2 '<b/>'"), std::string::npos) << d->what;
  d = CompareRouted("s>c", want, r, Accepted({"<a/>"}));
  ASSERT_TRUE(d);
  EXPECT_EQ(d->Key(), "swallowed-stanza s>c");
  EXPECT_FALSE(d->smuggling);
  // The reference refuses the routed bytes too: the client agrees.
  EXPECT_FALSE(CompareRouted("s>c", Refused({"<a/>"}, C::kNotWellFormed), r, Refused({"<a/>"}, C::kRestrictedXml)));
}

TEST(DifferentialRouted, RoutedStreamIsReadByTheReferenceAsAClient) {
  Reading server = Routing({{"<message xmlns=\"jabber:client\" to=\"b\"/>", "<message to='b'/>"},
                            {"<presence xmlns=\"jabber:client\"/>", "<presence/>"}});
  Routed r = RoutedOf(server);
  Reading client = ReferenceReading(RoutedStream(r), Side::kServerToClient, Profile::kAuthenticated);
  EXPECT_TRUE(client.opened);
  EXPECT_FALSE(client.refused) << client.Verdict();
  EXPECT_EQ(client.stanzas, server.stanzas);
  EXPECT_FALSE(CompareRouted("s>reference", Accepted(r.stanzas), r, client));
}

// --- ReferenceReading -------------------------------------------------------------------

TEST(DifferentialReading, ReferenceStanzasAndRefusal) {
  Reading r = ReferenceReading(kHeader + "<message to='a'/><?pi x?>", Side::kClientToServer, Profile::kRaw);
  EXPECT_TRUE(r.opened);
  EXPECT_EQ(r.stanzas, (std::vector<std::string>{"<message xmlns=\"jabber:client\" to=\"a\"/>"}));
  EXPECT_TRUE(r.refused);
  EXPECT_EQ(r.condition, C::kRestrictedXml);  // RFC 6120 11.1: no processing instructions
  EXPECT_EQ(r.Verdict(), "refused restricted-xml");
}

// --- Expectations and dictionaries ----------------------------------------------------

TEST(DifferentialExpectations, GlobsAndReasons) {
  std::vector<KnownDifference> known;
  std::string error;
  ASSERT_TRUE(ParseDiffExpectations("f", "# c\n\ncondition-differs prosody *  -- every refusal is not-well-formed\n"
                                         "routed-changed *>gloox attributes -- gloox drops xmlns=''\n",
                                    &known, &error))
      << error;
  ASSERT_EQ(known.size(), 2u);
  EXPECT_EQ(known[0].glob, "condition-differs prosody *");
  EXPECT_EQ(known[0].reason, "every refusal is not-well-formed");
  EXPECT_EQ(known[0].line, 3);
  EXPECT_EQ(known[1].glob, "routed-changed *>gloox attributes");
}

TEST(DifferentialExpectations, Errors) {
  std::vector<KnownDifference> known;
  std::string error;
  EXPECT_FALSE(ParseDiffExpectations("f", "extra-stanza p\n", &known, &error));
  EXPECT_EQ(error, "f:1: expected '<key glob> -- <reason>', got 'extra-stanza p'");
  EXPECT_FALSE(ParseDiffExpectations("f", "\nextra-stanzas p -- typo\n", &known, &error));
  EXPECT_EQ(error, "f:2: unknown difference kind 'extra-stanzas' (xmppfuzz differential --list-kinds)");
  EXPECT_FALSE(ParseDiffExpectations("f", "extra-stanza p --  \n", &known, &error));
  EXPECT_EQ(error, "f:1: both a key glob and a reason are needed");
}

TEST(DifferentialDictionary, TokensAndEscapes) {
  std::vector<std::string> tokens;
  std::string error;
  ASSERT_TRUE(ParseDictionary("d", "# x\nkw1=\"<message\"\n\"\\x00\\\\\\\"\"\n", &tokens, &error)) << error;
  ASSERT_EQ(tokens.size(), 2u);
  EXPECT_EQ(tokens[0], "<message");
  EXPECT_EQ(tokens[1], std::string("\0\\\"", 3));
  EXPECT_FALSE(ParseDictionary("d", "kw=\"\\q\"\n", &tokens, &error));
  EXPECT_EQ(error, "d:1: bad escape in 'kw=\"\\x5Cq\"' (\\\\, \\\" or \\xHH)");
  EXPECT_FALSE(ParseDictionary("d", "nothing quoted\n", &tokens, &error));
  EXPECT_EQ(error, "d:1: expected a quoted token, got 'nothing quoted'");
}

TEST(DifferentialDictionary, TheShippedStreamDictionaryParses) {
  std::string text, error;
  ASSERT_TRUE(ReadFile(std::string(XMPPFUZZ_SOURCE_DIR) + "/dictionaries/stream_parser_fuzzer.dict", &text));
  std::vector<std::string> tokens;
  ASSERT_TRUE(ParseDictionary("stream_parser_fuzzer.dict", text, &tokens, &error)) << error;
  EXPECT_GT(tokens.size(), 20u);
}

// --- Minimize and Mutate ------------------------------------------------------------------

TEST(DifferentialMinimize, KeepsOnlyWhatThePredicateNeeds) {
  std::string input = std::string(300, 'a') + "<x/>" + std::string(200, 'b') + "&lt;" + std::string(77, 'c');
  size_t tries = 0;
  auto still = [](const std::string& s) { return s.find("<x/>") != std::string::npos && s.find("&lt;") != std::string::npos; };
  std::string out = Minimize(input, still, 10000, 60, &tries);
  EXPECT_EQ(out, "<x/>&lt;");
  EXPECT_GT(tries, 0u);
  EXPECT_LT(tries, 10000u);
}

TEST(DifferentialMinimize, StopsAtTheTryBudget) {
  std::string input(1000, 'a');
  size_t tries = 0, calls = 0;
  std::string out = Minimize(input, [&](const std::string&) { ++calls; return false; }, 25, 60, &tries);
  EXPECT_EQ(out, input);
  EXPECT_EQ(tries, 25u);
  EXPECT_EQ(calls, 25u);
}

TEST(DifferentialMutate, DeterministicAndBounded) {
  std::vector<std::string> dict = {"<message>", "&lt;", "]]>"};
  std::string base = kHeader + "<message to='a'><body>hi</body></message>";
  uint64_t a = 7, b = 7;
  std::set<std::string> distinct;
  for (int i = 0; i < 200; ++i) {
    std::string x = Mutate(base, "<iq/>", dict, 256, &a);
    std::string y = Mutate(base, "<iq/>", dict, 256, &b);
    EXPECT_EQ(x, y);
    EXPECT_LE(x.size(), 256u);
    distinct.insert(x);
  }
  EXPECT_GT(distinct.size(), 150u);
}

// --- Whole campaigns with real adapter processes ----------------------------------------

std::unique_ptr<ExecParser> Adapter(const std::string& command, int timeout_ms = 10000) {
  ExecConfig c;
  c.command = command;
  c.persistent = true;
  c.timeout_ms = timeout_ms;
  std::string error;
  auto p = ExecParser::Make(c, &error);
  EXPECT_NE(p, nullptr) << error;
  return p;
}

std::string ParseAdapter(const std::string& extra = "") {
  return "/usr/bin/python3 " + kAdapters + "parse_persistent.py " + kXmppfuzz + extra;
}

TEST(DifferentialCampaign, FindsAndMinimizesThePlantedSmuggling) {
  auto planted = Adapter(ParseAdapter(" --route-unescaped"));
  auto faithful = Adapter(ParseAdapter(" --route"));
  ASSERT_TRUE(planted && faithful);
  CampaignConfig config;
  config.adapters = {{"planted", Role::kServer, planted.get()}, {"faithful", Role::kClient, faithful.get()}};
  DiffInput smuggle;
  smuggle.bytes = kHeader +
                  "<message to='bob@localhost'><body>hi &lt;/body&gt;&lt;/message&gt;&lt;message "
                  "to='eve@localhost'&gt;&lt;body&gt;x</body></message><presence/>";
  smuggle.origin = "test smuggle";
  DiffInput plain;
  plain.bytes = kHeader + "<message to='bob@localhost'><body>hi</body></message>";
  plain.origin = "test plain";
  config.seeds = {plain, smuggle};
  config.known = {{"routed-changed planted>*", "a known glob that matches nothing here", 1}};
  config.minimize_tries = 300;
  CampaignResult result = RunCampaign(config);
  EXPECT_EQ(result.inputs, 2u);
  std::map<std::string, const Finding*> by_key;
  for (const Finding& f : result.findings) by_key[f.difference.Key()] = &f;
  // Only the smuggling: the planted server parses as the reference does,
  // and the plain input routes faithfully.
  std::set<std::string> keys;
  for (const auto& [k, f] : by_key) keys.insert(k);
  // The planted server's bytes carry the extra stanza (planted>reference);
  // the faithful client reads them as the reference does, so the pair
  // planted>faithful shows nothing.
  EXPECT_EQ(keys, (std::set<std::string>{"smuggled-stanza planted>reference"}));
  for (const auto& [k, f] : by_key) {
    EXPECT_TRUE(f->difference.smuggling) << k;
    EXPECT_EQ(f->count, 1u) << k;
    EXPECT_EQ(f->first_seen, "test smuggle");
    EXPECT_LT(f->minimized.size(), smuggle.bytes.size()) << k;
    EXPECT_NE(f->minimized.find("&lt;"), std::string::npos) << k;  // the trigger survives
    // The minimized input still shows the difference (the reference as a client).
    Reading server = ReferenceReading(f->minimized, Side::kClientToServer, Profile::kRaw);
    EXPECT_FALSE(server.stanzas.empty()) << k;
  }
  EXPECT_EQ(by_key["smuggled-stanza planted>reference"]->known, "");
  ASSERT_EQ(result.adapters.size(), 2u);
  EXPECT_EQ(result.adapters[0].implementation, "xmppfuzz-parse");
  EXPECT_GE(result.adapters[0].inputs, 2u);
  EXPECT_GE(result.adapters[1].inputs, 2u);  // the routed streams
  EXPECT_EQ(result.adapters[0].failures, 0u);
  EXPECT_EQ(result.unused_known, (std::vector<std::string>{"routed-changed planted>*"}));
  std::string text = DiffTextReport(result);
  EXPECT_NE(text.find("NEW   smuggled-stanza planted>reference  [SMUGGLING]"), std::string::npos) << text;
  EXPECT_NE(text.find("expectation matched nothing in this run: routed-changed planted>*"), std::string::npos) << text;
  std::string error;
  std::string html = DiffHtmlSection(DiffJsonReport(result), &error);
  EXPECT_EQ(error, "");
  EXPECT_NE(html.find("smuggled-stanza planted&gt;reference <strong>smuggling</strong>"), std::string::npos) << html;
  EXPECT_EQ(DiffHtmlSection("{\"targets\": []}", &error), "");
  EXPECT_EQ(error, "not a differential report (differential.json of xmppfuzz differential --out)");
}

TEST(DifferentialCampaign, AHangingClientIsAFindingNotAHang) {
  auto faithful = Adapter(ParseAdapter(" --route"));
  auto hang = Adapter(kAdapters + "hang.sh", 300);
  ASSERT_TRUE(faithful && hang);
  CampaignConfig config;
  config.adapters = {{"faithful", Role::kServer, faithful.get()}, {"stuck", Role::kClient, hang.get()}};
  DiffInput in;
  in.bytes = kHeader + "<message/>";
  in.origin = "test";
  config.seeds = {in};
  config.minimize_tries = 3;
  auto start = Clock::now();
  CampaignResult result = RunCampaign(config);
  EXPECT_LT(Clock::now() - start, std::chrono::seconds(20));
  ASSERT_EQ(result.findings.size(), 1u);
  EXPECT_EQ(result.findings[0].difference.Key(), "adapter-hung faithful>stuck routed");
  EXPECT_NE(result.findings[0].what.find("stuck read hung ("), std::string::npos) << result.findings[0].what;
  EXPECT_NE(result.findings[0].what.find("no 'done' within 300 ms"), std::string::npos) << result.findings[0].what;
  ASSERT_EQ(result.adapters.size(), 2u);
  EXPECT_GE(result.adapters[1].failures, 1u);
  EXPECT_GE(result.adapters[1].restarts, 1);
}

TEST(DifferentialCampaign, MutantsRunForTheGivenTime) {
  auto faithful = Adapter(ParseAdapter(" --route"));
  ASSERT_TRUE(faithful);
  CampaignConfig config;
  config.adapters = {{"faithful", Role::kServer, faithful.get()}};
  DiffInput in;
  in.bytes = kHeader + "<message to='a'><body>x</body></message>";
  in.origin = "seed";
  config.seeds = {in};
  config.dictionary = {"&lt;", "<message>", "</body>"};
  config.seconds = 2;
  std::vector<std::string> lines;
  config.progress_seconds = 1;
  config.progress = [&](const std::string& l) { lines.push_back(l); };
  CampaignResult result = RunCampaign(config);
  EXPECT_GT(result.inputs, 3u);
  EXPECT_EQ(result.seed_inputs, 1u);
  EXPECT_GE(result.seconds, 2.0);
  EXPECT_FALSE(lines.empty());
  // The faithful adapter is the reference behind a pipe: whatever the
  // mutants, it never differs from the reference, and nothing it routes
  // reads differently.
  for (const Finding& f : result.findings) ADD_FAILURE() << f.difference.Key() << ": " << f.what;
}

}  // namespace
}  // namespace xmppfuzz::conform
