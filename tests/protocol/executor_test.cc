// The executor against the reference server: every shipped scenario
// conforms, each SCRAM tamper is refused with the exact RFC 6120 condition
// our server sends, and a reference server made to misbehave is caught.
#include "conformance/protocol/executor.h"

#include <gtest/gtest.h>

#include <functional>
#include <map>

#include "conformance/protocol/reference_server.h"
#include "conformance/protocol/scenario.h"
#include "conformance/protocol/transport.h"
#include "conformance/runner/vector.h"

namespace xmppfuzz::protocol {
namespace {

const std::vector<conform::Vector>& Suite() {
  static const std::vector<conform::Vector>* suite = [] {
    auto* out = new std::vector<conform::Vector>;
    std::string error;
    std::vector<conform::Vector> all;
    if (!conform::LoadSuite(XMPPFUZZ_SOURCE_DIR "/conformance/vectors", &all, &error)) {
      ADD_FAILURE() << error;
      return out;
    }
    for (conform::Vector& v : all) {
      if (v.kind == conform::VectorKind::kProtocol) out->push_back(std::move(v));
    }
    return out;
  }();
  return *suite;
}

const conform::Vector* Find(const std::string& id) {
  for (const conform::Vector& v : Suite()) {
    if (v.id == id) return &v;
  }
  return nullptr;
}

conform::Observation Play(const Scenario& s, ServerFaults faults = {}, xml::Backend backend = xml::Backend::kExpat) {
  ReferenceConfig rc;
  rc.user = "juliet";
  rc.password = "r0m30-p\xC3\xA9ncil";
  rc.faults = faults;
  rc.backend = backend;
  rc.direct_tls = std::find(s.config.begin(), s.config.end(), "direct-tls") != s.config.end();
  ExecConfig ec;
  ec.domain = rc.domain;
  ec.user = rc.user;
  ec.password = rc.password;
  ec.wait_ms = 1000;
  ec.deadline_ms = ScenarioDeadlineMs(s, ec.wait_ms);
  return RunScenario(s, InprocConnector(rc), ec);
}

Scenario Parse(const std::vector<std::string>& lines, const std::string& config = "") {
  std::vector<std::pair<std::string, int>> numbered;
  for (size_t i = 0; i < lines.size(); ++i) numbered.push_back({lines[i], static_cast<int>(i + 1)});
  Scenario s;
  int bad = 0;
  std::string error;
  EXPECT_TRUE(ParseScenario(numbered, config, 0, &s, &bad, &error)) << "line " << bad << ": " << error;
  return s;
}

const std::vector<std::string> kSecure = {"open -> features starttls", "starttls -> proceed", "tls -> established",
                                          "open -> features no-starttls mechanisms"};

TEST(Reference, SuiteHasScenariosInEveryCategory) {
  std::map<std::string, int> per_category;
  for (const conform::Vector& v : Suite()) ++per_category[v.category];
  EXPECT_GE(per_category["proto-starttls"], 9);
  EXPECT_GE(per_category["proto-tls"], 13);
  EXPECT_GE(per_category["proto-mechanisms"], 13);
  EXPECT_GE(per_category["proto-scram"], 16);
}

class EveryScenario : public ::testing::TestWithParam<xml::Backend> {};

TEST_P(EveryScenario, ConformsOnTheReference) {
  ASSERT_FALSE(Suite().empty());
  for (const conform::Vector& v : Suite()) {
    conform::Observation obs = Play(*v.scenario, {}, GetParam());
    EXPECT_TRUE(obs.broken.empty()) << v.id << ": " << obs.broken;
    EXPECT_EQ(obs.outcome.Text(), "conforms") << v.id << "\n" << obs.detail;
  }
}

INSTANTIATE_TEST_SUITE_P(Backends, EveryScenario, ::testing::ValuesIn(xml::kBackends));

// Each tamper, with the one condition the reference sends (RFC 6120 6.5).
struct TamperCase {
  const char* auth;
  const char* outcome;
};

class Tamper : public ::testing::TestWithParam<TamperCase> {};

TEST_P(Tamper, RefusedWithTheExactCondition) {
  std::vector<std::string> lines = kSecure;
  lines.push_back(std::string(GetParam().auth) + " -> " + GetParam().outcome);
  conform::Observation obs = Play(Parse(lines));
  EXPECT_EQ(obs.outcome.Text(), "conforms") << obs.detail;
  // The same exchange untampered logs in: the refusal is the tamper's.
  std::string clean = GetParam().auth;
  clean = clean.substr(0, clean.find(" tamper="));
  std::vector<std::string> ok = kSecure;
  ok.push_back(clean + " -> success");
  EXPECT_EQ(Play(Parse(ok)).outcome.Text(), "conforms") << clean;
}

INSTANTIATE_TEST_SUITE_P(
    Scram, Tamper,
    ::testing::Values(TamperCase{"auth SCRAM tamper=nonce", "failure not-authorized"},
                      TamperCase{"auth SCRAM tamper=proof", "failure not-authorized"},
                      TamperCase{"auth SCRAM-SHA-1 tamper=proof", "failure not-authorized"},
                      TamperCase{"auth SCRAM-SHA-256 tamper=wrong-password", "failure not-authorized"},
                      TamperCase{"auth SCRAM tamper=other-user", "failure not-authorized"},
                      TamperCase{"auth SCRAM tamper=gs2-y", "failure not-authorized"},
                      TamperCase{"auth SCRAM-PLUS tamper=cb-unknown", "failure not-authorized"},
                      TamperCase{"auth SCRAM-PLUS tamper=cb-unadvertised", "failure not-authorized"},
                      TamperCase{"auth SCRAM-PLUS tamper=cb-wrong", "failure not-authorized"},
                      TamperCase{"auth SCRAM tamper=c-mismatch", "failure not-authorized"},
                      TamperCase{"auth SCRAM tamper=bad-saslname", "failure malformed-request"},
                      TamperCase{"auth SCRAM tamper=mandatory-ext", "failure malformed-request"},
                      TamperCase{"auth SCRAM tamper=authzid-other", "failure invalid-authzid"},
                      TamperCase{"auth SCRAM tamper=oversize", "stream-error policy-violation"},
                      TamperCase{"auth SCRAM tamper=malformed", "failure malformed-request"},
                      TamperCase{"auth PLAIN tamper=wrong-password", "failure not-authorized"},
                      TamperCase{"auth PLAIN tamper=other-user", "failure not-authorized"}));

TEST(Reference, ReplayedClientFinalOnANewConnection) {
  std::vector<std::string> lines = kSecure;
  lines.push_back("auth SCRAM -> success");
  lines.push_back("reconnect");
  lines.insert(lines.end(), kSecure.begin(), kSecure.end());
  lines.push_back("auth SCRAM tamper=replay -> failure not-authorized");
  conform::Observation obs = Play(Parse(lines));
  EXPECT_EQ(obs.outcome.Text(), "conforms") << obs.detail;
}

TEST(Reference, ReplayWithoutAnEarlierExchangeIsBroken) {
  std::vector<std::string> lines = kSecure;
  lines.push_back("auth SCRAM tamper=replay -> failure");
  conform::Observation obs = Play(Parse(lines));
  EXPECT_NE(obs.broken.find("tamper=replay needs an earlier successful SCRAM exchange"), std::string::npos)
      << obs.broken;
}

TEST(Reference, DeviationNamesTheStepAndWhatTheServerDid) {
  // Expecting the wrong thing shows as a deviation at that step.
  std::vector<std::string> lines = kSecure;
  lines.push_back("auth SCRAM tamper=proof -> success");
  conform::Observation obs = Play(Parse(lines));
  EXPECT_EQ(obs.outcome.Text(), "deviates 5 failure not-authorized");
  EXPECT_NE(obs.detail.find("<- expected success"), std::string::npos) << obs.detail;
}

TEST(Reference, TlsFacts) {
  std::vector<std::string> lines = {"open -> features starttls", "starttls -> proceed", "tls min=1.3 -> established",
                                    "certificate -> matches"};
  conform::Observation obs = Play(Parse(lines));
  EXPECT_EQ(obs.outcome.Text(), "conforms") << obs.detail;
  EXPECT_NE(obs.detail.find("TLS 1.3 TLS_"), std::string::npos) << obs.detail;
  EXPECT_NE(obs.detail.find("names localhost"), std::string::npos) << obs.detail;
}

TEST(Reference, GradeIsHardened) {
  conform::Observation obs = Play(Parse({"grade -> hardened"}));
  EXPECT_EQ(obs.outcome.Text(), "conforms") << obs.detail;
  EXPECT_NE(obs.detail.find("versions TLS 1.2,TLS 1.3"), std::string::npos) << obs.detail;
}

// A misbehaving reference server must fail the scenarios that check that
// behaviour, each at the step that sees it.
struct FaultCase {
  const char* name;
  std::function<void(ServerFaults*)> set;
  const char* scenario;
  const char* outcome;
};

class Fault : public ::testing::TestWithParam<FaultCase> {};

TEST_P(Fault, IsCaught) {
  const conform::Vector* v = Find(GetParam().scenario);
  ASSERT_NE(v, nullptr) << GetParam().scenario;
  ServerFaults faults;
  GetParam().set(&faults);
  conform::Observation obs = Play(*v->scenario, faults);
  EXPECT_EQ(obs.outcome.Text(), GetParam().outcome) << obs.detail;
  // And the scenario's verdict is a failure: no acceptable outcome covers it.
  conform::Result r = conform::Judge(*v, obs, false, nullptr);
  EXPECT_EQ(r.verdict, conform::Verdict::kFail) << r.message;
}

INSTANTIATE_TEST_SUITE_P(
    Misbehaving, Fault,
    ::testing::Values(
        FaultCase{"plain_before_tls", [](ServerFaults* f) { f->plain_before_tls = true; },
                  "proto-starttls/plain-not-offered-before-tls", "deviates 1 features !lacks=PLAIN"},
        FaultCase{"plain_before_tls_weak", [](ServerFaults* f) { f->plain_before_tls = true; },
                  "proto-mechanisms/before-tls-no-weak", "deviates 1 features !no-weak"},
        FaultCase{"always_succeeds_nonce", [](ServerFaults* f) { f->sasl_always_succeeds = true; },
                  "proto-scram/nonce-not-combined", "deviates 5 success-unverified"},
        FaultCase{"always_succeeds_proof", [](ServerFaults* f) { f->sasl_always_succeeds = true; },
                  "proto-scram/proof-flipped", "deviates 5 success-unverified"},
        FaultCase{"always_succeeds_login", [](ServerFaults* f) { f->sasl_always_succeeds = true; },
                  "proto-mechanisms/scram-login", "deviates 5 success-unverified"},
        FaultCase{"always_succeeds_cb", [](ServerFaults* f) { f->sasl_always_succeeds = true; },
                  "proto-scram/cb-data-wrong", "deviates 6 success-unverified"},
        FaultCase{"wrong_server_signature", [](ServerFaults* f) { f->wrong_server_signature = true; },
                  "proto-mechanisms/scram-login", "deviates 5 success-bad-v"},
        FaultCase{"tls_unique_on_tls13", [](ServerFaults* f) { f->tls_unique_on_tls13 = true; },
                  "proto-mechanisms/plus-valid-tls13", "deviates 4 features !cb-valid"},
        FaultCase{"second_starttls", [](ServerFaults* f) { f->accept_second_starttls = true; },
                  "proto-starttls/second-starttls-refused", "deviates 5 proceed"}),
    [](const ::testing::TestParamInfo<FaultCase>& info) { return std::string(info.param.name); });

}  // namespace
}  // namespace xmppfuzz::protocol
