#include "conformance/runner/runner.h"

#include <algorithm>
#include <atomic>
#include <mutex>
#include <set>
#include <thread>

namespace xmppfuzz::conform {
namespace {

using Kind = Outcome::Kind;

// Matches reports whether |got| shows the outcome |want| names, ignoring
// offsets and events. On a live target an accepted stream may also have
// bounced a stanza error for a stanza the server could not deliver.
bool Matches(const Outcome& want, const Outcome& got, bool live) {
  switch (want.kind) {
    case Kind::kAccepted: return got.kind == Kind::kAccepted || (live && got.kind == Kind::kStanzaError);
    case Kind::kRefused: return got.kind == Kind::kRefused && got.condition == want.condition;
    case Kind::kStanzaError:
      if (got.kind != Kind::kStanzaError) return false;
      for (const std::string& c : want.stanza_conditions) {
        if (std::find(got.stanza_conditions.begin(), got.stanza_conditions.end(), c) == got.stanza_conditions.end()) {
          return false;
        }
      }
      return true;
    case Kind::kRefusedTls: return got.kind == Kind::kRefusedTls && got.tls_code == want.tls_code;
    case Kind::kRefusedCert: return got.kind == Kind::kRefusedCert && got.tls_code == want.tls_code;
    case Kind::kFailure:
      return got.kind == Kind::kFailure && (want.sasl_condition.empty() || want.sasl_condition == got.sasl_condition) &&
             (want.server_error.empty() || want.server_error == got.server_error);
    case Kind::kInvalidReply: return got.kind == Kind::kInvalidReply && got.condition == want.condition;
    case Kind::kDeviates: return got.kind == Kind::kDeviates && got.step == want.step && got.observed == want.observed;
    case Kind::kNotOffered: return got.kind == Kind::kNotOffered && (want.observed.empty() || got.observed == want.observed);
    case Kind::kVulnerable: return got.kind == Kind::kVulnerable && (want.check.empty() || want.check == got.check);
    default: return got.kind == want.kind;
  }
}

bool EndsWithStreamClose(const std::vector<std::string>& events) {
  return !events.empty() && events.back() == "stream-close";
}

std::string JoinEvents(const std::vector<std::string>& events) {
  if (events.empty()) return "(none)";
  std::string s;
  for (const std::string& e : events) s += "\n      " + e;
  return s;
}

// PrimaryMatch checks |obs| against the vector's own expectation. On a
// mismatch it explains why in |why|, and sets |events_differ| when the
// outcome was the expected one and only the events were not.
bool PrimaryMatch(const Vector& v, const Observation& obs, bool live, std::string* why, bool* events_differ) {
  const Outcome& got = obs.outcome;
  if (v.kind == VectorKind::kSasl) {
    if (!obs.diverged.empty()) {
      *why = "the exchange differs from the vector: " + obs.diverged + " (then " + got.Text() + ")";
      return false;
    }
    if (!Matches(v.expect, got, live)) {
      *why = "expected " + v.expect.Text(true) + ", got " + got.Text();
      return false;
    }
    // The check that fired is ours, so only in-process runs hold a target to it.
    if (!live && !v.sasl.check.empty() && got.check != v.sasl.check) {
      *why = "expected " + v.expect.Text(true) + " by check " + v.sasl.check + ", got " + got.Text();
      return false;
    }
    return true;
  }
  if (v.kind == VectorKind::kProtocol) {
    // What each step showed is in the observation's detail; the outcome
    // names the first step that went otherwise.
    if (!Matches(v.expect, got, live)) {
      *why = "expected " + v.expect.Text(true) + ", got " + got.Text();
      return false;
    }
    return true;
  }
  if (v.kind == VectorKind::kTls || v.kind == VectorKind::kStarttls || v.kind == VectorKind::kTlsPolicy ||
      v.kind == VectorKind::kCertIdentity) {
    // The codes and offsets come from our own TLS code on both in-process
    // targets: an exact offset ("at N") must be that offset, a bound
    // ("at-or-before N") is for offsets that come from the XML tokenizer.
    bool ok = Matches(v.expect, got, live);
    if (ok && !live && v.expect.kind == Kind::kRefusedTls && v.expect.offset) {
      ok = got.offset && (v.expect.exact ? *got.offset == *v.expect.offset : *got.offset <= *v.expect.offset);
    }
    if (!ok) {
      *why = "expected " + v.expect.Text(true) + ", got " + got.Text();
      return false;
    }
    if (!live && v.events_given && obs.events != v.events) {
      *why = got.Text() + " as expected, but the events differ:\n    expected:" + JoinEvents(v.events) +
             "\n    got:" + JoinEvents(obs.events);
      *events_differ = true;
      return false;
    }
    return true;
  }
  if (v.expect.kind == Kind::kAccepted) {
    // A live server that closes its end after the vector closed the stream
    // did what the vector asked.
    bool ok = Matches(v.expect, got, live) || (live && got.kind == Kind::kClosed && EndsWithStreamClose(v.events));
    if (!ok) {
      *why = "expected accepted, got " + got.Text();
      return false;
    }
    if (!live && obs.events != v.events) {
      *why = "accepted, but the events differ:\n    expected:" + JoinEvents(v.events) + "\n    got:" + JoinEvents(obs.events);
      *events_differ = true;
      return false;
    }
    return true;
  }
  if (!Matches(v.expect, got, live)) {
    *why = "expected " + v.expect.Text(true) + ", got " + got.Text();
    return false;
  }
  if (!live) {
    // In-process targets must give the offset; an exec adapter gives one
    // only when its implementation knows it, and is held to it then.
    if (got.offset ? *got.offset > *v.expect.offset : !obs.offset_optional) {
      *why = "expected " + v.expect.Text(true) + ", got " + got.Text() + " (too late)";
      return false;
    }
    if (v.events_given && obs.events != v.events) {
      *why = "refused as expected, but the events before the error differ:\n    expected:" + JoinEvents(v.events) +
             "\n    got:" + JoinEvents(obs.events);
      *events_differ = true;
      return false;
    }
  }
  return true;
}

}  // namespace

std::string_view VerdictName(Verdict v) {
  switch (v) {
    case Verdict::kPass: return "pass";
    case Verdict::kFail: return "fail";
    case Verdict::kAcceptable: return "acceptable";
    case Verdict::kKnown: return "known";
    case Verdict::kNotApplicable: return "n/a";
  }
  return "fail";
}

bool ParseExpectations(const std::string& path, std::string_view text, Expectations* out, std::string* error) {
  size_t pos = 0;
  int line_no = 0;
  auto fail = [&](const std::string& message) {
    *error = path + ":" + std::to_string(line_no) + ": " + message;
    return false;
  };
  while (pos < text.size()) {
    size_t nl = text.find('\n', pos);
    std::string_view line = text.substr(pos, nl == std::string_view::npos ? std::string_view::npos : nl - pos);
    pos = nl == std::string_view::npos ? text.size() : nl + 1;
    ++line_no;
    while (!line.empty() && (line.back() == ' ' || line.back() == '\t' || line.back() == '\r')) line.remove_suffix(1);
    size_t start = line.find_first_not_of(" \t");
    if (start == std::string_view::npos || line[start] == '#') continue;
    line.remove_prefix(start);
    size_t dash = line.find(" -- ");
    // Trailing blanks are gone, so a separator with nothing after it ends
    // the line as " --".
    if (dash == std::string_view::npos && line.size() >= 3 && line.substr(line.size() - 3) == " --") {
      return fail("every known deviation needs a reason after ' -- '");
    }
    if (dash == std::string_view::npos) return fail("expected '<vector-id> <outcome> -- <reason>'");
    std::string_view reason = line.substr(dash + 4);
    while (!reason.empty() && reason.front() == ' ') reason.remove_prefix(1);
    std::string_view head = line.substr(0, dash);
    size_t sp = head.find_first_of(" \t");
    if (sp == std::string_view::npos) return fail("expected '<vector-id> <outcome> -- <reason>'");
    std::string id(head.substr(0, sp));
    std::vector<Outcome> alternatives;
    std::string_view rest = head.substr(sp + 1);
    while (true) {
      size_t bar = rest.find('|');
      std::string_view one = rest.substr(0, bar);
      while (!one.empty() && (one.front() == ' ' || one.front() == '\t')) one.remove_prefix(1);
      while (!one.empty() && (one.back() == ' ' || one.back() == '\t')) one.remove_suffix(1);
      auto outcome = ParseOutcome(one, /*with_offset=*/false);
      if (!outcome) {
        return fail("bad outcome '" + std::string(one) +
                    "' (accepted, refused <condition>, stanza-error [<c1>+<c2>...], closed, no-answer, crashed,"
                    " flooded, invalid-reply <condition>, safe, vulnerable <finding>, hung, cpu-bound, memory,"
                    " events-differ;"
                    " several separated by '|')");
      }
      alternatives.push_back(*outcome);
      if (bar == std::string_view::npos) break;
      rest.remove_prefix(bar + 1);
    }
    if (out->count(id) != 0) return fail("vector '" + id + "' listed twice");
    (*out)[id] = KnownDeviation{alternatives.front(), alternatives, std::string(reason), line_no};
  }
  return true;
}

Result Judge(const Vector& v, Observation observation, bool live, const Expectations* known) {
  Result r;
  r.vector = &v;
  r.observation = std::move(observation);
  const Observation& obs = r.observation;
  if (!obs.broken.empty()) {
    r.verdict = Verdict::kFail;
    r.message = obs.broken;
    return r;
  }
  std::string why;
  bool events_differ = false;
  bool pass = PrimaryMatch(v, obs, live, &why, &events_differ);
  // The expected outcome with other events is observed as events-differ,
  // so that an expectations file can list a known difference in canonical
  // output (an exec adapter's) apart from a different outcome.
  if (events_differ) r.observation.outcome = Outcome{.kind = Outcome::Kind::kEventsDiffer};
  const KnownDeviation* deviation = nullptr;
  if (known != nullptr) {
    auto it = known->find(v.id);
    if (it != known->end()) deviation = &it->second;
  }
  if (deviation != nullptr) {
    std::vector<Outcome> alternatives = deviation->alternatives;
    if (alternatives.empty()) alternatives.push_back(deviation->outcome);
    const Outcome* seen = nullptr;
    for (const Outcome& o : alternatives) {
      if (Matches(o, obs.outcome, live)) {
        seen = &o;
        break;
      }
    }
    // A passing run is known only when the line lists more than one
    // outcome (a target that varies); a line with one outcome that now
    // passes is stale.
    if (seen != nullptr && (!pass || alternatives.size() > 1)) {
      r.verdict = Verdict::kKnown;
      r.message = seen->Text() + ": " + deviation->reason;
    } else {
      r.verdict = Verdict::kFail;
      std::string listed;
      for (const Outcome& o : alternatives) listed += (listed.empty() ? "" : " | ") + o.Text();
      r.message = "known deviation '" + listed + "' (expectations line " +
                  std::to_string(deviation->line) + ") changed: now " +
                  (pass ? "passes; remove it from the expectations file" : obs.outcome.Text());
    }
    return r;
  }
  if (pass) {
    r.verdict = Verdict::kPass;
    return r;
  }
  for (const Acceptable& a : v.acceptable) {
    if (Matches(a.outcome, obs.outcome, live)) {
      r.verdict = Verdict::kAcceptable;
      r.message = a.outcome.Text() + ": " + a.reason;
      return r;
    }
  }
  r.verdict = Verdict::kFail;
  r.message = why;
  return r;
}

std::vector<Result> RunAll(Target& target, const std::vector<Vector>& vectors, const Expectations* known,
                           const std::function<void(const Result&)>& progress) {
  std::vector<Result> results(vectors.size());
  std::atomic<size_t> next{0};
  std::mutex progress_mutex;
  auto worker = [&] {
    while (true) {
      size_t i = next.fetch_add(1);
      if (i >= vectors.size()) return;
      const Vector& v = vectors[i];
      std::string reason = target.NotApplicable(v);
      if (!reason.empty()) {
        results[i].vector = &v;
        results[i].verdict = Verdict::kNotApplicable;
        results[i].message = reason;
      } else {
        results[i] = Judge(v, target.Run(v), target.Live(), known);
      }
      if (progress) {
        std::lock_guard<std::mutex> lock(progress_mutex);
        progress(results[i]);
      }
    }
  };
  int jobs = std::max(1, std::min<int>(target.Jobs(), static_cast<int>(vectors.size())));
  std::vector<std::thread> threads;
  for (int j = 1; j < jobs; ++j) threads.emplace_back(worker);
  worker();
  for (std::thread& t : threads) t.join();
  return results;
}

std::vector<std::string> UnknownIds(const Expectations& known, const std::vector<Vector>& vectors) {
  std::set<std::string> ids;
  for (const Vector& v : vectors) ids.insert(v.id);
  std::vector<std::string> out;
  for (const auto& [id, deviation] : known) {
    if (ids.count(id) == 0) out.push_back(id);
  }
  return out;
}

}  // namespace xmppfuzz::conform
