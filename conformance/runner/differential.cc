#include "conformance/runner/differential.h"

#include <fnmatch.h>

#include <algorithm>
#include <chrono>
#include <mutex>
#include <set>
#include <thread>

#include <nlohmann/json.hpp>

#include "conformance/runner/report.h"
#include "targets/base/base.h"
#include "targets/stream/stream.h"

namespace xmppfuzz::conform {
namespace {

using Clock = std::chrono::steady_clock;

constexpr size_t kShown = 300;  // bytes of a stanza or input shown in a one-line summary

double Since(Clock::time_point t) { return std::chrono::duration<double>(Clock::now() - t).count(); }

std::string Show(std::string_view bytes, size_t max = kShown) { return "'" + base::EscapeBytes(bytes, max) + "'"; }

// splitmix64: the mutator's generator (small, deterministic, good enough).
uint64_t Next(uint64_t* state) {
  uint64_t z = (*state += 0x9E3779B97F4A7C15ull);
  z = (z ^ (z >> 30)) * 0xBF58476D1CE4E5B9ull;
  z = (z ^ (z >> 27)) * 0x94D049BB133111EBull;
  return z ^ (z >> 31);
}
size_t Below(uint64_t* rng, size_t n) { return n == 0 ? 0 : static_cast<size_t>(Next(rng) % n); }

// The top element of a canonical stanza: its name, its attributes (in the
// canonical form's order and escapes) and what follows the start tag.
struct Top {
  std::string name;
  std::map<std::string, std::string> attributes;
  std::string rest;
};

Top SplitTop(std::string_view s) {
  Top t;
  size_t i = s.empty() || s[0] != '<' ? 0 : 1;
  while (i < s.size() && s[i] != ' ' && s[i] != '>' && s[i] != '/') t.name.push_back(s[i++]);
  while (i < s.size()) {
    while (i < s.size() && s[i] == ' ') ++i;
    if (i >= s.size() || s[i] == '>' || s[i] == '/') break;
    size_t eq = s.find('=', i);
    if (eq == std::string_view::npos || eq + 1 >= s.size() || s[eq + 1] != '"') break;
    size_t end = s.find('"', eq + 2);
    if (end == std::string_view::npos) break;
    t.attributes[std::string(s.substr(i, eq - i))] = std::string(s.substr(eq + 2, end - eq - 2));
    i = end + 1;
  }
  t.rest = std::string(s.substr(std::min(i, s.size())));
  return t;
}

// WithoutStampedLang drops the top element's xml:lang from |read| when
// |want| has none: a server stamps the stream's xml:lang on a stanza that
// lacks one when it routes it (RFC 6120 4.7.4), so the client reads an
// xml:lang the server never parsed.
std::string WithoutStampedLang(const std::string& want, const std::string& read) {
  if (SplitTop(want).attributes.count("xml:lang") != 0) return read;
  size_t end = read.find('>');
  size_t at = read.find(" xml:lang=\"");
  if (at == std::string::npos || end == std::string::npos || at > end) return read;
  size_t close = read.find('"', at + 11);
  if (close == std::string::npos || close > end) return read;
  return read.substr(0, at) + read.substr(close + 1);
}

std::string Stanzas(const Reading& r) {
  if (r.stanzas.empty()) return "no stanza";
  std::string out = std::to_string(r.stanzas.size()) + (r.stanzas.size() == 1 ? " stanza" : " stanzas");
  size_t shown = 0;
  for (const std::string& s : r.stanzas) {
    if (++shown > 4) {
      out += " ...";
      break;
    }
    out += " " + Show(s, 160);
  }
  return out;
}

std::string Summary(const Reading& r) {
  if (!r.Answered()) return r.status + (r.detail.empty() ? "" : " (" + base::EscapeBytes(r.detail, 400) + ")");
  return r.Verdict() + ", " + Stanzas(r);
}

// First index where the two stanza lists differ (the shorter size when one
// is a prefix of the other).
size_t FirstDifference(const std::vector<std::string>& a, const std::vector<std::string>& b) {
  size_t i = 0;
  while (i < a.size() && i < b.size() && a[i] == b[i]) ++i;
  return i;
}

// ForEachLine calls |f| with each line of |text| that is neither blank
// nor a # comment, and its 1-based number; stops at the first false.
template <typename F>
bool ForEachLine(std::string_view text, F&& f) {
  int line_no = 0;
  size_t pos = 0;
  while (pos <= text.size()) {
    size_t nl = text.find('\n', pos);
    std::string_view line = text.substr(pos, nl == std::string_view::npos ? std::string_view::npos : nl - pos);
    pos = nl == std::string_view::npos ? text.size() + 1 : nl + 1;
    ++line_no;
    size_t first = line.find_first_not_of(" \t\r");
    if (first == std::string_view::npos || line[first] == '#') continue;
    if (!f(line.substr(first), line_no)) return false;
  }
  return true;
}

}  // namespace

std::string Reading::Verdict() const {
  return refused ? "refused " + std::string(xml::ConditionName(condition)) : std::string("accepted");
}

Reading ReferenceReading(std::string_view bytes, Side side, Profile profile) {
  stream::Options options;
  options.side = side == Side::kClientToServer ? stream::Side::kServer : stream::Side::kClient;
  options.authenticated = profile == Profile::kAuthenticated;
  stream::Parser parser(options);
  parser.Feed(bytes);
  Reading r;
  for (const stream::Event& e : parser.TakeEvents()) {
    switch (e.kind) {
      case stream::Event::Kind::kStreamOpen: r.opened = true; break;
      case stream::Event::Kind::kStanza: {
        std::string line = e.Line();
        r.stanzas.push_back(line.substr(7));
        r.routed.emplace_back(std::nullopt);
        break;
      }
      case stream::Event::Kind::kStreamClose: break;
      case stream::Event::Kind::kError:
        r.refused = true;
        r.condition = e.error.condition;
        break;
    }
  }
  return r;
}

Reading AdapterReading(ExecParser& parser, std::string_view bytes, Side side, Profile profile) {
  ExecReply reply = parser.Parse(side, profile, bytes);
  Reading r;
  if (reply.status != ExecReply::Status::kAnswered) {
    r.status = std::string(ExecStatusName(reply.status));
    r.detail = reply.detail;
    return r;
  }
  std::map<size_t, std::string> routed;
  for (const auto& [index, b] : reply.answer.routed) routed[index] = b;
  for (size_t i = 0; i < reply.answer.events.size(); ++i) {
    const std::string& e = reply.answer.events[i];
    if (e.rfind("stream-open ", 0) == 0) {
      r.opened = true;
    } else if (e.rfind("stanza ", 0) == 0) {
      r.stanzas.push_back(e.substr(7));
      auto it = routed.find(i);
      r.routed.push_back(it == routed.end() ? std::nullopt : std::optional<std::string>(it->second));
    }
  }
  r.refused = reply.answer.refused;
  r.condition = reply.answer.condition;
  return r;
}

Routed RoutedOf(const Reading& server) {
  Routed r;
  for (size_t i = 0; i < server.stanzas.size(); ++i) {
    if (i >= server.routed.size() || !server.routed[i]) continue;
    Top top = SplitTop(server.stanzas[i]);
    auto ns = top.attributes.find("xmlns");
    if (ns == top.attributes.end() || ns->second != "jabber:client") continue;
    if (top.name != "message" && top.name != "presence" && top.name != "iq") continue;
    r.stanzas.push_back(server.stanzas[i]);
    r.bytes.push_back(*server.routed[i]);
  }
  return r;
}

std::string RoutedStream(const Routed& routed) {
  // A server's header without xml:lang: a stanza inherits the stream's
  // xml:lang (RFC 6120 4.7.4), and the server's stanzas came from a stream
  // that may not have had one.
  std::string out =
      "<?xml version='1.0'?><stream:stream xmlns='jabber:client' xmlns:stream='http://etherx.jabber.org/streams' "
      "from='localhost' id='xmppfuzz-routed' version='1.0'>";
  for (const std::string& b : routed.bytes) out += b;
  return out;
}

std::string StanzaField(std::string_view a, std::string_view b) {
  Top x = SplitTop(a), y = SplitTop(b);
  if (x.name != y.name) return "name";
  for (const char* field : {"to", "from", "type", "id"}) {
    auto i = x.attributes.find(field);
    auto j = y.attributes.find(field);
    bool hx = i != x.attributes.end(), hy = j != y.attributes.end();
    if (hx != hy || (hx && i->second != j->second)) return field;
  }
  if (x.attributes != y.attributes) return "attributes";
  return "payload";
}

std::string Difference::Key() const { return kind + " " + subject + (detail.empty() ? "" : " " + detail); }

const std::vector<std::pair<std::string, std::string>>& DifferenceKinds() {
  static const auto* kinds = new std::vector<std::pair<std::string, std::string>>{
      {"adapter-crashed", "the adapter died or closed its stdout before answering (DETAIL: vs-reference or routed)"},
      {"adapter-hung", "no answer within the deadline (DETAIL: vs-reference or routed)"},
      {"adapter-flooded", "the answer outgrew its caps (DETAIL: vs-reference or routed)"},
      {"adapter-broken", "an answer the protocol does not allow, or no (re)start (DETAIL: vs-reference or routed)"},
      {"accepted-past-refusal",
       "the reference refuses the stream (DETAIL: its condition) and the implementation delivers stanzas after "
       "that point"},
      {"refused-early",
       "the implementation refuses (DETAIL: its condition) before a stanza the reference delivers"},
      {"extra-stanza", "neither refuses before it, and the implementation delivers a stanza the reference does not"},
      {"missing-stanza", "neither refuses before it, and the reference delivers a stanza the implementation does not"},
      {"stanza-differs", "the n-th stanza differs (DETAIL: name, to, from, type, id, attributes or payload)"},
      {"refused-only-by-reference",
       "the same stanzas, but only the reference refuses the stream (DETAIL: its condition)"},
      {"refused-only-by-adapter", "the same stanzas, but only the implementation refuses (DETAIL: its condition)"},
      {"condition-differs", "the same stanzas, both refuse, with other conditions (DETAIL: reference/adapter)"},
      {"no-stream", "the implementation never opened the stream the reference opened (or the reverse)"},
      {"smuggled-stanza",
       "S>reference: S's routed bytes hold more stanzas than S parsed; S>C: C reads more stanzas from them than the "
       "reference does"},
      {"swallowed-stanza", "S>...: fewer stanzas read from the routed bytes than wanted, and nothing refused"},
      {"routed-changed",
       "S>...: a routed stanza reads differently (DETAIL: name, to, from, type, id, attributes or payload; the first "
       "four are smuggling)"},
      {"routed-refused",
       "S>...: the routed bytes are refused (DETAIL: the condition): one user's stanza ends another's stream"},
  };
  return *kinds;
}

std::optional<Difference> CompareWithReference(const std::string& adapter, const Reading& reference,
                                               const Reading& reading) {
  Difference d;
  d.subject = adapter;
  d.what = "reference: " + Summary(reference) + "; " + adapter + ": " + Summary(reading);
  if (!reading.Answered()) {
    d.kind = "adapter-" + reading.status;
    d.detail = "vs-reference";
    return d;
  }
  bool both_refuse_the_header = reading.refused && reference.refused && reading.stanzas.empty() &&
                                 reference.stanzas.empty();
  if (reading.opened != reference.opened && !both_refuse_the_header) {
    d.kind = "no-stream";
    d.detail = reference.opened ? "reference-opens" : "adapter-opens";
    return d;
  }
  size_t i = FirstDifference(reference.stanzas, reading.stanzas);
  bool same = i == reference.stanzas.size() && i == reading.stanzas.size();
  if (!same) {
    if (i < reference.stanzas.size() && i < reading.stanzas.size()) {
      d.kind = "stanza-differs";
      d.detail = StanzaField(reference.stanzas[i], reading.stanzas[i]);
      d.what += "; stanza " + std::to_string(i + 1) + ": reference " + Show(reference.stanzas[i]) + ", " + adapter +
                " " + Show(reading.stanzas[i]);
    } else if (i == reference.stanzas.size()) {
      // The implementation delivered more.
      d.kind = reference.refused ? "accepted-past-refusal" : "extra-stanza";
      d.detail = reference.refused ? std::string(xml::ConditionName(reference.condition)) : std::string();
    } else {
      d.kind = reading.refused ? "refused-early" : "missing-stanza";
      d.detail = reading.refused ? std::string(xml::ConditionName(reading.condition)) : std::string();
    }
    return d;
  }
  if (reference.refused == reading.refused) {
    if (!reference.refused || reference.condition == reading.condition) return std::nullopt;
    d.kind = "condition-differs";
    d.detail = std::string(xml::ConditionName(reference.condition)) + "/" +
               std::string(xml::ConditionName(reading.condition));
    return d;
  }
  if (reference.refused) {
    d.kind = "refused-only-by-reference";
    d.detail = std::string(xml::ConditionName(reference.condition));
  } else {
    d.kind = "refused-only-by-adapter";
    d.detail = std::string(xml::ConditionName(reading.condition));
  }
  return d;
}

std::optional<Difference> CompareRouted(const std::string& subject, const Reading& want, const Routed& routed,
                                        const Reading& client) {
  Difference d;
  d.subject = subject;
  std::string client_name = subject.substr(subject.find('>') + 1);
  d.what = "routed " + std::to_string(routed.bytes.size()) + " (want " + Summary(want) + "); " + client_name +
           " read " + Summary(client);
  if (!client.Answered()) {
    d.kind = "adapter-" + client.status;
    d.detail = "routed";
    return d;
  }
  auto bytes_of = [&](size_t i) { return i < routed.bytes.size() ? Show(routed.bytes[i]) : std::string("(none)"); };
  // More stanzas than wanted is smuggling, whatever else changed.
  if (client.stanzas.size() > want.stanzas.size()) {
    std::string all;
    for (const std::string& b : routed.bytes) all += b;
    d.kind = "smuggled-stanza";
    d.smuggling = true;
    d.what += "; routed bytes " + Show(all, 600) + "; first extra stanza " + Show(client.stanzas[want.stanzas.size()]);
    return d;
  }
  std::vector<std::string> read = client.stanzas;
  for (size_t k = 0; k < read.size() && k < want.stanzas.size(); ++k) read[k] = WithoutStampedLang(want.stanzas[k], read[k]);
  size_t i = FirstDifference(want.stanzas, read);
  if (i < want.stanzas.size() && i < client.stanzas.size()) {
    d.kind = "routed-changed";
    d.detail = StanzaField(want.stanzas[i], read[i]);
    d.smuggling = d.detail == "name" || d.detail == "to" || d.detail == "from" || d.detail == "type";
    d.what += "; stanza " + std::to_string(i + 1) + ": want " + Show(want.stanzas[i]) + ", routed as " + bytes_of(i) +
              ", read " + Show(client.stanzas[i]);
    return d;
  }
  if (client.refused && !want.refused) {
    d.kind = "routed-refused";
    d.detail = std::string(xml::ConditionName(client.condition));
    d.what += "; refused in routed stanza " + std::to_string(i + 1) + " " + bytes_of(i);
    return d;
  }
  if (client.stanzas.size() < want.stanzas.size() && !client.refused) {
    d.kind = "swallowed-stanza";
    d.what += "; first missing stanza " + Show(want.stanzas[client.stanzas.size()]) + ", routed as " + bytes_of(i);
    return d;
  }
  return std::nullopt;
}

bool ParseDiffExpectations(const std::string& path, std::string_view text, std::vector<KnownDifference>* out,
                           std::string* error) {
  out->clear();
  return ForEachLine(text, [&](std::string_view line, int line_no) {
    std::string where = path + ":" + std::to_string(line_no) + ": ";
    size_t sep = line.find(" -- ");
    if (sep == std::string_view::npos) {
      *error = where + "expected '<key glob> -- <reason>', got '" + base::EscapeBytes(line, 200) + "'";
      return false;
    }
    std::string glob(line.substr(0, sep));
    while (!glob.empty() && (glob.back() == ' ' || glob.back() == '\t')) glob.pop_back();
    std::string reason(line.substr(sep + 4));
    while (!reason.empty() && (reason.back() == '\r' || reason.back() == ' ')) reason.pop_back();
    if (glob.empty() || reason.empty()) {
      *error = where + "both a key glob and a reason are needed";
      return false;
    }
    std::string kind = glob.substr(0, glob.find(' '));
    bool known_kind = kind.find_first_of("*?[") != std::string::npos;
    for (const auto& [k, meaning] : DifferenceKinds()) known_kind = known_kind || k == kind;
    if (!known_kind) {
      *error = where + "unknown difference kind '" + base::EscapeBytes(kind, 100) + "' (xmppfuzz differential --list-kinds)";
      return false;
    }
    out->push_back({glob, reason, line_no});
    return true;
  });
}

std::string Minimize(const std::string& input, const std::function<bool(const std::string&)>& still,
                     size_t max_tries, double max_seconds, size_t* tries) {
  auto start = Clock::now();
  std::string best = input;
  *tries = 0;
  auto budget = [&] { return *tries < max_tries && Since(start) < max_seconds; };
  for (size_t chunk = std::max<size_t>(1, best.size() / 2); budget(); chunk = chunk / 2) {
    bool removed_any = false;
    for (size_t at = 0; at < best.size() && budget();) {
      std::string candidate = best.substr(0, at) + best.substr(std::min(best.size(), at + chunk));
      ++*tries;
      if (candidate.size() < best.size() && still(candidate)) {
        best = std::move(candidate);
        removed_any = true;
      } else {
        at += chunk;
      }
    }
    if (chunk == 1) {
      if (!removed_any) break;
      chunk = 2;  // one more single-byte pass after a success
    }
  }
  return best;
}

std::string Mutate(const std::string& base, const std::string& other, const std::vector<std::string>& dictionary,
                   size_t max_size, uint64_t* rng) {
  static const char kBytes[] = {'<', '>', '&', '"', '\'', '/', '=', ';', '\0', '\n', ' ', ']', '?', '!', ':'};
  static const unsigned char kHigh[] = {0x80, 0xBF, 0xC0, 0xC2, 0xE0, 0xED, 0xEF, 0xF0, 0xF4, 0xF8, 0xFE, 0xFF};
  std::string s = base;
  size_t edits = 1 + Below(rng, 4);
  for (size_t e = 0; e < edits; ++e) {
    size_t at = Below(rng, s.size() + 1);
    switch (Below(rng, 7)) {
      case 0:
      case 1:  // insert a token
        if (!dictionary.empty()) {
          s.insert(at, dictionary[Below(rng, dictionary.size())]);
          break;
        }
        [[fallthrough]];
      case 2:  // insert or replace a byte
        if (Below(rng, 3) == 0) {
          s.insert(s.begin() + static_cast<std::ptrdiff_t>(at), static_cast<char>(kHigh[Below(rng, sizeof kHigh)]));
        } else if (at < s.size()) {
          s[at] = kBytes[Below(rng, sizeof kBytes)];
        } else {
          s.push_back(kBytes[Below(rng, sizeof kBytes)]);
        }
        break;
      case 3: {  // delete a range
        size_t len = 1 + Below(rng, 16);
        if (at < s.size()) s.erase(at, std::min(len, s.size() - at));
        break;
      }
      case 4: {  // duplicate a range
        size_t len = 1 + Below(rng, 64);
        if (at < s.size()) {
          std::string piece = s.substr(at, len);
          s.insert(at, piece);
        }
        break;
      }
      case 5: {  // replace a range with a token
        if (!dictionary.empty() && at < s.size()) {
          size_t len = 1 + Below(rng, 8);
          s.replace(at, std::min(len, s.size() - at), dictionary[Below(rng, dictionary.size())]);
        }
        break;
      }
      default: {  // splice: a prefix of this one, a suffix of the other
        if (!other.empty()) {
          size_t from = Below(rng, other.size());
          s = s.substr(0, at) + other.substr(from);
        }
        break;
      }
    }
    if (s.size() > max_size) s.resize(max_size);
  }
  return s;
}

bool ParseDictionary(const std::string& path, std::string_view text, std::vector<std::string>* out,
                     std::string* error) {
  auto hex = [](char c) -> int {
    if (c >= '0' && c <= '9') return c - '0';
    if (c >= 'a' && c <= 'f') return c - 'a' + 10;
    if (c >= 'A' && c <= 'F') return c - 'A' + 10;
    return -1;
  };
  return ForEachLine(text, [&](std::string_view line, int line_no) {
    size_t open = line.find('"');
    size_t close = line.rfind('"');
    std::string where = path + ":" + std::to_string(line_no) + ": ";
    if (open == std::string_view::npos || close == open) {
      *error = where + "expected a quoted token, got '" + base::EscapeBytes(line, 200) + "'";
      return false;
    }
    std::string token;
    for (size_t i = open + 1; i < close; ++i) {
      if (line[i] != '\\') {
        token.push_back(line[i]);
        continue;
      }
      if (i + 1 < close && (line[i + 1] == '\\' || line[i + 1] == '"')) {
        token.push_back(line[++i]);
      } else if (i + 3 < close && line[i + 1] == 'x' && hex(line[i + 2]) >= 0 && hex(line[i + 3]) >= 0) {
        token.push_back(static_cast<char>(hex(line[i + 2]) * 16 + hex(line[i + 3])));
        i += 3;
      } else {
        *error = where + "bad escape in '" + base::EscapeBytes(line, 200) + "' (\\\\, \\\" or \\xHH)";
        return false;
      }
    }
    if (!token.empty()) out->push_back(std::move(token));
    return true;
  });
}

namespace {

// The campaign's state: adapters' statistics and the findings by key.
class Campaign {
 public:
  explicit Campaign(const CampaignConfig& config) : config_(config) {
    for (const DiffAdapter& a : config.adapters) {
      AdapterStats s;
      s.name = a.name;
      s.role = a.role;
      stats_.push_back(s);
    }
  }

  // Timed reading of adapter |i|.
  Reading Read(size_t i, std::string_view bytes, Side side, Profile profile) {
    auto start = Clock::now();
    Reading r = AdapterReading(*config_.adapters[i].parser, bytes, side, profile);
    std::lock_guard<std::mutex> lock(mutex_);
    stats_[i].inputs++;
    stats_[i].busy_seconds += Since(start);
    if (!r.Answered()) stats_[i].failures++;
    return r;
  }

  // Differences of |input| restricted to |only| (a key's subject) or all
  // of them when |only| is empty. The adapters run in parallel.
  std::vector<Difference> Evaluate(const DiffInput& input, const std::string& only = {}) {
    std::vector<Difference> out;
    std::string only_server, only_client;
    if (size_t gt = only.find('>'); gt != std::string::npos) {
      only_server = only.substr(0, gt);
      only_client = only.substr(gt + 1);
    }
    Reading reference = ReferenceReading(input.bytes, input.side, input.profile);
    Role role = input.side == Side::kClientToServer ? Role::kServer : Role::kClient;
    std::vector<size_t> mine;
    for (size_t i = 0; i < config_.adapters.size(); ++i) {
      const DiffAdapter& a = config_.adapters[i];
      if (a.role != role) continue;
      if (!only.empty() && a.name != only && a.name != only_server) continue;
      mine.push_back(i);
    }
    std::vector<Reading> readings(config_.adapters.size());
    RunParallel(mine, [&](size_t i) { readings[i] = Read(i, input.bytes, input.side, input.profile); });
    for (size_t i : mine) {
      if (!only_server.empty()) continue;  // a pair's key: only the pair below
      if (auto d = CompareWithReference(config_.adapters[i].name, reference, readings[i])) out.push_back(*d);
    }
    if (role != Role::kServer) return out;
    // Smuggling: each server's routed stanzas through every client and the
    // reference (as a client).
    for (size_t s : mine) {
      const Reading& server = readings[s];
      if (!server.Answered()) continue;
      Routed routed = RoutedOf(server);
      if (routed.bytes.empty()) continue;
      std::string stream_bytes = RoutedStream(routed);
      const std::string& sname = config_.adapters[s].name;
      // What a correct client reads from the routed bytes. When the
      // reference refuses them (a stanza its stanza rules or limits
      // refuse, or bytes that are not well-formed: S>reference says so),
      // the clients are held to what the server meant to route instead.
      Reading ref_view = ReferenceReading(stream_bytes, Side::kServerToClient, Profile::kAuthenticated);
      Reading intent;
      intent.opened = true;
      intent.stanzas = routed.stanzas;
      if (only.empty() || only_client == "reference") {
        if (auto d = CompareRouted(sname + ">reference", intent, routed, ref_view)) out.push_back(*d);
      }
      const Reading& want = ref_view.refused ? intent : ref_view;
      std::vector<size_t> clients;
      for (size_t c = 0; c < config_.adapters.size(); ++c) {
        if (config_.adapters[c].role != Role::kClient) continue;
        if (!only_client.empty() && config_.adapters[c].name != only_client) continue;
        if (only_client.empty() && !only.empty()) continue;
        clients.push_back(c);
      }
      std::vector<Reading> views(config_.adapters.size());
      RunParallel(clients, [&](size_t c) {
        views[c] = Read(c, stream_bytes, Side::kServerToClient, Profile::kAuthenticated);
      });
      for (size_t c : clients) {
        if (auto d = CompareRouted(sname + ">" + config_.adapters[c].name, want, routed, views[c])) out.push_back(*d);
      }
    }
    return out;
  }

  void Record(const DiffInput& input, const std::vector<Difference>& diffs) {
    for (const Difference& d : diffs) {
      std::string key = d.Key();
      auto it = findings_.find(key);
      if (it == findings_.end()) {
        Finding f;
        f.difference = d;
        f.input = input;
        f.first_seen = input.origin;
        f.first_seconds = Since(start_);
        f.count = 1;
        for (const KnownDifference& k : config_.known) {
          if (fnmatch(k.glob.c_str(), key.c_str(), 0) == 0) {
            f.known = k.reason;
            used_known_.insert(k.glob);
            break;
          }
        }
        findings_.emplace(key, std::move(f));
        ++new_keys_;
      } else {
        ++it->second.count;
        if (input.bytes.size() < it->second.input.bytes.size()) it->second.input = input;
      }
    }
  }

  void MinimizeAll() {
    size_t done = 0;
    for (auto& entry : findings_) {
      // Named copies, not structured bindings: the lambda below captures them.
      const std::string& key = entry.first;
      Finding& f = entry.second;
      if (config_.progress) {
        config_.progress("minimizing " + std::to_string(++done) + "/" + std::to_string(findings_.size()) + ": " +
                         base::EscapeBytes(key, 200));
      }
      const std::string subject = f.difference.subject;
      DiffInput probe = f.input;
      auto still = [&](const std::string& candidate) {
        probe.bytes = candidate;
        for (const Difference& d : Evaluate(probe, subject)) {
          if (d.Key() == key) return true;
        }
        return false;
      };
      // A known difference gets a quarter of the budget: its input is
      // shown, but the run's time goes to the new ones.
      size_t tries = f.known.empty() ? config_.minimize_tries : config_.minimize_tries / 4;
      double seconds = f.known.empty() ? config_.minimize_seconds : config_.minimize_seconds / 4;
      f.minimized = Minimize(f.input.bytes, still, tries, seconds, &f.minimize_tries);
      probe.bytes = f.minimized;
      f.what = f.difference.what;
      for (const Difference& d : Evaluate(probe, subject)) {
        if (d.Key() == key) f.what = d.what;
      }
    }
  }

  CampaignResult Run() {
    start_ = Clock::now();
    auto last_progress = start_;
    uint64_t inputs = 0;
    auto report = [&](const char* phase) {
      if (!config_.progress) return;
      double t = Since(start_);
      config_.progress(std::string(phase) + ": " + std::to_string(inputs) + " inputs in " +
                       std::to_string(static_cast<long long>(t)) + " s (" +
                       std::to_string(static_cast<long long>(t > 0 ? inputs / t : 0)) + "/s), " +
                       std::to_string(findings_.size()) + " kinds of difference (" + std::to_string(new_keys_) +
                       " since the last line)");
      new_keys_ = 0;
    };
    for (const DiffInput& in : config_.seeds) {
      Record(in, Evaluate(in));
      ++inputs;
      if (Since(last_progress) >= config_.progress_seconds) {
        report("seeds");
        last_progress = Clock::now();
      }
    }
    uint64_t seed_inputs = inputs;
    uint64_t rng = config_.seed;
    auto mutate_start = Clock::now();
    if (config_.seconds > 0 && !config_.seeds.empty()) {
      // Mutants: of a seed, or of a finding's input (those are where the
      // implementations already disagree).
      while (Since(mutate_start) < config_.seconds) {
        const DiffInput* parent = &config_.seeds[Below(&rng, config_.seeds.size())];
        if (!findings_.empty() && Below(&rng, 4) == 0) {
          auto it = findings_.begin();
          std::advance(it, static_cast<std::ptrdiff_t>(Below(&rng, findings_.size())));
          parent = &it->second.input;
        }
        const DiffInput& other = config_.seeds[Below(&rng, config_.seeds.size())];
        DiffInput child;
        child.side = parent->side;
        child.profile = parent->profile;
        child.bytes = Mutate(parent->bytes, other.side == parent->side ? other.bytes : std::string(),
                             config_.dictionary, config_.max_input, &rng);
        // Named after the seed it descends from, however many generations
        // back: a finding's input is mutated again, and a chain of names
        // would grow with every generation.
        std::string_view root = parent->origin;
        while (root.rfind("mutant ", 0) == 0 && root.find(" of ") != std::string_view::npos) {
          root.remove_prefix(root.find(" of ") + 4);
        }
        child.origin = "mutant " + std::to_string(inputs - seed_inputs + 1) + " of " + std::string(root);
        Record(child, Evaluate(child));
        ++inputs;
        if (Since(last_progress) >= config_.progress_seconds) {
          report("mutants");
          last_progress = Clock::now();
        }
      }
    }
    report("done");
    CampaignResult result;
    result.inputs = inputs;
    result.seed_inputs = seed_inputs;
    result.seconds = Since(start_);
    MinimizeAll();
    for (auto& [key, f] : findings_) result.findings.push_back(std::move(f));
    for (size_t i = 0; i < stats_.size(); ++i) {
      stats_[i].implementation = config_.adapters[i].parser->Implementation();
      stats_[i].restarts = config_.adapters[i].parser->Restarts();
    }
    result.adapters = stats_;
    for (const KnownDifference& k : config_.known) {
      if (used_known_.count(k.glob) == 0) result.unused_known.push_back(k.glob);
    }
    return result;
  }

 private:
  template <typename F>
  static void RunParallel(const std::vector<size_t>& which, F&& f) {
    if (which.size() <= 1) {
      for (size_t i : which) f(i);
      return;
    }
    std::vector<std::thread> threads;
    for (size_t k = 1; k < which.size(); ++k) threads.emplace_back([&, k] { f(which[k]); });
    f(which[0]);
    for (std::thread& t : threads) t.join();
  }

  const CampaignConfig& config_;
  std::vector<AdapterStats> stats_;
  std::map<std::string, Finding> findings_;
  std::set<std::string> used_known_;
  size_t new_keys_ = 0;
  Clock::time_point start_ = Clock::now();
  std::mutex mutex_;
};

std::string RoleName(Role r) { return r == Role::kServer ? "server" : "client"; }

}  // namespace

CampaignResult RunCampaign(const CampaignConfig& config) {
  Campaign campaign(config);
  return campaign.Run();
}

std::string DiffTextReport(const CampaignResult& result) {
  std::string out;
  char line[512];
  std::snprintf(line, sizeof line, "differential: %llu inputs (%llu seeds, %llu mutants) in %.0f s\n",
                static_cast<unsigned long long>(result.inputs), static_cast<unsigned long long>(result.seed_inputs),
                static_cast<unsigned long long>(result.inputs - result.seed_inputs), result.seconds);
  out += line;
  out += "  adapter     role    implementation                          streams  streams/s  failures  restarts\n";
  for (const AdapterStats& a : result.adapters) {
    std::snprintf(line, sizeof line, "  %-11s %-7s %-38s %8llu %10.0f %9llu %9d\n",
                  base::EscapeBytes(a.name, 40).c_str(), RoleName(a.role).c_str(),
                  base::EscapeBytes(a.implementation.empty() ? "-" : a.implementation, 60).c_str(),
                  static_cast<unsigned long long>(a.inputs), a.busy_seconds > 0 ? a.inputs / a.busy_seconds : 0.0,
                  static_cast<unsigned long long>(a.failures), a.restarts);
    out += line;
  }
  size_t known = 0, smuggling = 0;
  for (const Finding& f : result.findings) {
    known += f.known.empty() ? 0 : 1;
    smuggling += f.difference.smuggling ? 1 : 0;
  }
  out += std::to_string(result.findings.size()) + " kinds of difference: " +
         std::to_string(result.findings.size() - known) + " new, " + std::to_string(known) + " known, " +
         std::to_string(smuggling) + " letting a stanza through that the server did not route\n";
  for (const Finding& f : result.findings) {
    out += "\n" + std::string(f.known.empty() ? "NEW   " : "known ") + base::EscapeBytes(f.difference.Key(), 300) +
           (f.difference.smuggling ? "  [SMUGGLING]" : "") + "\n";
    out += "  seen " + std::to_string(f.count) + " times, first in " + base::EscapeBytes(f.first_seen, 200) + "\n";
    out += "  minimized (" + std::string(SideName(f.input.side)) + ", " + std::to_string(f.minimized.size()) + " of " +
           std::to_string(f.input.bytes.size()) + " bytes, " + std::to_string(f.minimize_tries) +
           " tries): " + Show(f.minimized, 600) + "\n";
    out += "  " + base::EscapeBytes(f.what, 1200) + "\n";
    if (!f.known.empty()) out += "  known: " + base::EscapeBytes(f.known, 400) + "\n";
  }
  for (const std::string& g : result.unused_known) {
    out += "expectation matched nothing in this run: " + base::EscapeBytes(g, 200) + "\n";
  }
  return out;
}

std::string DiffJsonReport(const CampaignResult& result) {
  // Strings from adapters and inputs are escaped (base::EscapeBytes) so the
  // JSON is valid UTF-8 whatever they held; minimized inputs are also
  // given as hex, byte-exact.
  auto esc = [](std::string_view s) { return base::EscapeBytes(s, 1u << 20); };
  auto hex = [](std::string_view s) {
    static const char* d = "0123456789abcdef";
    std::string out;
    for (unsigned char c : s) {
      out.push_back(d[c >> 4]);
      out.push_back(d[c & 15]);
    }
    return out;
  };
  nlohmann::json root;
  nlohmann::json& j = root["differential"];
  j["inputs"] = result.inputs;
  j["seed_inputs"] = result.seed_inputs;
  j["seconds"] = result.seconds;
  j["adapters"] = nlohmann::json::array();
  for (const AdapterStats& a : result.adapters) {
    j["adapters"].push_back({{"name", esc(a.name)},
                             {"role", RoleName(a.role)},
                             {"implementation", esc(a.implementation)},
                             {"streams", a.inputs},
                             {"busy_seconds", a.busy_seconds},
                             {"streams_per_second", a.busy_seconds > 0 ? a.inputs / a.busy_seconds : 0.0},
                             {"failures", a.failures},
                             {"restarts", a.restarts}});
  }
  j["findings"] = nlohmann::json::array();
  for (const Finding& f : result.findings) {
    j["findings"].push_back({{"key", esc(f.difference.Key())},
                             {"kind", f.difference.kind},
                             {"subject", esc(f.difference.subject)},
                             {"detail", esc(f.difference.detail)},
                             {"smuggling", f.difference.smuggling},
                             {"count", f.count},
                             {"side", std::string(SideName(f.input.side))},
                             {"profile", std::string(ProfileName(f.input.profile))},
                             {"first_seen", esc(f.first_seen)},
                             {"first_seconds", f.first_seconds},
                             {"input_bytes", f.input.bytes.size()},
                             {"minimized", esc(f.minimized)},
                             {"minimized_hex", hex(f.minimized)},
                             {"minimize_tries", f.minimize_tries},
                             {"what", esc(f.what)},
                             {"known", f.known.empty() ? nlohmann::json(nullptr) : nlohmann::json(esc(f.known))}});
  }
  j["unused_expectations"] = nlohmann::json::array();
  for (const std::string& g : result.unused_known) j["unused_expectations"].push_back(esc(g));
  return root.dump(2) + "\n";
}

std::string DiffHtmlSection(const std::string& json_text, std::string* error) {
  nlohmann::json root = nlohmann::json::parse(json_text, nullptr, false);
  if (root.is_discarded() || !root.is_object() || !root.contains("differential") ||
      !root["differential"].is_object()) {
    *error = "not a differential report (differential.json of xmppfuzz differential --out)";
    return {};
  }
  const nlohmann::json& j = root["differential"];
  auto text = [](const nlohmann::json& o, const char* k) -> std::string {
    if (!o.is_object() || !o.contains(k)) return {};
    const nlohmann::json& v = o[k];
    if (v.is_string()) return HtmlEscape(base::EscapeBytes(v.get<std::string>(), 1u << 16));
    if (v.is_null()) return {};
    return HtmlEscape(v.dump());
  };
  std::string out = "<section class=\"differential\" id=\"differential\">\n<h2>Differential campaign</h2>\n";
  out += "<p class=\"meta\">" + text(j, "inputs") + " inputs (" + text(j, "seed_inputs") + " seeds), " +
         text(j, "seconds") + " s</p>\n";
  out += "<table>\n<thead><tr><th>adapter</th><th>role</th><th>implementation</th><th>streams</th>"
         "<th>streams/s</th><th>failures</th><th>restarts</th></tr></thead>\n<tbody>\n";
  if (j.contains("adapters") && j["adapters"].is_array()) {
    for (const nlohmann::json& a : j["adapters"]) {
      out += "<tr><td>" + text(a, "name") + "</td><td>" + text(a, "role") + "</td><td>" + text(a, "implementation") +
             "</td><td>" + text(a, "streams") + "</td><td>" + text(a, "streams_per_second") + "</td><td>" +
             text(a, "failures") + "</td><td>" + text(a, "restarts") + "</td></tr>\n";
    }
  }
  out += "</tbody>\n</table>\n<table>\n<thead><tr><th>difference</th><th>seen</th><th>minimized input</th>"
         "<th>what</th><th>known</th></tr></thead>\n<tbody>\n";
  if (j.contains("findings") && j["findings"].is_array()) {
    for (const nlohmann::json& f : j["findings"]) {
      bool smuggling = f.is_object() && f.contains("smuggling") && f["smuggling"].is_boolean() &&
                       f["smuggling"].get<bool>();
      bool known = f.is_object() && f.contains("known") && f["known"].is_string();
      out += std::string("<tr class=\"") + (known ? "known" : "fail") + "\"><td>" + text(f, "key") +
             (smuggling ? " <strong>smuggling</strong>" : "") + "</td><td>" + text(f, "count") + "</td><td><code>" +
             text(f, "minimized") + "</code></td><td>" + text(f, "what") + "</td><td>" + text(f, "known") +
             "</td></tr>\n";
    }
  }
  out += "</tbody>\n</table>\n</section>\n";
  return out;
}

std::string DiffHtmlPage(const CampaignResult& result) {
  std::string error;
  return "<!DOCTYPE html>\n<html lang=\"en\">\n<head>\n<meta charset=\"utf-8\">\n<title>xmppfuzz differential "
         "campaign</title>\n<style>body{font-family:sans-serif;margin:2em}table{border-collapse:collapse;margin:1em "
         "0}td,th{border:1px solid #ccc;padding:.2em .5em;vertical-align:top;text-align:left}"
         "tr.fail{background:#fdd}tr.known{background:#eee}code{white-space:pre-wrap;word-break:break-all}"
         "</style>\n</head>\n<body>\n" +
         DiffHtmlSection(DiffJsonReport(result), &error) + "</body>\n</html>\n";
}

}  // namespace xmppfuzz::conform
