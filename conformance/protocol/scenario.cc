#include "conformance/protocol/scenario.h"

#include <set>

#include "conformance/runner/vector.h"
#include "targets/sasl/sasl.h"
#include "targets/xml/xml.h"

namespace xmppfuzz::protocol {
namespace {

std::string_view Trim(std::string_view s) {
  while (!s.empty() && (s.front() == ' ' || s.front() == '\t')) s.remove_prefix(1);
  while (!s.empty() && (s.back() == ' ' || s.back() == '\t')) s.remove_suffix(1);
  return s;
}

std::vector<std::string> Words(std::string_view s) {
  std::vector<std::string> out;
  while (true) {
    s = Trim(s);
    if (s.empty()) break;
    size_t sp = s.find(' ');
    out.emplace_back(s.substr(0, sp));
    if (sp == std::string_view::npos) break;
    s.remove_prefix(sp + 1);
  }
  return out;
}

struct VerbInfo {
  std::string_view name;
  Verb verb;
  bool needs_expect;
  std::set<std::string_view> options;  // allowed option keys
};

const std::vector<VerbInfo>& Verbs() {
  static const std::vector<VerbInfo> kVerbs = {
      {"open", Verb::kOpen, true, {}},
      {"restart", Verb::kOpen, true, {}},
      {"send", Verb::kSend, true, {}},
      {"starttls", Verb::kStarttls, true, {}},
      {"tls", Verb::kTls, true, {"min", "max", "ciphers", "suites", "alpn", "compression"}},
      {"renegotiate", Verb::kRenegotiate, true, {}},
      {"auth", Verb::kAuth, true, {"tamper", "authzid", "user", "password", "cb", "check-h"}},
      {"bind", Verb::kBind, true, {}},
      {"ping", Verb::kPing, true, {}},
      {"wait", Verb::kWait, true, {"ms"}},
      {"reconnect", Verb::kReconnect, false, {}},
      {"grade", Verb::kGrade, true, {}},
      {"certificate", Verb::kCertificate, true, {}},
      {"if-offered", Verb::kIfOffered, false, {"cb"}},
  };
  return kVerbs;
}

const std::set<std::string_view> kTokens = {
    "features", "proceed", "tls-failure", "established", "refused", "renegotiated", "success", "failure",
    "stream-error", "closed", "result", "iq-error", "no-reply", "hardened", "matches"};

const std::set<std::string_view> kChecks = {"starttls", "starttls-required", "no-starttls", "mechanisms",
                                            "no-mechanisms", "no-weak", "plus-valid", "cb-valid",
                                            "cb-listed", "bind"};

const std::set<std::string_view> kTampers = {
    "none", "nonce", "proof", "wrong-password", "other-user", "gs2-y", "cb-unknown", "cb-unadvertised", "cb-wrong",
    "c-mismatch", "bad-saslname", "mandatory-ext", "authzid-other", "oversize", "malformed", "replay"};

const std::set<std::string_view> kPlaceholders = {"domain", "user", "plain", "jid"};

const std::set<std::string_view> kVersions = {"1.0", "1.1", "1.2", "1.3"};

bool ParseExpect(std::string_view text, Step* step, std::string* error) {
  text = Trim(text);
  if (text.empty()) return *error = "nothing after '->'", false;
  std::vector<std::string> words = Words(text);
  if (words[0] == "features") {
    if (step->verb != Verb::kOpen) return *error = "'features' is what open shows", false;
    if (text.find('|') != std::string_view::npos) return *error = "'features' takes no alternatives", false;
    step->expect.push_back(Expect{"features", ""});
    for (size_t i = 1; i < words.size(); ++i) {
      const std::string& w = words[i];
      size_t eq = w.find('=');
      if (eq != std::string::npos) {
        std::string key = w.substr(0, eq);
        if ((key != "has" && key != "lacks") || eq + 1 == w.size()) {
          return *error = "feature check '" + w + "' (has=MECH, lacks=MECH or a word)", false;
        }
      } else if (kChecks.count(w) == 0) {
        return *error = "unknown feature check '" + w + "'", false;
      }
      step->checks.push_back(w);
    }
    return true;
  }
  while (true) {
    size_t bar = text.find('|');
    std::vector<std::string> alt = Words(text.substr(0, bar));
    if (alt.empty() || alt.size() > 2) return *error = "an outcome is '<token> [<argument>]'", false;
    if (kTokens.count(alt[0]) == 0 || alt[0] == "features") {
      return *error = "unknown outcome '" + alt[0] + "'", false;
    }
    Expect e{alt[0], alt.size() == 2 ? alt[1] : ""};
    if (!e.arg.empty()) {
      if (e.token == "failure" && !sasl::ConditionFromName(e.arg)) {
        return *error = "'" + e.arg + "' is not an RFC 6120 section 6.5 condition", false;
      }
      if (e.token == "stream-error") {
        auto c = xml::ConditionFromName(e.arg);
        if (!c || *c == xml::Condition::kNone) return *error = "'" + e.arg + "' is not an RFC 6120 stream error", false;
      }
      if (e.token != "failure" && e.token != "stream-error" && e.token != "iq-error") {
        return *error = "'" + e.token + "' takes no argument", false;
      }
    }
    step->expect.push_back(std::move(e));
    if (bar == std::string_view::npos) break;
    text.remove_prefix(bar + 1);
  }
  return true;
}

bool CheckPlaceholders(const std::string& data, std::string* error) {
  for (size_t i = data.find('{'); i != std::string::npos; i = data.find('{', i + 1)) {
    size_t close = data.find('}', i);
    if (close == std::string::npos) continue;
    std::string name = data.substr(i + 1, close - i - 1);
    bool word = !name.empty();
    for (char c : name) word = word && ((c >= 'a' && c <= 'z') || c == '-');
    if (word && kPlaceholders.count(name) == 0) {
      return *error = "unknown placeholder {" + name + "} ({domain}, {user}, {jid}, {plain})", false;
    }
  }
  return true;
}

}  // namespace

bool DecodeStepBytes(const std::string& text, const std::map<std::string, std::string>& values, std::string* out,
                     std::string* error) {
  // Placeholders first, their values escaped, so the input escapes apply
  // to the scenario's own text only.
  std::string escaped;
  for (size_t i = 0; i < text.size();) {
    if (text[i] == '\\' && i + 1 < text.size()) {
      escaped.append(text, i, 2);
      i += 2;
      continue;
    }
    if (text[i] == '{') {
      size_t close = text.find('}', i);
      if (close != std::string::npos && kPlaceholders.count(text.substr(i + 1, close - i - 1)) != 0) {
        auto it = values.find(text.substr(i + 1, close - i - 1));
        std::string value = it == values.end() ? "x" : it->second;
        for (char c : value) {
          if (c == '\\' || c == '{' || c == '}') escaped += '\\';
          escaped += c;
        }
        i = close + 1;
        continue;
      }
    }
    escaped += text[i++];
  }
  return conform::DecodeInput(escaped, out, error, 1u << 20);
}

std::string_view VerbName(Verb v) {
  for (const VerbInfo& i : Verbs()) {
    if (i.verb == v) return i.name;
  }
  return "?";
}

bool ValidConfigWord(std::string_view word) {
  return word == "starttls-required" || word == "starttls-optional" || word == "direct-tls" || word == "alpn" ||
         word == "plus" || word == "xep-0474";
}

bool ParseStep(std::string_view text, Step* out, std::string* error) {
  *out = Step{};
  text = Trim(text);
  size_t arrow = text.rfind(" -> ");
  std::string_view head = arrow == std::string_view::npos ? text : text.substr(0, arrow);
  std::string_view verb_text = head.substr(0, head.find(' '));
  const VerbInfo* info = nullptr;
  for (const VerbInfo& i : Verbs()) {
    if (i.name == verb_text) info = &i;
  }
  if (info == nullptr) {
    return *error = "unknown step '" + std::string(verb_text) +
                    "' (open, restart, send, starttls, tls, renegotiate, auth, bind, ping, wait, reconnect, grade, "
                    "certificate, if-offered)",
           false;
  }
  out->verb = info->verb;
  std::string_view rest = Trim(head.substr(verb_text.size()));
  if (info->verb == Verb::kSend || (info->verb == Verb::kStarttls && !rest.empty())) {
    if (info->verb == Verb::kStarttls) {
      if (rest.substr(0, 9) != "pipeline ") return *error = "starttls takes 'pipeline <bytes>' or nothing", false;
      rest = Trim(rest.substr(9));
    }
    if (rest.empty()) return *error = std::string(info->name) + " needs the bytes to send", false;
    out->data = std::string(rest);
    if (!CheckPlaceholders(out->data, error)) return false;
    std::string decoded, decode_error;
    if (!DecodeStepBytes(out->data, {}, &decoded, &decode_error)) return *error = decode_error, false;
  } else {
    std::vector<std::string> words = Words(rest);
    size_t i = 0;
    if (info->verb == Verb::kAuth || info->verb == Verb::kIfOffered) {
      if (words.empty()) return *error = std::string(info->name) + " needs a mechanism name", false;
      out->mechanism = words[i++];
      for (char c : out->mechanism) {
        if (!((c >= 'A' && c <= 'Z') || (c >= '0' && c <= '9') || c == '-' || c == '_')) {
          return *error = "bad mechanism name '" + out->mechanism + "'", false;
        }
      }
    }
    for (; i < words.size(); ++i) {
      size_t eq = words[i].find('=');
      std::string key = words[i].substr(0, eq);
      std::string value = eq == std::string::npos ? "" : words[i].substr(eq + 1);
      if (info->options.count(key) == 0) {
        return *error = "'" + std::string(info->name) + "' has no option '" + key + "'", false;
      }
      if (out->options.count(key) != 0) return *error = "option '" + key + "' given twice", false;
      bool bare = key == "compression" || key == "check-h";
      if (bare != value.empty()) {
        return *error = bare ? "'" + key + "' takes no value" : "option '" + key + "' needs a value", false;
      }
      if ((key == "min" || key == "max") && kVersions.count(value) == 0) {
        return *error = "TLS version '" + value + "' (1.0, 1.1, 1.2 or 1.3)", false;
      }
      if (key == "tamper" && kTampers.count(value) == 0) return *error = "unknown tamper '" + value + "'", false;
      if (key == "cb" && !sasl::CbTypeFromName(value)) return *error = "unknown channel-binding type '" + value + "'", false;
      if (key == "ms") {
        int ms = 0;
        for (char c : value) ms = (c >= '0' && c <= '9' && ms < 100000) ? ms * 10 + (c - '0') : -1000000;
        if (ms <= 0 || ms > 60000) return *error = "ms is 1 to 60000", false;
      }
      out->options[key] = value;
    }
  }
  if (arrow != std::string_view::npos) {
    if (!info->needs_expect) return *error = "'" + std::string(info->name) + "' shows no outcome (drop '->')", false;
    if (!ParseExpect(text.substr(arrow + 4), out, error)) return false;
  } else if (info->needs_expect) {
    return *error = "'" + std::string(info->name) + "' needs '-> <outcome>': what a conforming server does", false;
  }
  return true;
}

bool ParseScenario(const std::vector<std::pair<std::string, int>>& lines, std::string_view config, int config_line,
                   Scenario* out, int* bad_line, std::string* error) {
  out->steps.clear();
  out->config.clear();
  for (const std::string& w : Words(config)) {
    if (!ValidConfigWord(w)) {
      *bad_line = config_line;
      *error = "unknown config word '" + w + "' (starttls-required, starttls-optional, direct-tls, alpn, plus, xep-0474)";
      return false;
    }
    out->config.push_back(w);
  }
  bool tls_up = false;
  for (const auto& [text, line] : lines) {
    Step step;
    if (!ParseStep(text, &step, error)) {
      *bad_line = line;
      return false;
    }
    step.line = line;
    // Steps that need TLS up (the session state is the executor's, but an
    // order that can never work is a broken scenario).
    if (step.verb == Verb::kTls) tls_up = true;
    if (step.verb == Verb::kReconnect) tls_up = false;
    if ((step.verb == Verb::kRenegotiate || step.verb == Verb::kCertificate) && !tls_up) {
      *bad_line = line;
      *error = std::string(VerbName(step.verb)) + " comes after a tls step";
      return false;
    }
    out->steps.push_back(std::move(step));
  }
  if (out->steps.empty()) {
    *bad_line = config_line;
    *error = "no steps";
    return false;
  }
  return true;
}

}  // namespace xmppfuzz::protocol
