// The client:<library> target: one kind: client vector is one (or, for the
// nonce-quality scenario, several) driver runs against a fresh scripted
// server, judged from both sides (README "Hostile server: client libraries",
// "Verdicts").
#include <algorithm>
#include <map>
#include <set>

#include "conformance/hostile/hostile.h"
#include "conformance/hostile/internal.h"
#include "conformance/hostile/server.h"
#include "targets/sasl/sasl.h"

namespace xmppfuzz::hostile {
namespace {

using conform::Observation;
using conform::Outcome;
using conform::Vector;

struct RunRecord {
  std::unique_ptr<Server> server;
  DriverRun driver;
};

std::string Substitute(std::string s, const std::map<std::string, std::string>& values) {
  for (const auto& [from, to] : values) {
    for (size_t at = s.find(from); at != std::string::npos; at = s.find(from, at + to.size())) s.replace(at, from.size(), to);
  }
  return s;
}

bool Contains(std::string_view hay, std::string_view needle) { return hay.find(needle) != std::string_view::npos; }

bool AnyEvent(const DriverRun& d, std::string_view name) {
  return std::any_of(d.events.begin(), d.events.end(), [&](const DriverEvent& e) { return e.event == name; });
}

bool AnyLineContains(const DriverRun& d, std::string_view needle) {
  return std::any_of(d.events.begin(), d.events.end(), [&](const DriverEvent& e) { return Contains(e.line, needle); });
}

// RootTag is a stanza's start tag (up to the first '>').
std::string_view RootTag(std::string_view xml) { return xml.substr(0, xml.find('>')); }

bool HasId(std::string_view xml, std::string_view id) {
  std::string_view tag = RootTag(xml);
  return Contains(tag, "id='" + std::string(id) + "'") || Contains(tag, "id=\"" + std::string(id) + "\"");
}

std::string Summary(const ServerLog& l, const DriverRun& d) {
  std::string s = "server: " + std::to_string(l.connections) + " connection(s)";
  if (l.tls_established) s += ", TLS " + l.tls_version;
  if (!l.tls_failure.empty()) s += ", TLS failed: " + Escape(l.tls_failure, 300);
  if (!l.auth_mechanisms.empty()) {
    s += ", auth";
    for (const std::string& m : l.auth_mechanisms) s += " " + m;
  }
  if (!l.gs2_flags.empty()) s += ", gs2 " + l.gs2_flags;
  if (l.http_fetches > 0) {
    s += ", HTTP fetches " + std::to_string(l.http_fetches);
    for (const std::string& p : l.http_paths) s += " [" + p + "]";
  }
  if (!l.client_error.empty()) s += ", client bytes refused: " + l.client_error;
  s += "\n  timeline:";
  for (const std::string& t : l.timeline) s += " " + t + ";";
  s += "\n  driver: " + std::string(RunStatusName(d.status));
  if (d.status == RunStatus::kExited) s += " " + std::to_string(d.exit_code);
  if (!d.why.empty()) s += " (" + d.why + ")";
  s += " after " + std::to_string(d.wall_ms) + " ms, peak RSS " + std::to_string(d.peak_rss >> 20) + " MiB";
  size_t shown = 0;
  for (const DriverEvent& e : d.events) {
    if (++shown > 24) {
      s += "\n    ... " + std::to_string(d.events.size() - 24) + " more events";
      break;
    }
    s += "\n    " + Escape(e.line, 300);
  }
  if (!d.stderr_tail.empty()) s += "\n  stderr: " + Escape(d.stderr_tail, 600);
  return s;
}

// Verdict applies the vector's check. Returns true with |what| set when the
// client did what the check forbids.
bool Vulnerable(const Vector& v, const std::vector<RunRecord>& runs, const std::string& canary, std::string* what) {
  const std::string& check = v.client.check;
  const ServerLog& l = runs[0].server->log();
  const DriverRun& d = runs[0].driver;
  std::string mechs;
  for (const std::string& m : l.auth_mechanisms) mechs += (mechs.empty() ? "" : ", ") + m;
  bool authenticated = AnyEvent(d, "authenticated") || AnyEvent(d, "online");
  if (check == "no-auth-without-tls" || check == "uses-offered-tls") {
    *what = "authenticated (" + mechs + ") without TLS";
    return l.auth_before_tls;
  }
  if (check == "stops-after-starttls-failure") {
    *what = "went on after the STARTTLS <failure/> and sent <auth mechanism='" + mechs + "'> in the clear";
    return l.auth_after_starttls_failure;
  }
  if (check == "refuses-certificate" || check == "refuses-weak-tls") {
    *what = "completed the TLS handshake (" + l.tls_version + ") and sent its stream over it";
    return l.tls_established && l.sent_over_tls;
  }
  if (check == "no-client-final") {
    *what = "answered the tampered server-first with client-final";
    return l.client_final_sent;
  }
  if (check == "no-success-without-proof") {
    *what = std::string("took the <success/> as authentication") +
            (l.restarted_after_success ? " (restarted the stream)" : "") + (authenticated ? " (reported authenticated)" : "");
    return l.restarted_after_success || authenticated;
  }
  if (check == "no-plain-cleartext") {
    *what = "sent its PLAIN password without TLS";
    return l.plain_cleartext;
  }
  if (check == "no-weak-mechanism") {
    for (const std::string& m : l.auth_mechanisms) {
      if (sasl::IsWeakMechanismName(m)) {
        *what = "authenticated with " + m;
        return true;
      }
    }
    return false;
  }
  if (check == "signals-channel-binding") {
    *what = "sent gs2 flag 'n' over TLS after -PLUS was stripped (RFC 5802 6: 'y' detects the downgrade)";
    return Contains(l.gs2_flags, "n");
  }
  if (check == "fresh-nonces") {
    std::set<std::string> seen;
    for (const RunRecord& r : runs) {
      for (const std::string& n : r.server->log().client_nonces) {
        if (!seen.insert(n).second) {
          *what = "sent the client nonce '" + Escape(n, 80) + "' in two runs";
          return true;
        }
      }
    }
    return false;
  }
  if (check == "closes-on-restricted-xml") {
    for (const DriverEvent& e : d.events) {
      if (e.event == "stanza" && HasId(e.text, kAfterId)) {
        *what = "kept the stream and delivered the stanza that followed the restricted XML";
        return true;
      }
    }
    return false;
  }
  if (check == "closes-on-doctype-header") {
    *what = "accepted a stream header with a DOCTYPE and bound a resource";
    return l.bound_after_header;
  }
  if (check == "no-entity-expansion") {
    *what = "expanded an entity the server declared (delivered its replacement text)";
    return AnyLineContains(d, kEntityMarker);
  }
  if (check == "no-external-entities") {
    if (l.http_fetches > 0) {
      *what = "fetched the external entity from our HTTP listener";
      return true;
    }
    *what = "read the canary file through an external entity";
    return AnyLineContains(d, canary) || AnyLineContains(d, kHttpMarker);
  }
  if (check == "no-smuggling") {
    bool reached_after = false;
    std::string error;
    std::vector<std::string> reference = ReferenceStanzas(v.input, &reached_after, &error);
    bool inside = false;
    size_t between = 0;
    bool after = false;
    for (const DriverEvent& e : d.events) {
      if (e.event != "stanza") continue;
      if (HasId(e.text, kBeforeId)) {
        inside = true;
        continue;
      }
      if (HasId(e.text, kAfterId)) {
        after = true;
        break;
      }
      // Replies to the client's own requests (an iq result or error the
      // library printed late) are not part of the payload.
      std::string_view tag = RootTag(e.text);
      bool reply = tag.substr(0, 3) == "<iq" && (Contains(tag, "type='result'") || Contains(tag, "type=\"result\"") ||
                                                Contains(tag, "type='error'") || Contains(tag, "type=\"error\""));
      if (inside && !reply) ++between;
    }
    if (between > reference.size()) {
      *what = "delivered " + std::to_string(between) + " stanza(s) where the reference parser reads " +
              std::to_string(reference.size()) + (error.empty() ? "" : " before refusing the stream (" + error + ")");
      return true;
    }
    if (after && !reached_after) {
      *what = "delivered the stanza after the payload; the reference parser refuses the stream first (" + error + ")";
      return true;
    }
    return false;
  }
  if (check == "ignores-roster-push") {
    for (const DriverEvent& e : d.events) {
      if (e.event == "roster" && Contains(e.text, "mallory@evil.example")) {
        *what = "put the item of a roster push from another JID into its roster";
        return true;
      }
    }
    return false;
  }
  if (check == "ignores-forged-carbon") {
    for (const DriverEvent& e : d.events) {
      if (e.event == "carbon" || (e.event == "stanza" && Contains(RootTag(e.text), "boss@"))) {
        *what = "delivered a carbon copy sent by another JID as the account's own";
        return true;
      }
    }
    return false;
  }
  if (check == "ignores-spoofed-iq-result") {
    for (const DriverEvent& e : d.events) {
      if (e.event == "iq-result" && e.extra == "result") {
        *what = "took a result from " + Escape(e.text, 100) + " as the answer to its request to the server";
        return true;
      }
    }
    return false;
  }
  // "survives": only the resource verdicts count.
  return false;
}

class ClientTarget final : public conform::Target {
 public:
  explicit ClientTarget(ClientTargetConfig config) : config_(std::move(config)) {}

  std::string Name() const override { return "client:" + config_.driver.library; }
  bool Live() const override { return true; }
  int Jobs() const override { return config_.jobs; }

  std::string NotApplicable(const Vector& v) const override {
    if (v.kind != conform::VectorKind::kClient) return "a client target plays kind: client vectors only";
    std::string skip = SkipReason();
    if (!skip.empty()) return skip;
    if (config_.driver.websocket && v.client.tcp_only) {
      return "STARTTLS-level scenario: XMPP over WebSocket has no STARTTLS (RFC 7395 3.8: TLS is the transport's)";
    }
    return {};
  }

  std::string SkipReason() const {
    if (!config_.driver.unavailable.empty()) return "skipped: " + config_.driver.unavailable;
    const Sandbox& s = CurrentSandbox();
    if (!s.entered) return "skipped: " + (s.reason.empty() ? std::string("no sandbox") : s.reason);
    return {};
  }

  Observation Run(const Vector& v) override {
    Observation obs;
    Script script;
    std::string error;
    if (!ParseScript(v.client.server, &script, &error)) {
      obs.broken = "vector " + v.id + ": " + error;
      return obs;
    }
    const Sandbox& sandbox = CurrentSandbox();
    std::vector<RunRecord> runs;
    for (int i = 0; i < script.runs; ++i) {
      ServeConfig sc;
      sc.vector = &v;
      sc.script = script;
      sc.websocket = config_.driver.websocket;
      sc.idle_ms = config_.idle_ms;
      sc.linger_ms = config_.linger_ms;
      RunRecord rec;
      rec.server = std::make_unique<Server>(sc);
      HttpCanary canary(&rec.server->log());
      std::map<std::string, std::string> values = {
          {"@DOMAIN@", std::string(kDomain)},
          {"@BARE@", std::string(kUser) + "@" + std::string(kDomain)},
          {"@JID@", std::string(kUser) + "@" + std::string(kDomain) + "/" + std::string(kResource)},
          {"@CANARY_FILE@", sandbox.canary_file}};
      if (Contains(v.input, "@CANARY_URL@") || Contains(v.client.header, "@CANARY_URL@")) {
        if (!canary.Start(&error)) {
          obs.broken = "HTTP canary: " + error;
          return obs;
        }
        values["@CANARY_URL@"] = "http://127.0.0.1:" + std::to_string(canary.port()) + "/xxe-canary";
      }
      rec.server->SetBytes(Substitute(v.input, values), Substitute(v.client.header, values));
      if (!rec.server->Start(&error)) {
        obs.broken = "server: " + error;
        return obs;
      }
      std::vector<std::string> cmd = config_.driver.command;
      const std::string port = std::to_string(rec.server->port());
      for (std::string a : {"--host", "127.0.0.1", "--port"}) cmd.push_back(a);
      cmd.push_back(port);
      cmd.push_back("--jid");
      cmd.push_back(std::string(kUser) + "@" + std::string(kDomain));
      cmd.push_back("--password");
      cmd.push_back(std::string(kPassword));
      cmd.push_back("--resource");
      cmd.push_back(std::string(kResource));
      cmd.push_back("--iq-to");
      cmd.push_back(std::string(kDomain));
      if (config_.driver.websocket) {
        cmd.push_back("--websocket");
        // The JID domain resolves to 127.0.0.1 inside the sandbox (its
        // /etc/hosts), so the URL's host is the name the certificate is for.
        cmd.push_back("wss://" + std::string(kDomain) + ":" + port + "/xmpp-websocket");
      }
      Server* server = rec.server.get();
      rec.driver = RunDriver(cmd, config_.limits, [server](pid_t group) { server->WatchClient(group); });
      rec.server->Stop();
      canary.Stop();
      runs.push_back(std::move(rec));
    }
    const DriverRun& first = runs[0].driver;
    for (const RunRecord& r : runs) {
      if (r.driver.status == RunStatus::kNotStarted) {
        obs.broken = "the driver did not start: " + r.driver.why;
        obs.detail = Summary(r.server->log(), r.driver);
        return obs;
      }
    }
    std::string what;
    bool vulnerable = Vulnerable(v, runs, sandbox.canary_token, &what);
    obs.detail = Summary(runs[0].server->log(), first);
    RunStatus worst = RunStatus::kExited;
    for (const RunRecord& r : runs) {
      if (r.driver.status != RunStatus::kExited) worst = r.driver.status;
    }
    if (vulnerable) {
      obs.outcome.kind = Outcome::Kind::kVulnerable;
      obs.outcome.check = v.client.finding;
      obs.detail = what + "\n  " + obs.detail;
      return obs;
    }
    switch (worst) {
      case RunStatus::kCrashed: obs.outcome.kind = Outcome::Kind::kCrashed; break;
      case RunStatus::kHung: obs.outcome.kind = Outcome::Kind::kHung; break;
      case RunStatus::kCpuBound: obs.outcome.kind = Outcome::Kind::kCpuBound; break;
      case RunStatus::kMemory: obs.outcome.kind = Outcome::Kind::kMemory; break;
      default: obs.outcome.kind = Outcome::Kind::kSafe; break;
    }
    return obs;
  }

 private:
  ClientTargetConfig config_;
};

}  // namespace

std::unique_ptr<conform::Target> MakeClientTarget(ClientTargetConfig config) {
  return std::make_unique<ClientTarget>(std::move(config));
}

std::string SkipReason(const conform::Target& target) {
  const auto* t = dynamic_cast<const ClientTarget*>(&target);
  return t == nullptr ? std::string() : t->SkipReason();
}

}  // namespace xmppfuzz::hostile
