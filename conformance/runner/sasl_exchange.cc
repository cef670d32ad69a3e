#include "conformance/runner/sasl_exchange.h"

#include <openssl/evp.h>

#include <algorithm>
#include <map>
#include <memory>
#include <optional>
#include <set>

#include "conformance/runner/oracle.h"
#include "targets/base/base.h"
#include "targets/sasl/sasl.h"
#include "targets/stream/stream.h"

namespace xmppfuzz::conform {
namespace {

using sasl::ElementKind;

constexpr std::string_view kNs = "urn:ietf:params:xml:ns:xmpp-sasl";

// --- placeholders ----------------------------------------------------------

struct PlaceholderInfo {
  std::string_view name;
  bool flip_bit;
  bool truncated;
};

constexpr PlaceholderInfo kPlaceholders[] = {
    {"client-nonce", false, false}, {"server-nonce", false, false},    {"nonce", false, false},
    {"salt", false, false},         {"iterations", false, false},      {"proof", true, true},
    {"server-signature", true, true}, {"cbind-data", true, false},     {"downgrade-hash", true, false},
    {"any", false, false},
};

// SkipEscape returns where the escape starting at the backslash at |pos|
// ends (DecodeInput reports malformed ones).
size_t SkipEscape(std::string_view s, size_t pos) {
  if (pos + 1 >= s.size()) return s.size();
  if (s.substr(pos + 1, 7) == "repeat{") {
    size_t close = s.find('}', pos);
    if (close == std::string_view::npos || close + 1 >= s.size() || s[close + 1] != '{') return s.size();
    size_t i = close + 2;
    while (i < s.size()) {
      if (s[i] == '\\') {
        i = SkipEscape(s, i);
      } else if (s[i] == '}') {
        return i + 1;
      } else {
        ++i;
      }
    }
    return s.size();
  }
  if (s[pos + 1] == 'u' && pos + 2 < s.size() && s[pos + 2] == '{') {
    size_t close = s.find('}', pos);
    return close == std::string_view::npos ? s.size() : close + 1;
  }
  if (s[pos + 1] == 'x') return std::min(s.size(), pos + 4);
  return pos + 2;
}

// --- crypto (OpenSSL, independent of targets/sasl) --------------------------

using oracle::Digest;
using oracle::Hmac;
using oracle::Pbkdf2;
using oracle::Xor;
using oracle::XmlAttr;

std::string B64(std::string_view bytes) {
  std::string out(4 * ((bytes.size() + 2) / 3) + 1, '\0');
  int n = EVP_EncodeBlock(reinterpret_cast<unsigned char*>(out.data()),
                          reinterpret_cast<const unsigned char*>(bytes.data()), static_cast<int>(bytes.size()));
  out.resize(static_cast<size_t>(n));
  return out;
}

std::optional<std::string> UnB64(std::string_view text) {
  if (text.size() % 4 != 0) return std::nullopt;
  for (char c : text) {
    bool ok = (c >= 'A' && c <= 'Z') || (c >= 'a' && c <= 'z') || (c >= '0' && c <= '9') || c == '+' || c == '/' ||
              c == '=';
    if (!ok) return std::nullopt;
  }
  std::string out(text.size() / 4 * 3 + 1, '\0');
  int n = EVP_DecodeBlock(reinterpret_cast<unsigned char*>(out.data()),
                          reinterpret_cast<const unsigned char*>(text.data()), static_cast<int>(text.size()));
  if (n < 0) return std::nullopt;
  size_t len = static_cast<size_t>(n);
  if (!text.empty() && text.back() == '=') --len;
  if (text.size() >= 2 && text[text.size() - 2] == '=') --len;
  out.resize(len);
  return out;
}

std::optional<sasl::Hash> HashOfName(std::string_view mechanism) {
  if (mechanism.size() > 5 && mechanism.substr(mechanism.size() - 5) == "-PLUS") mechanism.remove_suffix(5);
  if (mechanism == "SCRAM-SHA-1") return sasl::Hash::kSha1;
  if (mechanism == "SCRAM-SHA-256") return sasl::Hash::kSha256;
  if (mechanism == "SCRAM-SHA-512") return sasl::Hash::kSha512;
  return std::nullopt;
}

bool IsPlusName(std::string_view m) { return m.size() > 5 && m.substr(m.size() - 5) == "-PLUS"; }

// Attribute returns the value of "x=" in a comma-separated SCRAM message.
std::optional<std::string> Attribute(std::string_view msg, char name) {
  size_t pos = 0;
  while (pos <= msg.size()) {
    size_t comma = msg.find(',', pos);
    std::string_view a = msg.substr(pos, comma == std::string_view::npos ? std::string_view::npos : comma - pos);
    if (a.size() >= 2 && a[0] == name && a[1] == '=') return std::string(a.substr(2));
    if (comma == std::string_view::npos) break;
    pos = comma + 1;
  }
  return std::nullopt;
}

// Gs2HeaderOf returns the gs2-header of a client-first message: everything
// up to and including its second comma.
std::optional<std::string> Gs2HeaderOf(std::string_view client_first) {
  size_t first = client_first.find(',');
  if (first == std::string_view::npos) return std::nullopt;
  size_t second = client_first.find(',', first + 1);
  if (second == std::string_view::npos) return std::nullopt;
  return std::string(client_first.substr(0, second + 1));
}

std::string WithoutProof(std::string_view client_final) {
  size_t p = client_final.rfind(",p=");
  return std::string(p == std::string_view::npos ? client_final : client_final.substr(0, p));
}

std::string Escaped(std::string_view bytes) { return base::EscapeBytes(bytes, 2000); }

bool HasWord(const SaslSpec& s, std::string_view word) {
  return std::find(s.policy.begin(), s.policy.end(), word) != s.policy.end();
}

std::optional<uint64_t> WordValue(const SaslSpec& s, std::string_view prefix) {
  for (const std::string& w : s.policy) {
    if (w.rfind(prefix, 0) == 0) return std::stoull(w.substr(prefix.size()));
  }
  return std::nullopt;
}

// Produced is an element the side under test sent.
struct Produced {
  ElementKind element = ElementKind::kAuth;
  std::string mechanism;
  std::string condition;
  std::optional<std::string> data;
};

std::string ElementName(ElementKind k) { return std::string(sasl::ElementKindName(k)); }

std::string Render(const Produced& p) {
  std::string s = ElementName(p.element);
  if (p.element == ElementKind::kAuth) s += " " + p.mechanism;
  if (p.element == ElementKind::kFailure) s += " " + p.condition;
  if (p.data) s += ":" + (p.data->empty() ? std::string() : " " + Escaped(*p.data));
  return s;
}

// ElementBytes writes the XMPP element for one step: |text| is the element's
// character data (already base64, or raw), nullopt for an empty element.
std::string ElementBytes(ElementKind kind, std::string_view mechanism, std::string_view condition,
                         const std::optional<std::string>& text) {
  std::string name = ElementName(kind);
  std::string open = "<" + name + " xmlns='" + std::string(kNs) + "'";
  if (kind == ElementKind::kAuth) open += " mechanism='" + XmlAttr(mechanism) + "'";
  if (kind == ElementKind::kFailure) return open + "><" + std::string(condition) + "/></" + name + ">";
  if (!text) return open + "/>";
  return open + ">" + *text + "</" + name + ">";
}

// Wire is one direction of the XMPP stream: our parser reads the peer's
// elements through the stream parser, as a server or client would.
class Wire {
 public:
  Wire(xml::Backend backend, Side side) {
    stream::Options options;
    options.backend = backend;
    options.side = side == Side::kClientToServer ? stream::Side::kServer : stream::Side::kClient;
    options.authenticated = false;
    parser_ = std::make_unique<stream::Parser>(options);
    std::string prelude = Prelude(Profile::kOpened, side);
    parser_->Feed(prelude);
    auto events = parser_->TakeEvents();
    ok_ = events.size() == 1 && events[0].kind == stream::Event::Kind::kStreamOpen;
  }

  // Deliver feeds one element's bytes; true with the element parsed.
  bool Deliver(std::string_view bytes, xml::Element* out, std::string* why) {
    if (!ok_) {
      *why = "the stream parser did not accept the standard stream header";
      return false;
    }
    parser_->Feed(bytes);
    auto events = parser_->TakeEvents();
    if (events.size() == 1 && events[0].kind == stream::Event::Kind::kStanza) {
      *out = std::move(events[0].element);
      return true;
    }
    *why = "the stream parser did not deliver the element " + Escaped(bytes) + " as one top-level element";
    for (const auto& e : events) *why += "\n      " + e.Line();
    ok_ = false;
    return false;
  }

 private:
  std::unique_ptr<stream::Parser> parser_;
  bool ok_ = false;
};

uint64_t Fnv1a(std::string_view s) {
  uint64_t h = 0xcbf29ce484222325ull;
  for (unsigned char c : s) {
    h ^= c;
    h *= 0x100000001b3ull;
  }
  return h;
}

// --- the player --------------------------------------------------------------

class Player {
 public:
  Player(const Vector& v, xml::Backend backend)
      : v_(v),
        s_(v.sasl),
        random_(Fnv1a(v.id)),
        c2s_(backend, Side::kClientToServer),
        s2c_(backend, Side::kServerToClient) {
    if (!s_.client_nonce.empty()) bound_["client-nonce"] = s_.client_nonce;
    if (!s_.server_nonce.empty()) bound_["server-nonce"] = s_.server_nonce;
    bound_["salt"] = s_.salt;
    bound_["iterations"] = std::to_string(s_.iterations);
  }

  Observation Run() {
    if (s_.role == SaslRole::kServer) {
      RunServer();
    } else {
      RunClient();
    }
    Observation obs;
    obs.events = transcript_;
    obs.broken = broken_;
    obs.diverged = diverged_;
    if (success_) {
      obs.outcome.kind = Outcome::Kind::kSuccess;
    } else if (failed_) {
      obs.outcome.kind = Outcome::Kind::kFailure;
      obs.outcome.check = std::string(sasl::ErrorName(failure_.code));
      if (s_.role == SaslRole::kServer) {
        obs.outcome.sasl_condition = std::string(sasl::ErrorName(sasl::ConditionFor(failure_.code)));
        obs.outcome.server_error = e_value_;
      } else if (failure_.server_error != sasl::ServerError::kNone) {
        obs.outcome.server_error = std::string(sasl::ErrorName(failure_.server_error));
      }
      obs.detail = sasl::Describe(failure_);
    } else {
      // Neither side finished: the vector ran out with our side waiting.
      obs.outcome.kind = Outcome::Kind::kFailure;
      obs.outcome.check = "incomplete";
      if (obs.diverged.empty() && obs.broken.empty()) {
        obs.diverged = "the exchange ends with our " + std::string(SaslRoleName(s_.role)) + " still waiting for a message";
      }
    }
    return obs;
  }

 private:
  // -- values -----------------------------------------------------------------

  std::string Password(bool vector_side) const {
    const std::string& pw = vector_side && !s_.peer_password.empty() ? s_.peer_password : s_.password;
    auto prepared = sasl::Saslprep(pw);
    return prepared ? *prepared : pw;
  }

  bool SaltedPassword(bool vector_side, sasl::Hash h, std::string* out, std::string* why) {
    if (scram_.size() < 2) {
      *why = "no server-first message yet";
      return false;
    }
    auto salt_text = Attribute(scram_[1], 's');
    auto iter_text = Attribute(scram_[1], 'i');
    std::optional<std::string> salt = salt_text ? UnB64(*salt_text) : std::nullopt;
    if (!salt || !iter_text || iter_text->empty() || iter_text->size() > 10 ||
        iter_text->find_first_not_of("0123456789") != std::string::npos) {
      *why = "the server-first message has no usable s= and i=";
      return false;
    }
    uint64_t iterations = std::stoull(*iter_text);
    if (iterations == 0 || iterations > 10000000) {
      *why = "i=" + *iter_text + " is out of the range the runner computes (1 to 10000000)";
      return false;
    }
    std::string pw = Password(vector_side);
    std::string key = pw + '\0' + *salt + '\0' + *iter_text + '\0' + std::to_string(static_cast<int>(h));
    auto it = salted_.find(key);
    if (it == salted_.end()) it = salted_.emplace(key, Pbkdf2(h, pw, *salt, static_cast<uint32_t>(iterations))).first;
    *out = it->second;
    return true;
  }

  std::optional<sasl::Hash> Hash(std::string* why) const {
    auto h = HashOfName(mechanism_);
    if (!h) *why = "mechanism '" + Escaped(mechanism_) + "' is not SCRAM";
    return h;
  }

  static std::string Modify(std::string bytes, const std::string& modifier) {
    if (modifier == "flip-bit" && !bytes.empty()) bytes.back() = static_cast<char>(bytes.back() ^ 1);
    if (modifier == "truncated" && !bytes.empty()) bytes.pop_back();
    return bytes;
  }

  // Computed returns the value of a computed placeholder. |so_far| is the
  // message up to the placeholder (for {proof}).
  bool Computed(const TemplatePart& p, bool vector_side, std::string_view so_far, std::string* out,
                std::string* why) {
    const std::string& name = p.text;
    if (name == "nonce") {
      auto c = bound_.find("client-nonce");
      auto s = bound_.find("server-nonce");
      if (c == bound_.end() || s == bound_.end()) {
        *why = "{nonce} needs both nonces (fix them with client-nonce: and server-nonce:)";
        return false;
      }
      *out = c->second + s->second;
      return true;
    }
    if (name == "proof" || name == "server-signature") {
      auto h = Hash(why);
      std::string salted;
      if (!h || !SaltedPassword(vector_side, *h, &salted, why)) {
        *why = "cannot compute {" + name + "}: " + *why;
        return false;
      }
      auto bare_start = Gs2HeaderOf(scram_[0]);
      std::string bare = bare_start ? scram_[0].substr(bare_start->size()) : scram_[0];
      std::string final_without_proof;
      if (name == "proof") {
        final_without_proof = WithoutProof(so_far);
        if (so_far.size() >= 3 && so_far.substr(so_far.size() - 3) == ",p=") {
          final_without_proof = std::string(so_far.substr(0, so_far.size() - 3));
        }
      } else {
        if (scram_.size() < 3) {
          *why = "cannot compute {server-signature}: no client-final message yet";
          return false;
        }
        final_without_proof = WithoutProof(scram_[2]);
      }
      std::string auth_message = bare + "," + scram_[1] + "," + final_without_proof;
      std::string value;
      if (name == "proof") {
        std::string client_key = Hmac(*h, salted, "Client Key");
        std::string stored_key = Digest(*h, client_key);
        value = Xor(client_key, Hmac(*h, stored_key, auth_message));
      } else {
        value = Hmac(*h, Hmac(*h, salted, "Server Key"), auth_message);
      }
      *out = B64(Modify(value, p.modifier));
      return true;
    }
    if (name == "cbind-data") {
      if (scram_.empty()) {
        *why = "cannot compute {cbind-data}: no client-first message yet";
        return false;
      }
      auto gs2 = Gs2HeaderOf(scram_[0]);
      if (!gs2) {
        *why = "cannot compute {cbind-data}: the client-first message has no gs2-header";
        return false;
      }
      std::string data = *gs2;
      if (gs2->rfind("p=", 0) == 0) {
        std::string type = gs2->substr(2, gs2->find(',') - 2);
        for (const SaslBinding& b : s_.bindings) {
          if (b.type == type) {
            data += b.data;
            break;
          }
        }
      }
      *out = B64(Modify(data, p.modifier));
      return true;
    }
    if (name == "downgrade-hash") {
      auto h = Hash(why);
      if (!h) return false;
      bool peer = vector_side && s_.role == SaslRole::kClient;
      const auto& mechs = peer && s_.peer_offered ? s_.peer_offered : s_.offered;
      const auto& cbs = peer && s_.peer_offered ? s_.peer_cb_types : s_.cb_types;
      if (!mechs) {
        *why = "{downgrade-hash} needs offered:";
        return false;
      }
      std::vector<std::string> m = *mechs;
      std::sort(m.begin(), m.end());
      std::string input;
      for (size_t i = 0; i < m.size(); ++i) input += (i ? "\x1e" : "") + m[i];
      if (cbs && !cbs->empty()) {
        std::vector<std::string> c = *cbs;
        std::sort(c.begin(), c.end());
        input += '\x1f';
        for (size_t i = 0; i < c.size(); ++i) input += (i ? "\x1e" : "") + c[i];
      }
      *out = B64(Modify(Digest(*h, input), p.modifier));
      return true;
    }
    if (name == "any") {
      *why = "{any} only matches what our side sends; the vector's own messages spell out their bytes";
      return false;
    }
    *why = "{" + name + "} has no value here (fix it with the " + name + ": field)";
    return false;
  }

  // Expand renders a payload the vector's side sends.
  bool Expand(const SaslStep& step, std::string* out, std::string* why) {
    out->clear();
    if (step.raw) return DecodeInput(step.payload, out, why);
    std::vector<TemplatePart> parts;
    if (!ParseTemplate(step.payload, &parts, why)) return false;
    for (const TemplatePart& p : parts) {
      if (!p.placeholder) {
        *out += p.text;
        continue;
      }
      auto it = bound_.find(p.text);
      if (it != bound_.end()) {
        *out += it->second;
        continue;
      }
      std::string value;
      if (!Computed(p, /*vector_side=*/true, *out, &value, why)) return false;
      *out += value;
    }
    return true;
  }

  static bool Capturable(const std::string& name) {
    return name == "client-nonce" || name == "server-nonce" || name == "salt" || name == "iterations";
  }

  // Match checks a payload our side sent against the vector's template,
  // binding the placeholders whose values only our side knew.
  bool Match(const SaslStep& step, std::string_view actual, std::string* why) {
    if (step.raw) {
      std::string want;
      if (!DecodeInput(step.payload, &want, why)) return false;
      if (B64(actual) == want) return true;
      *why = "element text " + Escaped(B64(actual)) + ", the vector has " + Escaped(want);
      return false;
    }
    std::vector<TemplatePart> parts;
    if (!ParseTemplate(step.payload, &parts, why)) return false;
    size_t pos = 0;
    auto mismatch = [&](const std::string& what) {
      *why = what + " at byte " + std::to_string(pos) + " of " + Escaped(actual);
      return false;
    };
    for (const TemplatePart& p : parts) {
      if (!p.placeholder) {
        if (actual.substr(pos, p.text.size()) != p.text) return mismatch("expected " + Escaped(p.text));
        pos += p.text.size();
        continue;
      }
      if (p.text == "any") {
        size_t end = actual.find(',', pos);
        if (end == std::string_view::npos) end = actual.size();
        if (end == pos) return mismatch("expected {any} (at least one byte)");
        pos = end;
        continue;
      }
      auto it = bound_.find(p.text);
      bool nonce_capture = p.text == "nonce" && bound_.count("server-nonce") == 0 && bound_.count("client-nonce") != 0;
      if ((it == bound_.end() && Capturable(p.text)) || nonce_capture) {
        size_t end = actual.find(',', pos);
        if (end == std::string_view::npos) end = actual.size();
        std::string value(actual.substr(pos, end - pos));
        if (value.empty()) return mismatch("expected {" + p.text + "}");
        if (nonce_capture) {
          const std::string& c = bound_["client-nonce"];
          if (value.rfind(c, 0) != 0 || value.size() == c.size()) {
            return mismatch("expected {nonce} (the client nonce extended by the server's)");
          }
          bound_["server-nonce"] = value.substr(c.size());
        } else {
          bound_[p.text] = value;
        }
        pos = end;
        continue;
      }
      std::string value;
      if (it != bound_.end()) {
        value = it->second;
      } else if (!Computed(p, /*vector_side=*/false, actual.substr(0, pos), &value, why)) {
        return false;
      }
      if (actual.substr(pos, value.size()) != value) {
        return mismatch("expected {" + p.text + (p.modifier.empty() ? "" : ":" + p.modifier) + "} = " + Escaped(value));
      }
      pos += value.size();
    }
    if (pos != actual.size()) return mismatch("expected the end");
    return true;
  }

  // Compare checks a produced element against the vector's line for it.
  bool Compare(const SaslStep& step, const Produced& got) {
    std::string why;
    std::string at = "line " + std::to_string(step.line) + ": ";
    if (got.element != step.element) {
      why = "our side sent " + Render(got);
    } else if (step.element == ElementKind::kAuth && got.mechanism != step.mechanism) {
      why = "our side chose " + got.mechanism;
    } else if (step.element == ElementKind::kFailure && got.condition != step.condition) {
      why = "our side sent " + Render(got);
    } else if (step.has_data != got.data.has_value()) {
      why = std::string("our side sent ") + (got.data ? "data" : "no data") + ": " + Render(got);
    } else if (got.data && !Match(step, *got.data, &why)) {
      // why is set
    } else {
      return true;
    }
    diverged_ = at + why;
    return false;
  }

  void Fail(const sasl::Failure& f) {
    failed_ = true;
    failure_ = f;
  }

  void Diverge(const SaslStep& step, const std::string& why) {
    if (diverged_.empty()) diverged_ = "line " + std::to_string(step.line) + ": " + why;
  }

  // Send delivers a vector-side step over |wire| and parses it as a SASL
  // element; false (with failure_ or broken_ set) when that fails.
  bool Receive(const SaslStep& step, Wire& wire, sasl::SaslElement* el, std::string* data_for_transcript) {
    std::string payload, why;
    if (step.has_data && !Expand(step, &payload, &why)) {
      broken_ = "line " + std::to_string(step.line) + ": " + why;
      return false;
    }
    std::optional<std::string> text;
    if (step.has_data) text = step.raw ? payload : (payload.empty() ? "=" : B64(payload));
    Produced shown{step.element, step.mechanism, step.condition, std::nullopt};
    if (step.has_data) shown.data = step.raw ? "(base64) " + payload : payload;
    transcript_.push_back(Render(step.raw ? shown : Redacted(shown)));
    *data_for_transcript = payload;
    std::string bytes = ElementBytes(step.element, step.mechanism, step.condition, text);
    xml::Element element;
    if (!wire.Deliver(bytes, &element, &why)) {
      broken_ = "line " + std::to_string(step.line) + ": " + why;
      return false;
    }
    sasl::Failure f;
    if (!sasl::ParseElement(element, el, &f)) {
      Fail(f);
      return false;
    }
    return true;
  }

  // Redacted hides a PLAIN password in the transcript (reports may be
  // shared; the password is what the vector gives, but it stays out).
  Produced Redacted(Produced p) const {
    bool plain = mechanism_ == "PLAIN" || p.mechanism == "PLAIN";
    if (plain && p.data && (p.element == ElementKind::kAuth || p.element == ElementKind::kResponse)) {
      size_t first = p.data->find('\0');
      size_t second = first == std::string::npos ? first : p.data->find('\0', first + 1);
      if (second != std::string::npos) *p.data = p.data->substr(0, second + 1) + "(password)";
    }
    return p;
  }

  void Record(const Produced& p) {
    transcript_.push_back("  -> " + Render(Redacted(p)));
    pending_ = p;
  }

  // -- server role ------------------------------------------------------------

  std::optional<sasl::StoredCredentials> Lookup(std::string_view username, sasl::Hash h) {
    auto prepared = sasl::Saslprep(s_.user);
    if (username != (prepared ? *prepared : s_.user)) return std::nullopt;
    auto salt = UnB64(s_.salt);
    if (!salt) return std::nullopt;
    int key = static_cast<int>(h);
    auto it = creds_.find(key);
    if (it == creds_.end()) {
      auto c = sasl::DeriveCredentials(h, s_.password, *salt, s_.iterations);
      if (!c) return std::nullopt;
      it = creds_.emplace(key, *c).first;
    }
    return it->second;
  }

  bool BuildServerPolicy() {
    policy_.tls = s_.tls;
    policy_.allow_plain_without_tls = HasWord(s_, "allow-plain-without-tls");
    std::vector<sasl::CbType> types;
    for (const SaslBinding& b : s_.bindings) {
      if (auto t = sasl::CbTypeFromName(b.type)) types.push_back(*t);
    }
    if (s_.offered) {
      std::set<sasl::Hash> hashes;
      bool plus = false;
      policy_.offer_plain = false;
      for (const std::string& m : *s_.offered) {
        if (m == "PLAIN") policy_.offer_plain = true;
        if (auto h = HashOfName(m)) hashes.insert(*h);
        plus = plus || IsPlusName(m);
      }
      policy_.scram_hashes.assign(hashes.begin(), hashes.end());
      if (plus && types.empty() && s_.cb_types) {
        for (const std::string& n : *s_.cb_types) {
          if (auto t = sasl::CbTypeFromName(n)) types.push_back(*t);
        }
      }
      if (plus && types.empty()) types.push_back(sasl::CbType::kTlsExporter);
      policy_.channel_bindings = plus ? types : std::vector<sasl::CbType>{};
      policy_.advertise_channel_bindings = s_.cb_types.has_value();
      offer_ = sasl::Offer{*s_.offered, std::nullopt};
      if (s_.cb_types && !s_.cb_types->empty()) offer_.channel_bindings = *s_.cb_types;
      std::set<std::string> want(s_.offered->begin(), s_.offered->end());
      sasl::Offer ours = sasl::OfferFor(policy_);
      std::set<std::string> got(ours.mechanisms.begin(), ours.mechanisms.end());
      if (want != got) {
        std::string listed;
        for (const std::string& m : ours.mechanisms) listed += " " + m;
        broken_ = "offered: is not what a server policy can advertise (with tls: " + std::string(s_.tls ? "yes" : "no") +
                  " our policy offers" + listed + ")";
        return false;
      }
    } else {
      if (HasWord(s_, "no-plain")) policy_.offer_plain = false;
      policy_.channel_bindings = types;
      offer_ = sasl::OfferFor(policy_);
    }
    return true;
  }

  sasl::ScramServerConfig ServerConfig(sasl::Mechanism mech) {
    sasl::ScramServerConfig c;
    c.mechanism = mech;
    c.lookup = [this](std::string_view u, sasl::Hash h) { return Lookup(u, h); };
    for (const std::string& m : offer_.mechanisms) c.offers_plus = c.offers_plus || IsPlusName(m);
    for (const SaslBinding& b : s_.bindings) {
      if (auto t = sasl::CbTypeFromName(b.type)) c.channel_bindings.push_back(sasl::ChannelBinding{*t, b.data});
    }
    if (HasWord(s_, "xep-0474")) c.offer = offer_;
    c.authorize = [this](std::string_view authzid, std::string_view) {
      return !s_.authzid.empty() && authzid == s_.authzid;
    };
    if (auto n = WordValue(s_, "max-message-bytes=")) c.max_message_bytes = *n;
    c.fixed_nonce = s_.server_nonce;
    c.random = &random_;
    return c;
  }

  void ServerFails(const sasl::Failure& f) {
    Fail(f);
    Record(Produced{ElementKind::kFailure, "", std::string(sasl::ErrorName(sasl::ConditionFor(f.code))), std::nullopt});
  }

  void ServerScramStep(const std::string& data) {
    scram_.push_back(data);
    sasl::Wait w = server_->Step(data);
    if (w == sasl::Wait::kSend) {
      std::string out = server_->output();
      sasl::Wait next = server_->Step();
      if (next == sasl::Wait::kNeedMessage) {
        scram_.push_back(out);
        Record(Produced{ElementKind::kChallenge, "", "", out});
        return;
      }
      if (next == sasl::Wait::kSuccess) {
        scram_.push_back(out);
        success_ = true;
        Record(Produced{ElementKind::kSuccess, "", "", out});
        return;
      }
      w = next;
    }
    if (w == sasl::Wait::kFailure) {
      const std::string& out = server_->output();
      if (out.rfind("e=", 0) == 0) e_value_ = out.substr(2);
      ServerFails(server_->failure());
      return;
    }
    if (w == sasl::Wait::kSuccess) {
      success_ = true;
      Record(Produced{ElementKind::kSuccess, "", "", std::nullopt});
      return;
    }
    Record(Produced{ElementKind::kChallenge, "", "", std::string()});
  }

  void ServerPlain(const std::string& data) {
    sasl::PlainMessage out;
    sasl::Failure f;
    auto lookup = [this](std::string_view u, sasl::Hash h) { return Lookup(u, h); };
    auto authorize = [this](std::string_view authzid, std::string_view) {
      return !s_.authzid.empty() && authzid == s_.authzid;
    };
    if (sasl::VerifyPlain(data, nullptr, lookup, authorize, &out, &f)) {
      success_ = true;
      Record(Produced{ElementKind::kSuccess, "", "", std::nullopt});
    } else {
      ServerFails(f);
    }
  }

  void ServerReceives(const sasl::SaslElement& el) {
    switch (el.kind) {
      case ElementKind::kAuth: {
        if (started_) {
          ServerFails(sasl::Failure{sasl::Error::kUnexpectedMessage});
          return;
        }
        started_ = true;
        sasl::Mechanism mech;
        sasl::Failure f;
        if (!sasl::ServerAccepts(policy_, el.mechanism, &mech, &f)) {
          ServerFails(f);
          return;
        }
        mechanism_ = el.mechanism;
        if (mech == sasl::Mechanism::kPlain) {
          plain_ = true;
          if (el.data) {
            ServerPlain(*el.data);
          } else {
            Record(Produced{ElementKind::kChallenge, "", "", std::string()});
          }
          return;
        }
        server_ = std::make_unique<sasl::ScramServer>(ServerConfig(mech));
        server_->Step();
        if (el.data) {
          ServerScramStep(*el.data);
        } else {
          Record(Produced{ElementKind::kChallenge, "", "", std::string()});
        }
        return;
      }
      case ElementKind::kResponse:
        if (plain_) {
          ServerPlain(el.data.value_or(""));
        } else if (server_) {
          ServerScramStep(el.data.value_or(""));
        } else {
          ServerFails(sasl::Failure{sasl::Error::kUnexpectedMessage});
        }
        return;
      case ElementKind::kAbort:
        if (server_) server_->Abort();
        ServerFails(sasl::Failure{sasl::Error::kAborted});
        return;
      default:
        ServerFails(sasl::Failure{sasl::Error::kNotSaslElement});
        return;
    }
  }

  void RunServer() {
    if (!BuildServerPolicy()) return;
    for (const SaslStep& step : s_.exchange) {
      if (!broken_.empty() || !diverged_.empty()) return;
      if (step.FromClient()) {
        if (pending_) {
          Diverge(step, "our server sent " + Render(*pending_) + ", which the vector does not list before this line");
          return;
        }
        if (failed_ || success_) {
          Diverge(step, "our server already ended the exchange; the vector goes on");
          return;
        }
        sasl::SaslElement el;
        std::string data;
        if (!Receive(step, c2s_, &el, &data)) {
          if (failed_) Record(Produced{ElementKind::kFailure, "", std::string(sasl::ErrorName(sasl::ConditionFor(failure_.code))), std::nullopt});
          continue;
        }
        ServerReceives(el);
      } else {
        if (!pending_) {
          Diverge(step, "the vector expects our server to send " + ElementName(step.element) + ", but it sent nothing");
          return;
        }
        Produced got = *pending_;
        pending_.reset();
        if (!Compare(step, got)) return;
      }
    }
  }

  // -- client role ------------------------------------------------------------

  void ClientFails(const sasl::Failure& f) {
    Fail(f);
    Record(Produced{ElementKind::kAbort, "", "", std::nullopt});
  }

  void ClientStart() {
    std::optional<sasl::Offer> seen;
    if (s_.offered) {
      seen = sasl::Offer{*s_.offered, std::nullopt};
      if (s_.cb_types && !s_.cb_types->empty()) seen->channel_bindings = *s_.cb_types;
    }
    sasl::ScramClientConfig c;
    sasl::Mechanism mech;
    if (s_.mechanism.empty()) {
      sasl::ClientPolicy policy;
      policy.tls = s_.tls;
      policy.allow_plain = !HasWord(s_, "no-plain");
      policy.allow_plain_without_tls = HasWord(s_, "allow-plain-without-tls");
      for (const SaslBinding& b : s_.bindings) {
        if (auto t = sasl::CbTypeFromName(b.type)) policy.channel_bindings.push_back(sasl::ChannelBinding{*t, b.data});
      }
      for (const std::string& w : s_.policy) {
        if (w.rfind("pinned=", 0) != 0) continue;
        std::vector<std::string> names;
        std::string list = w.substr(7);
        size_t pos = 0;
        while (pos <= list.size()) {
          size_t plus = list.find('+', pos);
          names.push_back(list.substr(pos, plus == std::string::npos ? std::string::npos : plus - pos));
          if (plus == std::string::npos) break;
          pos = plus + 1;
        }
        policy.pinned_mechanisms = names;
      }
      policy.pinned_scram = HasWord(s_, "pinned-scram");
      sasl::Selection sel;
      sasl::Failure f;
      if (!sasl::SelectMechanism(*seen, policy, &sel, &f)) {
        Fail(f);
        return;
      }
      mech = sel.mechanism;
      sasl::ApplySelection(sel, *seen, &c);
    } else {
      auto m = sasl::MechanismFromName(s_.mechanism);
      if (!m) {
        broken_ = "mechanism '" + s_.mechanism + "' is not one our client implements";
        return;
      }
      mech = *m;
      c.mechanism = mech;
      for (const SaslBinding& b : s_.bindings) {
        if (auto t = sasl::CbTypeFromName(b.type)) {
          c.channel_binding = sasl::ChannelBinding{*t, b.data};
          break;
        }
      }
      if (seen) {
        for (const std::string& n : seen->mechanisms) c.server_offered_plus = c.server_offered_plus || IsPlusName(n);
        c.offer = seen;
      }
    }
    mechanism_ = std::string(sasl::MechanismName(mech));
    if (mech == sasl::Mechanism::kPlain) {
      plain_ = true;
      sasl::Failure f;
      auto msg = sasl::BuildPlain(sasl::PlainMessage{s_.authzid, s_.user, s_.password}, &f);
      if (!msg) {
        Fail(f);
        return;
      }
      Record(Produced{ElementKind::kAuth, mechanism_, "", *msg});
      return;
    }
    c.username = s_.user;
    c.password = s_.password;
    c.authzid = s_.authzid;
    c.require_downgrade_hash = c.require_downgrade_hash || HasWord(s_, "require-downgrade-hash");
    if (auto n = WordValue(s_, "max-iterations=")) c.max_iterations = static_cast<uint32_t>(*n);
    if (auto n = WordValue(s_, "max-message-bytes=")) c.max_message_bytes = *n;
    c.fixed_nonce = s_.client_nonce;
    c.client_final_extensions = s_.extensions;
    c.random = &random_;
    client_ = std::make_unique<sasl::ScramClient>(c);
    sasl::Wait w = client_->Step();
    if (w != sasl::Wait::kSend) {
      Fail(client_->failure());
      return;
    }
    std::string out = client_->output();
    client_->Step();
    scram_.push_back(out);
    Record(Produced{ElementKind::kAuth, mechanism_, "", out});
  }

  void ClientReceives(const sasl::SaslElement& el) {
    switch (el.kind) {
      case ElementKind::kChallenge: {
        if (!client_) {
          ClientFails(sasl::Failure{sasl::Error::kUnexpectedMessage});
          return;
        }
        std::string data = el.data.value_or("");
        scram_.push_back(data);
        sasl::Wait w = client_->Step(data);
        if (w == sasl::Wait::kSend) {
          std::string out = client_->output();
          client_->Step();
          scram_.push_back(out);
          Record(Produced{ElementKind::kResponse, "", "", out});
        } else if (w == sasl::Wait::kSuccess) {
          // Server-final in a challenge (RFC 6120 6.3.10 allows it): an
          // empty response, then <success/> with no data.
          scram_done_ = true;
          Record(Produced{ElementKind::kResponse, "", "", std::string()});
        } else {
          ClientFails(client_->failure());
        }
        return;
      }
      case ElementKind::kSuccess:
        if (plain_) {
          if (el.data && !el.data->empty()) {
            ClientFails(sasl::Failure{sasl::Error::kUnexpectedMessage});
          } else {
            success_ = true;
          }
          return;
        }
        if (!client_) {
          ClientFails(sasl::Failure{sasl::Error::kUnexpectedMessage});
          return;
        }
        if (scram_done_ && !el.data) {
          success_ = true;
          return;
        }
        scram_.push_back(el.data.value_or(""));
        if (client_->Step(el.data.value_or("")) == sasl::Wait::kSuccess) {
          success_ = true;
        } else {
          ClientFails(client_->failure());
        }
        return;
      case ElementKind::kFailure:
        if (client_) client_->Abort();
        Fail(sasl::Failure{sasl::Error::kAborted});
        return;
      default:
        ClientFails(sasl::Failure{sasl::Error::kNotSaslElement});
        return;
    }
  }

  void RunClient() {
    ClientStart();
    for (const SaslStep& step : s_.exchange) {
      if (!broken_.empty() || !diverged_.empty()) return;
      if (step.FromClient()) {
        if (!pending_) {
          Diverge(step, "the vector expects our client to send " + ElementName(step.element) + ", but it sent nothing");
          return;
        }
        Produced got = *pending_;
        pending_.reset();
        if (!Compare(step, got)) return;
      } else {
        if (pending_) {
          Diverge(step, "our client sent " + Render(*pending_) + ", which the vector does not list before this line");
          return;
        }
        if (failed_ || success_) {
          Diverge(step, "our client already ended the exchange; the vector goes on");
          return;
        }
        sasl::SaslElement el;
        std::string data;
        if (!Receive(step, s2c_, &el, &data)) {
          if (failed_) Record(Produced{ElementKind::kAbort, "", "", std::nullopt});
          continue;
        }
        ClientReceives(el);
      }
    }
    if (diverged_.empty() && broken_.empty() && client_ && !s_.downgrade_status.empty()) {
      std::string got(sasl::DowngradeStatusName(client_->downgrade_status()));
      if (got != s_.downgrade_status) {
        diverged_ = "downgrade status " + got + ", the vector expects " + s_.downgrade_status;
      }
    }
  }

  const Vector& v_;
  const SaslSpec& s_;
  sasl::SeededRandom random_;
  Wire c2s_;
  Wire s2c_;
  std::map<std::string, std::string> bound_;
  std::map<std::string, std::string> salted_;
  std::map<int, sasl::StoredCredentials> creds_;
  std::vector<std::string> scram_;  // client-first, server-first, client-final, server-final
  std::string mechanism_;
  std::vector<std::string> transcript_;
  std::optional<Produced> pending_;
  std::string diverged_;
  std::string broken_;
  bool success_ = false;
  bool failed_ = false;
  bool started_ = false;
  bool plain_ = false;
  bool scram_done_ = false;
  sasl::Failure failure_;
  std::string e_value_;
  sasl::ServerPolicy policy_;
  sasl::Offer offer_;
  std::unique_ptr<sasl::ScramServer> server_;
  std::unique_ptr<sasl::ScramClient> client_;
};

}  // namespace

bool ParseTemplate(std::string_view s, std::vector<TemplatePart>* out, std::string* error) {
  out->clear();
  std::string literal;
  auto flush = [&]() -> bool {
    if (literal.empty()) return true;
    std::string decoded;
    if (!DecodeInput(literal, &decoded, error)) return false;
    literal.clear();
    if (!decoded.empty()) out->push_back(TemplatePart{false, std::move(decoded), ""});
    return true;
  };
  size_t pos = 0;
  while (pos < s.size()) {
    char c = s[pos];
    if (c == '\\') {
      size_t end = SkipEscape(s, pos);
      literal.append(s.substr(pos, end - pos));
      pos = end;
      continue;
    }
    if (c == '}') {
      *error = "unescaped '}' (write \\})";
      return false;
    }
    if (c != '{') {
      literal.push_back(c);
      ++pos;
      continue;
    }
    size_t close = s.find('}', pos);
    if (close == std::string_view::npos) {
      *error = "'{' starts a placeholder that is not closed with '}' (write \\{ for a brace)";
      return false;
    }
    std::string_view body = s.substr(pos + 1, close - pos - 1);
    size_t colon = body.find(':');
    std::string name(body.substr(0, colon));
    std::string modifier(colon == std::string_view::npos ? std::string_view() : body.substr(colon + 1));
    const PlaceholderInfo* info = nullptr;
    for (const PlaceholderInfo& p : kPlaceholders) {
      if (p.name == name) info = &p;
    }
    if (info == nullptr) {
      *error = "unknown placeholder '{" + std::string(body) + "}'";
      return false;
    }
    if (colon != std::string_view::npos) {
      bool ok = (modifier == "flip-bit" && info->flip_bit) || (modifier == "truncated" && info->truncated);
      if (!ok) {
        *error = "placeholder {" + name + "} takes no modifier '" + modifier + "'";
        return false;
      }
    }
    if (!flush()) return false;
    out->push_back(TemplatePart{true, name, modifier});
    pos = close + 1;
  }
  return flush();
}

Observation RunSaslVector(const Vector& v, xml::Backend backend) { return Player(v, backend).Run(); }

}  // namespace xmppfuzz::conform
