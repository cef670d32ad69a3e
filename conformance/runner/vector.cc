#include "conformance/runner/vector.h"

#include <algorithm>
#include <filesystem>
#include <fstream>
#include <set>
#include <sstream>

#include "conformance/protocol/scenario.h"
#include "conformance/runner/sasl_exchange.h"
#include "targets/base/base.h"
#include "targets/stream/stream.h"

namespace xmppfuzz::conform {
namespace {

bool StartsWith(std::string_view s, std::string_view prefix) { return s.substr(0, prefix.size()) == prefix; }

std::string_view Trim(std::string_view s) {
  while (!s.empty() && (s.front() == ' ' || s.front() == '\t')) s.remove_prefix(1);
  while (!s.empty() && (s.back() == ' ' || s.back() == '\t' || s.back() == '\r')) s.remove_suffix(1);
  return s;
}

bool ParseUnsigned(std::string_view s, uint64_t* value, uint64_t max) {
  if (s.empty() || s.size() > 19) return false;
  uint64_t v = 0;
  for (char c : s) {
    if (c < '0' || c > '9') return false;
    v = v * 10 + static_cast<uint64_t>(c - '0');
  }
  if (v > max) return false;
  *value = v;
  return true;
}

// ValidTlsErrorName: |name| is a tls::ErrorName other than "none".
bool ValidTlsErrorName(std::string_view name) {
  for (int i = 1; i < 256; ++i) {
    std::string_view n = tls::ErrorName(static_cast<tls::Error>(i));
    if (n == "unknown") return false;  // past the last code
    if (n == name) return true;
  }
  return false;
}

int HexValue(char c) {
  if (c >= '0' && c <= '9') return c - '0';
  if (c >= 'a' && c <= 'f') return c - 'a' + 10;
  if (c >= 'A' && c <= 'F') return c - 'A' + 10;
  return -1;
}

// InputDecoder is a recursive-descent reader for the input escape language.
class InputDecoder {
 public:
  InputDecoder(std::string_view text, size_t max_bytes) : s_(text), max_(max_bytes) {}

  bool Run(std::string* out, std::string* error) {
    bool ok = Sequence(out, /*nested=*/false) && pos_ == s_.size();
    if (!ok) *error = error_.empty() ? "unbalanced '}'" : error_;
    return ok;
  }

 private:
  bool Fail(std::string message) {
    if (error_.empty()) error_ = std::move(message) + " (at input character " + std::to_string(pos_) + ")";
    return false;
  }

  bool Emit(std::string* out, std::string_view bytes) {
    if (out->size() + bytes.size() > max_) return Fail("input larger than " + std::to_string(max_) + " bytes");
    out->append(bytes);
    return true;
  }

  // Sequence decodes until the end, or until an unescaped '}' when nested.
  bool Sequence(std::string* out, bool nested) {
    while (pos_ < s_.size()) {
      char c = s_[pos_];
      if (c == '}') {
        if (nested) return true;
        return Fail("unescaped '}' (write \\})");
      }
      if (c == '{') return Fail("unescaped '{' (write \\{)");
      if (c != '\\') {
        size_t end = s_.find_first_of("\\{}", pos_);
        if (end == std::string_view::npos) end = s_.size();
        if (!Emit(out, s_.substr(pos_, end - pos_))) return false;
        pos_ = end;
        continue;
      }
      if (!Escape(out)) return false;
    }
    if (nested) return Fail("'\\repeat' body not closed with '}'");
    return true;
  }

  bool Escape(std::string* out) {
    ++pos_;  // the backslash
    if (pos_ >= s_.size()) return Fail("lone '\\' at the end");
    if (s_.substr(pos_, 7) == "repeat{") return Repeat(out);  // before \r
    char c = s_[pos_++];
    switch (c) {
      case '\\': return Emit(out, "\\");
      case 'n': return Emit(out, "\n");
      case 'r': return Emit(out, "\r");
      case 't': return Emit(out, "\t");
      case '{': return Emit(out, "{");
      case '}': return Emit(out, "}");
      case 'x': {
        if (pos_ + 2 > s_.size() || HexValue(s_[pos_]) < 0 || HexValue(s_[pos_ + 1]) < 0) {
          return Fail("'\\x' needs two hex digits");
        }
        char byte = static_cast<char>(HexValue(s_[pos_]) * 16 + HexValue(s_[pos_ + 1]));
        pos_ += 2;
        return Emit(out, std::string_view(&byte, 1));
      }
      case 'u': {
        if (pos_ >= s_.size() || s_[pos_] != '{') return Fail("'\\u' needs {HEX}");
        size_t close = s_.find('}', pos_);
        if (close == std::string_view::npos || close == pos_ + 1 || close - pos_ - 1 > 6) {
          return Fail("'\\u{...}' needs 1 to 6 hex digits");
        }
        uint32_t cp = 0;
        for (size_t i = pos_ + 1; i < close; ++i) {
          int h = HexValue(s_[i]);
          if (h < 0) return Fail("'\\u{...}' needs hex digits");
          cp = cp * 16 + static_cast<uint32_t>(h);
        }
        if (cp > 0x10FFFF) return Fail("'\\u{...}' above 10FFFF");
        pos_ = close + 1;
        std::string bytes;
        base::AppendUtf8(bytes, cp);
        return Emit(out, bytes);
      }
      default: break;
    }
    return Fail(std::string("unknown escape '\\") + c + "'");
  }

  bool Repeat(std::string* out) {
    pos_ += 7;
    size_t close = s_.find('}', pos_);
    uint64_t count = 0;
    if (close == std::string_view::npos || !ParseUnsigned(s_.substr(pos_, close - pos_), &count, max_)) {
      return Fail("'\\repeat{N}' needs a decimal count");
    }
    pos_ = close + 1;
    if (pos_ >= s_.size() || s_[pos_] != '{') return Fail("'\\repeat{N}' must be followed by {BODY}");
    ++pos_;
    std::string body;
    if (!Sequence(&body, /*nested=*/true)) return false;
    ++pos_;  // the closing '}'
    if (!body.empty() && count > (max_ - out->size()) / body.size()) {
      return Fail("input larger than " + std::to_string(max_) + " bytes");
    }
    out->reserve(out->size() + body.size() * count);
    for (uint64_t i = 0; i < count; ++i) out->append(body);
    return true;
  }

  std::string_view s_;
  size_t max_;
  size_t pos_ = 0;
  std::string error_;
};

// FileParser reads one .vec file line by line.
class FileParser {
 public:
  FileParser(const std::string& path, std::string_view text, const std::string& category, bool keep_inputs)
      : path_(path), text_(text), category_(category), keep_inputs_(keep_inputs) {}

  bool Run(std::vector<Vector>* out, std::string* error) {
    if (CheckText() && Parse(out)) return true;
    *error = error_.empty() ? path_ + ": parse error" : error_;
    return false;
  }

 private:
  enum class Block : uint8_t { kNone, kInput, kEvents, kExchange, kSteps };

  // CheckText holds the file to its format: UTF-8 text (shortest forms, no
  // surrogates, nothing above U+10FFFF) without NUL or C0 controls other
  // than TAB and LF, CR tolerated before LF only as the trim allows.
  bool CheckText() {
    int line = 1;
    for (size_t i = 0; i < text_.size();) {
      unsigned char c = static_cast<unsigned char>(text_[i]);
      if (c == '\n') {
        ++line;
        ++i;
        continue;
      }
      if (c < 0x80) {
        if ((c < 0x20 && c != '\t' && c != '\r') || c == 0x7F) {
          return FailAt(line, "control byte 0x" + Hex(c) + " in the file (write bytes as \\xHH escapes)");
        }
        ++i;
        continue;
      }
      size_t n = c >= 0xC2 && c <= 0xDF ? 2 : c >= 0xE0 && c <= 0xEF ? 3 : c >= 0xF0 && c <= 0xF4 ? 4 : 0;
      bool ok = n != 0 && i + n <= text_.size();
      for (size_t k = 1; ok && k < n; ++k) {
        unsigned char b = static_cast<unsigned char>(text_[i + k]);
        unsigned char lo = 0x80, hi = 0xBF;
        if (k == 1 && c == 0xE0) lo = 0xA0;
        if (k == 1 && c == 0xED) hi = 0x9F;
        if (k == 1 && c == 0xF0) lo = 0x90;
        if (k == 1 && c == 0xF4) hi = 0x8F;
        ok = b >= lo && b <= hi;
      }
      if (!ok) return FailAt(line, "invalid UTF-8 (byte 0x" + Hex(c) + "); a .vec file is UTF-8 text");
      i += n;
    }
    return true;
  }

  static std::string Hex(unsigned char c) {
    static constexpr char kDigits[] = "0123456789ABCDEF";
    return std::string{kDigits[c >> 4], kDigits[c & 15]};
  }

  bool Parse(std::vector<Vector>* out) {
    std::optional<Vector> current;
    std::string input_text;
    std::vector<std::pair<std::string, int>> events_text;  // escaped lines and where they are
    bool have_input = false, have_expect = false;
    auto finish = [&]() -> bool {
      if (!current) return true;
      Vector& v = *current;
      if (v.description.empty()) return FailAt(v.line, "vector '" + v.id + "' has no description");
      if (v.source.empty()) return FailAt(v.line, "vector '" + v.id + "' has no source");
      if (v.kind == VectorKind::kProtocol) {
        if (!FinishProtocol(v, have_expect)) return false;
        out->push_back(std::move(v));
        current.reset();
        have_input = have_expect = false;
        return true;
      }
      if (v.kind == VectorKind::kSasl) {
        if (!FinishSasl(v, have_expect)) return false;
        out->push_back(std::move(v));
        current.reset();
        have_input = have_expect = false;
        return true;
      }
      if (v.kind == VectorKind::kTlsPolicy || v.kind == VectorKind::kCertIdentity) {
        if (!(v.kind == VectorKind::kTlsPolicy ? FinishPolicy(v, have_expect, events_text)
                                               : FinishCert(v, have_expect, events_text))) {
          return false;
        }
        events_text.clear();
        out->push_back(std::move(v));
        current.reset();
        have_input = have_expect = false;
        return true;
      }
      if (!have_input && v.kind != VectorKind::kClient) return FailAt(v.line, "vector '" + v.id + "' has no input");
      if (!have_expect) return FailAt(v.line, "vector '" + v.id + "' has no expect");
      if (v.kind == VectorKind::kTls || v.kind == VectorKind::kStarttls) {
        if (!FinishTls(v, input_text, events_text)) return false;
        events_text.clear();
        out->push_back(std::move(v));
        current.reset();
        input_text.clear();
        have_input = have_expect = false;
        return true;
      }
      if (v.kind == VectorKind::kClient) {
        auto need = [&](bool ok, const std::string& what) { return ok || FailAt(v.line, "vector '" + v.id + "' has no " + what); };
        if (!need(!v.client.requirement.empty(), "requires") || !need(!v.client.server.empty(), "server") ||
            !need(!v.client.check.empty(), "check") || !need(!v.client.finding.empty(), "finding")) {
          return false;
        }
      }
      if (v.expect.kind == Outcome::Kind::kAccepted && !v.events_given && v.kind != VectorKind::kClient) {
        return FailAt(v.line, "vector '" + v.id + "' is accepted but lists no events (write 'events: none')");
      }
      std::string decode_error;
      if (!DecodeInput(input_text, &v.input, &decode_error)) {
        return FailAt(input_line_, "vector '" + v.id + "': " + decode_error);
      }
      if (!keep_inputs_) std::string().swap(v.input);
      // An events line uses the input escapes too; a decoded line feed
      // separates events, so one \repeat can stand for many (within
      // kMaxEventBytes and kMaxEvents for the vector).
      size_t event_bytes = 0;
      for (const auto& [text, line] : events_text) {
        std::string decoded;
        if (!DecodeInput(text, &decoded, &decode_error, kMaxEventBytes - event_bytes)) {
          return FailAt(line, "vector '" + v.id + "': " + decode_error);
        }
        event_bytes += decoded.size();
        size_t start = 0;
        while (start < decoded.size()) {
          size_t nl = decoded.find('\n', start);
          if (nl == std::string::npos) nl = decoded.size();
          if (nl == start) return FailAt(line, "vector '" + v.id + "': an empty event");
          if (v.events.size() >= kMaxEvents) {
            return FailAt(line, "vector '" + v.id + "': more than " + std::to_string(kMaxEvents) + " events");
          }
          v.events.push_back(decoded.substr(start, nl - start));
          start = nl + 1;
        }
      }
      events_text.clear();
      out->push_back(std::move(v));
      current.reset();
      input_text.clear();
      have_input = have_expect = false;
      return true;
    };

    size_t pos = 0;
    line_no_ = 0;
    while (pos < text_.size()) {
      size_t nl = text_.find('\n', pos);
      std::string_view line = text_.substr(pos, nl == std::string_view::npos ? std::string_view::npos : nl - pos);
      pos = nl == std::string_view::npos ? text_.size() : nl + 1;
      ++line_no_;
      if (!line.empty() && line.back() == '\r') return Fail("CR line ending (the format uses LF)");
      if (!line.empty() && (line.back() == ' ' || line.back() == '\t')) {
        return Fail("trailing whitespace (write \\x20 or \\t when a byte is meant)");
      }
      if (block_ != Block::kNone) {
        if (StartsWith(line, "  ")) {
          std::string_view content = line.substr(2);
          if (block_ == Block::kInput) {
            input_text.append(content);
          } else if (block_ == Block::kExchange) {
            if (!ExchangeLine(current->sasl, content)) return false;
          } else if (block_ == Block::kSteps) {
            step_lines_.push_back({std::string(content), line_no_});
          } else {
            events_text.push_back({std::string(content), line_no_});
          }
          ++block_lines_;
          continue;
        }
        if (!EndBlock()) return false;
      }
      if (line.empty() || line[0] == '#') continue;
      if (line[0] == '[') {
        if (!finish()) return false;
        if (line.back() != ']') {
          Fail("a vector header is '[category/name]'");
          return false;
        }
        std::string id(line.substr(1, line.size() - 2));
        if (!ValidId(id)) {
          Fail("bad vector id '" + id + "': use " + category_ + "/name with [a-z0-9._-] in the name");
          return false;
        }
        current.emplace();
        current->id = id;
        current->category = category_;
        current->file = path_;
        current->line = line_no_;
        seen_.clear();
        role_given_ = exchange_given_ = false;
        continue;
      }
      if (!current) {
        Fail("field outside a vector (start one with [" + category_ + "/name])");
        return false;
      }
      size_t colon = line.find(':');
      if (colon == std::string_view::npos) {
        Fail("expected 'field: value'");
        return false;
      }
      std::string key(line.substr(0, colon));
      std::string_view value = Trim(line.substr(colon + 1));
      if (key != "acceptable" && key != "binding" && !seen_.insert(key).second) {
        Fail("field '" + key + "' given twice");
        return false;
      }
      if (key == "kind") {
        if (seen_.size() != 1) return Fail("'kind:' must be the first field of a vector");
        if (value == "sasl") {
          current->kind = VectorKind::kSasl;
        } else if (value == "tls") {
          current->kind = VectorKind::kTls;
        } else if (value == "starttls") {
          current->kind = VectorKind::kStarttls;
        } else if (value == "tls-policy") {
          current->kind = VectorKind::kTlsPolicy;
        } else if (value == "cert-identity") {
          current->kind = VectorKind::kCertIdentity;
        } else if (value == "protocol") {
          current->kind = VectorKind::kProtocol;
        } else if (value == "client") {
          current->kind = VectorKind::kClient;
        } else if (value != "xml") {
          return Fail("kind is xml (the default), sasl, tls, starttls, tls-policy, cert-identity, protocol or client");
        }
        continue;
      }
      if (current->kind == VectorKind::kSasl) {
        if (!SaslField(*current, key, value, &have_expect)) return false;
        continue;
      }
      if (current->kind == VectorKind::kProtocol) {
        if (!ProtocolField(*current, key, value, &have_expect)) return false;
        continue;
      }
      if (current->kind == VectorKind::kCertIdentity) {
        if (!CertField(*current, key, value, &have_expect)) return false;
        continue;
      }
      if (current->kind == VectorKind::kTlsPolicy) {
        if (!PolicyField(*current, key, value, &have_expect)) return false;
        continue;
      }
      if (current->kind == VectorKind::kClient) {
        if (!ClientField(*current, key, value, &input_text, &have_input, &have_expect)) return false;
        continue;
      }
      if (current->kind == VectorKind::kTls || current->kind == VectorKind::kStarttls) {
        if (!TlsField(*current, key, value, &input_text, &have_input, &have_expect)) return false;
        continue;
      }
      if (!Field(*current, key, value, &input_text, &have_input, &have_expect)) return false;
    }
    if (block_ != Block::kNone && !EndBlock()) return false;
    return finish();
  }

  // AcceptableField reads "acceptable: <outcome> -- <reason>" into |v|;
  // |allowed| says which outcome kinds a vector of this kind may list, and
  // |refusal| is the message when the outcome is not one of them.
  template <typename Allowed>
  bool AcceptableField(Vector& v, std::string_view value, Allowed allowed, const char* refusal) {
    size_t dash = value.find(" -- ");
    if (dash == std::string_view::npos || Trim(value.substr(dash + 4)).empty()) {
      return Fail("acceptable is '<outcome> -- <reason>'");
    }
    auto outcome = ParseOutcome(Trim(value.substr(0, dash)), /*with_offset=*/false);
    if (!outcome || !allowed(outcome->kind)) return Fail(refusal);
    v.acceptable.push_back(Acceptable{*outcome, std::string(Trim(value.substr(dash + 4)))});
    return true;
  }

  // LiveField reads "live: skip -- <reason>" (the vector does not apply to
  // live targets, and why).
  bool LiveField(Vector& v, std::string_view value) {
    if (!StartsWith(value, "skip -- ") || Trim(value.substr(8)).empty()) return Fail("live is 'skip -- <reason>'");
    v.live_skip = Trim(value.substr(8));
    return true;
  }

  bool Fail(std::string message) {
    if (error_.empty()) error_ = path_ + ":" + std::to_string(line_no_) + ": " + std::move(message);
    return false;
  }
  bool FailAt(int line, std::string message) {
    if (error_.empty()) error_ = path_ + ":" + std::to_string(line) + ": " + std::move(message);
    return false;
  }

  // EndBlock closes an input or events block; an empty one is a mistake
  // (an input indented with a tab, say), not an empty input.
  bool EndBlock() {
    Block b = block_;
    block_ = Block::kNone;
    if (block_lines_ != 0) return true;
    if (b == Block::kExchange) {
      return FailAt(block_line_, "'exchange:' has no indented line under it (write 'exchange: none' for none)");
    }
    if (b == Block::kSteps) return FailAt(block_line_, "'steps:' has no indented line under it");
    return FailAt(block_line_, b == Block::kInput
                                   ? "'input:' has no indented line under it (write 'input: none' for no bytes)"
                                   : "'events:' has no indented line under it (write 'events: none' for no events)");
  }

  bool ValidId(const std::string& id) const {
    if (!StartsWith(id, category_ + "/") || id.size() == category_.size() + 1) return false;
    for (char c : id.substr(category_.size() + 1)) {
      bool ok = (c >= 'a' && c <= 'z') || (c >= '0' && c <= '9') || c == '-' || c == '_' || c == '.';
      if (!ok) return false;
    }
    return true;
  }

  void StartBlock(Block b) {
    block_ = b;
    block_line_ = line_no_;
    block_lines_ = 0;
  }

  bool Field(Vector& v, const std::string& key, std::string_view value, std::string* input_text, bool* have_input,
             bool* have_expect) {
    if (key == "description") {
      v.description = value;
    } else if (key == "source") {
      v.source = value;
    } else if (key == "side") {
      if (value == "c2s") {
        v.side = Side::kClientToServer;
      } else if (value == "s2c") {
        v.side = Side::kServerToClient;
      } else {
        return Fail("side is c2s or s2c");
      }
    } else if (key == "profile") {
      if (value == "raw") {
        v.profile = Profile::kRaw;
      } else if (value == "opened") {
        v.profile = Profile::kOpened;
      } else if (value == "authenticated") {
        v.profile = Profile::kAuthenticated;
      } else {
        return Fail("profile is raw, opened or authenticated");
      }
    } else if (key == "input") {
      *have_input = true;
      input_line_ = line_no_ + 1;
      if (!value.empty()) {
        if (value != "none") return Fail("'input:' takes an indented block on the next lines (or 'none')");
      } else {
        StartBlock(Block::kInput);
      }
      input_text->clear();
    } else if (key == "events") {
      v.events_given = true;
      if (!value.empty()) {
        if (value != "none") return Fail("'events:' takes an indented block on the next lines (or 'none')");
      } else {
        StartBlock(Block::kEvents);
      }
    } else if (key == "expect") {
      auto outcome = ParseOutcome(value, /*with_offset=*/true);
      if (!outcome || (outcome->kind != Outcome::Kind::kAccepted && outcome->kind != Outcome::Kind::kRefused)) {
        return Fail("expect is 'accepted' or 'refused <rfc6120-condition> at-or-before <offset>'");
      }
      v.expect = *outcome;
      *have_expect = true;
    } else if (key == "acceptable") {
      if (!AcceptableField(v, value, [](Outcome::Kind k) {
             return k != Outcome::Kind::kNoAnswer && k != Outcome::Kind::kCrashed && k != Outcome::Kind::kFlooded &&
                    k != Outcome::Kind::kInvalidReply && k != Outcome::Kind::kEventsDiffer;
           },
                           "an acceptable outcome is accepted, refused <condition>, stanza-error [<conditions>] or closed")) {
        return false;
      }
    } else if (key == "live") {
      if (!LiveField(v, value)) return false;
    } else {
      return Fail("unknown field '" + key + "'");
    }
    return true;
  }


  // --- kind: protocol -----------------------------------------------------------

  bool ProtocolField(Vector& v, const std::string& key, std::string_view value, bool* have_expect) {
    if (key == "description") {
      v.description = value;
    } else if (key == "source") {
      v.source = value;
    } else if (key == "config") {
      config_line_ = line_no_;
      config_text_ = value;
      if (value.empty()) return Fail("config lists the server configuration words the scenario needs");
    } else if (key == "steps") {
      if (!value.empty()) return Fail("'steps:' takes an indented block on the next lines");
      step_lines_.clear();
      StartBlock(Block::kSteps);
    } else if (key == "expect") {
      auto outcome = ParseOutcome(value, /*with_offset=*/false);
      if (!outcome || outcome->kind != Outcome::Kind::kConforms) {
        return Fail("a protocol scenario expects 'conforms' (each step says what a conforming server does)");
      }
      v.expect = *outcome;
      *have_expect = true;
    } else if (key == "acceptable") {
      if (!AcceptableField(v, value, [](Outcome::Kind k) { return k == Outcome::Kind::kDeviates || k == Outcome::Kind::kNotOffered; },
                           "an acceptable scenario outcome is 'deviates <step> <observed>' or 'not-offered [<what>]'")) {
        return false;
      }
    } else if (key == "live") {
      if (!LiveField(v, value)) return false;
    } else {
      return Fail("unknown field '" + key + "' (a protocol scenario has description:, source:, config:, steps:, "
                  "expect:, acceptable:, live:)");
    }
    return true;
  }

  // --- kind: client --------------------------------------------------------------

  static bool ValidWord(std::string_view w) {
    if (w.empty()) return false;
    for (char c : w) {
      bool ok = (c >= 'a' && c <= 'z') || (c >= 'A' && c <= 'Z') || (c >= '0' && c <= '9') || c == '-' || c == '_' ||
                c == '.' || c == '=' || c == ',' || c == '+';
      if (!ok) return false;
    }
    return true;
  }

  bool ClientField(Vector& v, const std::string& key, std::string_view value, std::string* input_text,
                   bool* have_input, bool* have_expect) {
    ClientSpec& c = v.client;
    if (key == "description" || key == "source" || key == "input") {
      return Field(v, key, value, input_text, have_input, have_expect);
    }
    if (key == "requires") {
      if (value.empty()) return Fail("requires is the behaviour the RFCs ask of a client");
      c.requirement = value;
    } else if (key == "server") {
      std::string_view rest = value;
      while (!rest.empty()) {
        size_t sp = rest.find(' ');
        std::string_view w = rest.substr(0, sp);
        if (!ValidWord(w)) return Fail("server is a list of script words like starttls=none cert=expired");
        c.server.emplace_back(w);
        if (sp == std::string_view::npos) break;
        rest = Trim(rest.substr(sp + 1));
      }
      if (c.server.empty()) return Fail("server is a list of script words like starttls=none cert=expired");
    } else if (key == "check" || key == "finding") {
      if (value.empty() || value.find(' ') != std::string_view::npos) return Fail(key + " is one word");
      for (char ch : value) {
        if (!((ch >= 'a' && ch <= 'z') || (ch >= '0' && ch <= '9') || ch == '-' || ch == '.')) {
          return Fail(key + " is one word of [a-z0-9.-]");
        }
      }
      (key == "check" ? c.check : c.finding) = value;
    } else if (key == "header") {
      std::string error;
      if (value.empty() || !DecodeInput(value, &c.header, &error, 1u << 20)) {
        return Fail("header is one line of escaped bytes" + (error.empty() ? std::string() : ": " + error));
      }
    } else if (key == "transport") {
      if (value != "tcp" && value != "any") return Fail("transport is tcp (STARTTLS-level scenarios) or any");
      c.tcp_only = value == "tcp";
    } else if (key == "expect") {
      auto outcome = ParseOutcome(value, /*with_offset=*/false);
      if (!outcome || outcome->kind != Outcome::Kind::kSafe) return Fail("a client vector expects safe");
      v.expect = *outcome;
      *have_expect = true;
    } else {
      return Fail("unknown field '" + key +
                  "' (a client vector has requires:, server:, check:, finding:, header:, transport:, input:, expect:)");
    }
    return true;
  }

  bool FinishProtocol(Vector& v, bool have_expect) {
    if (step_lines_.empty()) return FailAt(v.line, "scenario '" + v.id + "' has no steps");
    if (!have_expect) return FailAt(v.line, "scenario '" + v.id + "' has no expect");
    auto scenario = std::make_shared<protocol::Scenario>();
    int bad_line = 0;
    std::string error;
    if (!protocol::ParseScenario(step_lines_, config_text_, config_line_, scenario.get(), &bad_line, &error)) {
      return FailAt(bad_line, "scenario '" + v.id + "': " + error);
    }
    for (const Acceptable& a : v.acceptable) {
      if (a.outcome.kind == Outcome::Kind::kDeviates &&
          (a.outcome.step < 1 || static_cast<size_t>(a.outcome.step) > scenario->steps.size())) {
        return FailAt(v.line, "scenario '" + v.id + "': an acceptable outcome names step " +
                                  std::to_string(a.outcome.step) + " of " + std::to_string(scenario->steps.size()));
      }
    }
    v.scenario = std::move(scenario);
    step_lines_.clear();
    config_text_.clear();
    config_line_ = 0;
    return true;
  }

  // --- kind: tls and kind: starttls -------------------------------------------

  bool TlsField(Vector& v, const std::string& key, std::string_view value, std::string* input_text, bool* have_input,
                bool* have_expect) {
    const bool starttls = v.kind == VectorKind::kStarttls;
    if (key == "description" || key == "source" || key == "input" || key == "events" || key == "live") {
      return Field(v, key, value, input_text, have_input, have_expect);
    }
    if (key == "expect") {
      auto outcome = ParseOutcome(value, /*with_offset=*/true);
      using K = Outcome::Kind;
      bool ok = outcome && (starttls ? (outcome->kind == K::kRefusedTls || outcome->kind == K::kStartTls ||
                                        outcome->kind == K::kNoTls || outcome->kind == K::kPending)
                                     : (outcome->kind == K::kRefusedTls || outcome->kind == K::kAccepted));
      if (!ok) {
        return Fail(starttls ? "a STARTTLS vector expects start-tls, no-tls, pending or "
                               "'refused-tls <tls-error> at|at-or-before <offset>'"
                             : "a TLS vector expects accepted or 'refused-tls <tls-error> at|at-or-before <offset>'");
      }
      v.expect = *outcome;
      *have_expect = true;
      return true;
    }
    if (starttls && key == "role") {
      if (value == "server") {
        v.tls.role = SaslRole::kServer;
      } else if (value == "client") {
        v.tls.role = SaslRole::kClient;
      } else {
        return Fail("role is client (our client reads the input as the server's bytes) or server");
      }
      v.tls.role_given = true;
      return true;
    }
    if (starttls && key == "require-tls") {
      if (value != "yes" && value != "no") return Fail("require-tls is yes or no");
      v.tls.require_tls = value == "yes";
      return true;
    }
    if (!starttls && key == "record-size-limit") {
      uint64_t n = 0;
      // RFC 8449 section 4: at least 64; at most 2^14 (+1 in TLS 1.3) is meaningful.
      if (!ParseUnsigned(value, &n, 16385) || n < 64) return Fail("record-size-limit is a decimal count from 64 to 16385");
      v.tls.record_size_limit = static_cast<uint16_t>(n);
      return true;
    }
    if (key == "side" || key == "profile") {
      return Fail("'" + key + ":' belongs to XML vectors; a " + std::string(VectorKindName(v.kind)) +
                  " vector's input is " + (starttls ? "the peer's plaintext (give role:)" : "TLS bytes from the start"));
    }
    return Fail("unknown field '" + key + "'" +
                (starttls ? " (a starttls vector has role:, require-tls:, input:, events:, expect:)"
                          : " (a tls vector has record-size-limit:, input:, events:, expect:)"));
  }

  bool FinishTls(Vector& v, const std::string& input_text, const std::vector<std::pair<std::string, int>>& events) {
    if (v.kind == VectorKind::kStarttls && !v.tls.role_given) return FailAt(v.line, "vector '" + v.id + "' has no role");
    if (v.expect.kind == Outcome::Kind::kAccepted && !v.events_given) {
      return FailAt(v.line, "vector '" + v.id + "' is accepted but lists no events (write 'events: none')");
    }
    if ((v.expect.kind == Outcome::Kind::kStartTls || v.expect.kind == Outcome::Kind::kNoTls ||
         v.expect.kind == Outcome::Kind::kPending) && !v.events_given) {
      return FailAt(v.line, "vector '" + v.id + "' expects " + v.expect.Text(true) + " but lists no events");
    }
    std::string decode_error;
    if (!DecodeInput(input_text, &v.input, &decode_error)) {
      return FailAt(input_line_, "vector '" + v.id + "': " + decode_error);
    }
    // The lines are what tls::Inspector and the STARTTLS player print, which
    // escape every byte from a peer: they are compared as written.
    for (const auto& [text, line] : events) {
      if (text.empty()) return FailAt(line, "vector '" + v.id + "': an empty event");
      for (char c : text) {
        if (static_cast<unsigned char>(c) < 0x20 || static_cast<unsigned char>(c) > 0x7e) {
          return FailAt(line, "vector '" + v.id + "': TLS and STARTTLS events are printable ASCII");
        }
      }
      if (text.rfind("error ", 0) == 0) {
        return FailAt(line, "vector '" + v.id + "': the error goes in expect: (refused-tls CODE at N), not in events:");
      }
      v.events.push_back(text);
    }
    return true;
  }

  // --- kind: tls-policy ----------------------------------------------------------

  static bool ParseVersion(std::string_view s, uint16_t* out) {
    static const std::pair<std::string_view, uint16_t> kNames[] = {
        {"1.0", 0x0301}, {"1.1", 0x0302}, {"1.2", 0x0303}, {"1.3", 0x0304}};
    for (const auto& [name, v] : kNames) {
      if (s == name) {
        *out = v;
        return true;
      }
    }
    return false;
  }

  bool PolicyField(Vector& v, const std::string& key, std::string_view value, bool* have_expect) {
    TlsSpec& t = v.tls;
    if (key == "description") {
      v.description = value;
    } else if (key == "source") {
      v.source = value;
    } else if (key == "role") {
      if (value == "server") {
        t.role = SaslRole::kServer;
      } else if (value == "client") {
        t.role = SaslRole::kClient;
      } else {
        return Fail("role is client (our hardened client meets a peer server) or server");
      }
      t.role_given = true;
    } else if (key == "peer-versions") {
      size_t dash = value.find('-');
      std::string_view lo = value.substr(0, dash), hi = dash == std::string_view::npos ? lo : value.substr(dash + 1);
      if (!ParseVersion(lo, &t.peer_min_version) || !ParseVersion(hi, &t.peer_max_version) ||
          t.peer_min_version > t.peer_max_version) {
        return Fail("peer-versions is a TLS version (1.0, 1.1, 1.2, 1.3) or a range like 1.0-1.2");
      }
    } else if (key == "peer-ciphers" || key == "peer-suites") {
      if (value.empty() || value.find(' ') != std::string_view::npos) {
        return Fail(key + " is an OpenSSL cipher string without spaces");
      }
      (key == "peer-ciphers" ? t.peer_ciphers : t.peer_suites) = value;
    } else if (key == "peer-key") {
      if (value != "rsa" && value != "ec") return Fail("peer-key is rsa (default) or ec");
      t.peer_key_ec = value == "ec";
    } else if (key == "expect") {
      auto outcome = ParseOutcome(value, /*with_offset=*/false);
      if (!outcome || (outcome->kind != Outcome::Kind::kAccepted && outcome->kind != Outcome::Kind::kRefusedTls)) {
        return Fail("a tls-policy vector expects accepted or 'refused-tls <tls-error>'");
      }
      v.expect = *outcome;
      *have_expect = true;
    } else if (key == "events") {
      v.events_given = true;
      if (!value.empty()) {
        if (value != "none") return Fail("'events:' takes an indented block on the next lines (or 'none')");
      } else {
        StartBlock(Block::kEvents);
      }
    } else if (key == "live") {
      if (!LiveField(v, value)) return false;
    } else {
      return Fail("unknown field '" + key +
                  "' (a tls-policy vector has role:, peer-versions:, peer-ciphers:, peer-suites:, peer-key:, "
                  "expect:, events:)");
    }
    return true;
  }

  bool FinishPolicy(Vector& v, bool have_expect, const std::vector<std::pair<std::string, int>>& events) {
    auto need = [&](bool ok, const std::string& what) { return ok || FailAt(v.line, "vector '" + v.id + "' has no " + what); };
    if (!need(v.tls.role_given, "role") || !need(v.tls.peer_min_version != 0, "peer-versions") ||
        !need(have_expect, "expect")) {
      return false;
    }
    if (v.expect.kind == Outcome::Kind::kAccepted && !v.events_given) {
      return FailAt(v.line, "vector '" + v.id + "' is accepted but lists no events (version and cipher)");
    }
    for (const auto& [text, line] : events) v.events.push_back(text);
    return true;
  }

  // --- kind: cert-identity -------------------------------------------------------

  bool CertField(Vector& v, const std::string& key, std::string_view value, bool* have_expect) {
    CertIdentitySpec& c = v.cert;
    if (key == "description") {
      v.description = value;
    } else if (key == "source") {
      v.source = value;
    } else if (key == "reference") {
      return DecodedField(key, value, &c.reference);
    } else if (key == "service") {
      if (value != "c2s" && value != "s2s") return Fail("service is c2s or s2s");
      c.s2s = value == "s2s";
    } else if (key == "presented") {
      std::vector<std::string> words;
      if (value != "none" && !SplitWords(value, &words)) return Fail("presented lists dns:, srv:, xmpp: or cn: values (or 'none')");
      for (const std::string& w : words) {
        size_t colon = w.find(':');
        std::string kind = w.substr(0, colon == std::string::npos ? 0 : colon);
        PresentedName p;
        if (kind == "dns") {
          p.kind = PresentedName::kDns;
        } else if (kind == "srv") {
          p.kind = PresentedName::kSrv;
        } else if (kind == "xmpp") {
          p.kind = PresentedName::kXmpp;
        } else if (kind == "cn") {
          p.kind = PresentedName::kCn;
        } else {
          return Fail("a presented identifier is dns:, srv:, xmpp: or cn: and its value, not '" + w + "'");
        }
        if (!DecodedField(key, std::string_view(w).substr(colon + 1), &p.value)) return false;
        c.presented.push_back(std::move(p));
      }
    } else if (key == "validity") {
      if (value != "valid" && value != "expired" && value != "not-yet-valid") {
        return Fail("validity is valid, expired or not-yet-valid");
      }
      c.validity = value;
    } else if (key == "key-usage" || key == "ext-key-usage" || key == "basic-constraints") {
      std::string v2(value == "none" ? "" : value);
      (key == "key-usage" ? c.key_usage : key == "ext-key-usage" ? c.ext_key_usage : c.basic_constraints) = v2;
    } else if (key == "issuer") {
      if (value != "ca" && value != "self-signed" && value != "unknown") return Fail("issuer is ca, self-signed or unknown");
      c.issuer = value;
    } else if (key == "pin") {
      std::vector<std::string> words;
      SplitWords(value, &words);
      if (words.empty() || words.size() > 2 ||
          (words[0] != "none" && words[0] != "leaf" && words[0] != "ca" && words[0] != "other") ||
          (words.size() == 2 && words[1] != "with-chain" && words[1] != "instead-of-chain")) {
        return Fail("pin is none, or leaf, ca or other followed by with-chain (default) or instead-of-chain");
      }
      c.pin = words[0];
      c.pin_instead_of_chain = words.size() == 2 && words[1] == "instead-of-chain";
    } else if (key == "expect") {
      auto outcome = ParseOutcome(value, /*with_offset=*/false);
      if (!outcome || (outcome->kind != Outcome::Kind::kAccepted && outcome->kind != Outcome::Kind::kRefusedCert)) {
        return Fail("a cert-identity vector expects accepted or 'refused-cert <cert-error>'");
      }
      v.expect = *outcome;
      *have_expect = true;
    } else if (key == "events") {
      v.events_given = true;
      if (!value.empty()) {
        if (value != "none") return Fail("'events:' takes an indented block on the next lines (or 'none')");
      } else {
        StartBlock(Block::kEvents);
      }
    } else {
      return Fail("unknown field '" + key +
                  "' (a cert-identity vector has reference:, service:, presented:, validity:, key-usage:, "
                  "ext-key-usage:, basic-constraints:, issuer:, pin:, expect:, events:)");
    }
    return true;
  }

  bool FinishCert(Vector& v, bool have_expect, const std::vector<std::pair<std::string, int>>& events) {
    if (v.cert.reference.empty()) return FailAt(v.line, "vector '" + v.id + "' has no reference");
    if (!have_expect) return FailAt(v.line, "vector '" + v.id + "' has no expect");
    if (v.expect.kind == Outcome::Kind::kAccepted && !v.events_given) {
      return FailAt(v.line, "vector '" + v.id + "' is accepted but lists no events (match <id-type>)");
    }
    for (const auto& [text, line] : events) v.events.push_back(text);
    return true;
  }

  // --- kind: sasl ------------------------------------------------------------

  static bool SplitWords(std::string_view value, std::vector<std::string>* out) {
    out->clear();
    while (true) {
      value = Trim(value);
      if (value.empty()) break;
      size_t sp = value.find(' ');
      out->emplace_back(value.substr(0, sp));
      if (sp == std::string_view::npos) break;
      value.remove_prefix(sp + 1);
    }
    return !out->empty();
  }

  // DecodedField decodes a one-line value written with the input escapes.
  bool DecodedField(const std::string& key, std::string_view value, std::string* out) {
    std::string error;
    if (!DecodeInput(value, out, &error, 1u << 20)) return Fail(key + ": " + error);
    return true;
  }

  bool WordList(const std::string& key, std::string_view value, std::optional<std::vector<std::string>>* out) {
    std::vector<std::string> words;
    if (value == "none") {
      out->emplace();
      return true;
    }
    if (!SplitWords(value, &words)) return Fail(key + " lists names separated by spaces (or 'none')");
    *out = std::move(words);
    return true;
  }

  bool SaslField(Vector& v, const std::string& key, std::string_view value, bool* have_expect) {
    SaslSpec& s = v.sasl;
    if (key == "description") {
      v.description = value;
    } else if (key == "source") {
      v.source = value;
    } else if (key == "role") {
      if (value == "server") {
        s.role = SaslRole::kServer;
      } else if (value == "client") {
        s.role = SaslRole::kClient;
      } else {
        return Fail("role is server (our server receives the client messages) or client");
      }
      role_given_ = true;
    } else if (key == "mechanism") {
      if (value.empty()) return Fail("mechanism needs a name");
      s.mechanism = value;
    } else if (key == "user") {
      return DecodedField(key, value, &s.user);
    } else if (key == "password") {
      return DecodedField(key, value, &s.password);
    } else if (key == "peer-password") {
      return DecodedField(key, value, &s.peer_password);
    } else if (key == "authzid") {
      return DecodedField(key, value, &s.authzid);
    } else if (key == "salt") {
      if (value.empty()) return Fail("salt is the base64 salt, as in s=");
      s.salt = value;
    } else if (key == "iterations") {
      uint64_t n = 0;
      if (!ParseUnsigned(value, &n, 0xFFFFFFFFu)) return Fail("iterations is a decimal count up to 4294967295");
      s.iterations = static_cast<uint32_t>(n);
    } else if (key == "client-nonce") {
      return DecodedField(key, value, &s.client_nonce);
    } else if (key == "server-nonce") {
      return DecodedField(key, value, &s.server_nonce);
    } else if (key == "offered") {
      return WordList(key, value, &s.offered);
    } else if (key == "cb-types") {
      return WordList(key, value, &s.cb_types);
    } else if (key == "peer-offered") {
      return WordList(key, value, &s.peer_offered);
    } else if (key == "peer-cb-types") {
      return WordList(key, value, &s.peer_cb_types);
    } else if (key == "binding") {
      std::vector<std::string> words;
      SplitWords(value, &words);
      if (words.empty() || words.size() > 2) return Fail("binding is '<cb-type> <hex data>' (or '<cb-type>' for none)");
      SaslBinding b{words[0], {}};
      std::string hex = words.size() == 2 ? words[1] : "";
      if (hex.size() % 2 != 0) return Fail("binding data is hex digits, two per byte");
      for (size_t i = 0; i < hex.size(); i += 2) {
        int hi = HexValue(hex[i]), lo = HexValue(hex[i + 1]);
        if (hi < 0 || lo < 0) return Fail("binding data is hex digits, two per byte");
        b.data.push_back(static_cast<char>(hi * 16 + lo));
      }
      s.bindings.push_back(std::move(b));
    } else if (key == "tls") {
      if (value != "yes" && value != "no") return Fail("tls is yes or no");
      s.tls = value == "yes";
    } else if (key == "policy") {
      if (!SplitWords(value, &s.policy)) return Fail("policy lists words separated by spaces");
      for (const std::string& w : s.policy) {
        if (!ValidPolicyWord(w)) return Fail("unknown policy word '" + w + "'");
      }
    } else if (key == "extensions") {
      return DecodedField(key, value, &s.extensions);
    } else if (key == "exchange") {
      exchange_given_ = true;
      if (!value.empty()) {
        if (value != "none") return Fail("'exchange:' takes an indented block on the next lines (or 'none')");
      } else {
        StartBlock(Block::kExchange);
      }
    } else if (key == "expect") {
      auto outcome = ParseOutcome(value, /*with_offset=*/false);
      if (!outcome || (outcome->kind != Outcome::Kind::kSuccess && outcome->kind != Outcome::Kind::kFailure)) {
        return Fail("a SASL vector expects 'success' or 'failure [<rfc6120-condition>] [e=<rfc5802-server-error>]'");
      }
      v.expect = *outcome;
      *have_expect = true;
    } else if (key == "check") {
      if (!ValidErrorName(value)) return Fail("check names a sasl::Error ('proof-mismatch', ...), not '" + std::string(value) + "'");
      s.check = value;
    } else if (key == "downgrade-status") {
      if (value != "not-offered" && value != "not-checked" && value != "verified" && value != "old-form") {
        return Fail("downgrade-status is not-offered, not-checked, verified or old-form");
      }
      s.downgrade_status = value;
    } else if (key == "acceptable") {
      if (!AcceptableField(v, value, [](Outcome::Kind k) { return k == Outcome::Kind::kSuccess || k == Outcome::Kind::kFailure; },
                           "an acceptable SASL outcome is success or failure [<condition>] [e=<value>]")) {
        return false;
      }
    } else if (key == "live") {
      if (!LiveField(v, value)) return false;
    } else if (key == "side" || key == "profile" || key == "input" || key == "events") {
      return Fail("'" + key + ":' belongs to XML vectors; a SASL vector has role: and exchange:");
    } else {
      return Fail("unknown field '" + key + "'");
    }
    return true;
  }

  static bool ValidPolicyWord(const std::string& w) {
    static const char* kWords[] = {"allow-plain-without-tls", "no-plain", "require-downgrade-hash", "pinned-scram",
                                   "xep-0474"};
    for (const char* k : kWords) {
      if (w == k) return true;
    }
    uint64_t n = 0;
    if (StartsWith(w, "max-iterations=")) return ParseUnsigned(std::string_view(w).substr(15), &n, 0xFFFFFFFFu);
    if (StartsWith(w, "max-message-bytes=")) return ParseUnsigned(std::string_view(w).substr(18), &n, 1u << 24);
    if (StartsWith(w, "pinned=")) return w.size() > 7;
    return false;
  }

  static bool ValidErrorName(std::string_view name) {
    for (int i = 1; i < 256; ++i) {
      std::string_view n = sasl::ErrorName(static_cast<sasl::Error>(i));
      if (n == "?") return false;
      if (n == name) return true;
    }
    return false;
  }

  // ExchangeLine parses "<element>[ <word>...][:[ <payload>]]".
  bool ExchangeLine(SaslSpec& s, std::string_view line) {
    SaslStep step;
    step.line = line_no_;
    size_t colon = line.find(':');
    std::string_view head = line.substr(0, colon);
    if (colon != std::string_view::npos) {
      std::string_view rest = line.substr(colon + 1);
      if (!rest.empty() && rest[0] != ' ') return Fail("write one space after ':' in an exchange line");
      if (!rest.empty()) rest.remove_prefix(1);
      if (rest == "") {
        if (line.size() > colon + 1) return Fail("an exchange line ends with ':' for empty data, not ': '");
      }
      step.has_data = true;
      step.payload = rest;
    }
    std::vector<std::string> words;
    if (!SplitWords(head, &words)) return Fail("an exchange line starts with auth, challenge, response, success, failure or abort");
    const std::string& e = words[0];
    size_t next = 1;
    if (e == "auth") {
      step.element = sasl::ElementKind::kAuth;
      if (words.size() < 2) return Fail("'auth' needs the mechanism name: auth SCRAM-SHA-256: ...");
      step.mechanism = words[1];
      next = 2;
    } else if (e == "challenge") {
      step.element = sasl::ElementKind::kChallenge;
    } else if (e == "response") {
      step.element = sasl::ElementKind::kResponse;
    } else if (e == "success") {
      step.element = sasl::ElementKind::kSuccess;
    } else if (e == "failure") {
      step.element = sasl::ElementKind::kFailure;
      if (words.size() != 2 || step.has_data || !sasl::ConditionFromName(words[1])) {
        return Fail("'failure' takes one RFC 6120 section 6.5 condition and no data: failure not-authorized");
      }
      step.condition = words[1];
      next = 2;
    } else if (e == "abort") {
      step.element = sasl::ElementKind::kAbort;
      if (words.size() != 1 || step.has_data) return Fail("'abort' takes no data");
    } else {
      return Fail("unknown element '" + e + "' (auth, challenge, response, success, failure, abort)");
    }
    if (next < words.size() && words[next] == "base64") {
      if (!step.has_data) return Fail("'base64' needs the element text after ':'");
      step.raw = true;
      ++next;
    }
    if (next != words.size()) return Fail("unexpected '" + words[next] + "' in an exchange line");
    std::vector<TemplatePart> parts;
    std::string error;
    if (step.raw) {
      std::string decoded;
      if (!DecodeInput(step.payload, &decoded, &error)) return Fail(error);
    } else if (!ParseTemplate(step.payload, &parts, &error)) {
      return Fail(error);
    }
    s.exchange.push_back(std::move(step));
    return true;
  }

  bool FinishSasl(Vector& v, bool have_expect) {
    const SaslSpec& s = v.sasl;
    auto need = [&](bool ok, const std::string& what) { return ok || FailAt(v.line, "vector '" + v.id + "' has no " + what); };
    bool ok = need(role_given_, "role") && need(!s.user.empty(), "user") && need(!s.password.empty(), "password") &&
              need(!s.salt.empty(), "salt") && need(s.iterations != 0, "iterations") &&
              need(exchange_given_, "exchange") && need(have_expect, "expect");
    if (!ok) return false;
    if (s.role == SaslRole::kClient && !v.expect.sasl_condition.empty()) {
      return FailAt(v.line, "vector '" + v.id +
                                "': a client-role failure names no condition (the client refuses and aborts); "
                                "write 'failure' or 'failure e=<value>'");
    }
    if (s.role == SaslRole::kServer && v.expect.kind == Outcome::Kind::kFailure && v.expect.sasl_condition.empty()) {
      return FailAt(v.line, "vector '" + v.id + "': a server-role failure names the RFC 6120 condition");
    }
    if (s.mechanism.empty() && s.role == SaslRole::kClient && !s.offered) {
      return FailAt(v.line, "vector '" + v.id + "': a client-role vector needs mechanism: or offered:");
    }
    if (v.expect.kind == Outcome::Kind::kSuccess && !s.check.empty()) {
      return FailAt(v.line, "vector '" + v.id + "': check: names the check that refuses; a success has none");
    }
    return true;
  }

  bool role_given_ = false;
  bool exchange_given_ = false;

  std::string path_;
  std::string_view text_;
  std::string category_;
  bool keep_inputs_ = true;
  std::string error_;
  int line_no_ = 0;
  int input_line_ = 0;
  Block block_ = Block::kNone;
  std::vector<std::pair<std::string, int>> step_lines_;  // kind: protocol, steps: block
  std::string config_text_;
  int config_line_ = 0;
  int block_line_ = 0;   // where the open block's key is
  int block_lines_ = 0;  // how many lines it has so far
  std::set<std::string> seen_;
};

}  // namespace

std::string_view SaslRoleName(SaslRole r) { return r == SaslRole::kServer ? "server" : "client"; }

std::string_view VectorKindName(VectorKind k) {
  switch (k) {
    case VectorKind::kXml: return "xml";
    case VectorKind::kSasl: return "sasl";
    case VectorKind::kTls: return "tls";
    case VectorKind::kStarttls: return "starttls";
    case VectorKind::kTlsPolicy: return "tls-policy";
    case VectorKind::kCertIdentity: return "cert-identity";
    case VectorKind::kProtocol: return "protocol";
    case VectorKind::kClient: return "client";
  }
  return "xml";
}

std::string_view SideName(Side s) { return s == Side::kClientToServer ? "c2s" : "s2c"; }

std::string_view ProfileName(Profile p) {
  switch (p) {
    case Profile::kRaw: return "raw";
    case Profile::kOpened: return "opened";
    case Profile::kAuthenticated: return "authenticated";
  }
  return "raw";
}

std::string Outcome::Text(bool expectation) const {
  switch (kind) {
    case Kind::kAccepted: return "accepted";
    case Kind::kRefused: {
      std::string s = "refused " + std::string(xml::ConditionName(condition));
      if (offset) s += (expectation ? " at-or-before " : " at ") + std::to_string(*offset);
      return s;
    }
    case Kind::kStanzaError: {
      std::string s = "stanza-error";
      for (size_t i = 0; i < stanza_conditions.size(); ++i) s += (i == 0 ? " " : "+") + stanza_conditions[i];
      return s;
    }
    case Kind::kClosed: return "closed";
    case Kind::kNoAnswer: return "no-answer";
    case Kind::kCrashed: return "crashed";
    case Kind::kSuccess: return "success";
    case Kind::kFailure: {
      std::string s = "failure";
      if (!sasl_condition.empty()) s += " " + sasl_condition;
      if (!server_error.empty()) s += " e=" + server_error;
      if (!expectation && !check.empty()) s += " check=" + check;
      return s;
    }
    case Kind::kFlooded: return "flooded";
    case Kind::kInvalidReply: return "invalid-reply " + std::string(xml::ConditionName(condition));
    case Kind::kRefusedTls: {
      std::string s = "refused-tls " + tls_code;
      if (offset) s += (expectation && !exact ? " at-or-before " : " at ") + std::to_string(*offset);
      return s;
    }
    case Kind::kRefusedCert: return "refused-cert " + tls_code;
    case Kind::kStartTls: return "start-tls";
    case Kind::kNoTls: return "no-tls";
    case Kind::kPending: return "pending";
    case Kind::kExpanded: return "expanded";
    case Kind::kDropped: return "dropped";
    case Kind::kConforms: return "conforms";
    case Kind::kDeviates: return "deviates " + std::to_string(step) + " " + observed;
    case Kind::kNotOffered: return observed.empty() ? "not-offered" : "not-offered " + observed;
    case Kind::kSafe: return "safe";
    case Kind::kVulnerable: return "vulnerable " + check;
    case Kind::kHung: return "hung";
    case Kind::kCpuBound: return "cpu-bound";
    case Kind::kMemory: return "memory";
    case Kind::kEventsDiffer: return "events-differ";
  }
  return "accepted";
}

std::optional<Outcome> ParseOutcome(std::string_view text, bool with_offset) {
  std::vector<std::string_view> words;
  while (true) {
    text = Trim(text);
    if (text.empty()) break;
    size_t sp = text.find(' ');
    words.push_back(text.substr(0, sp));
    if (sp == std::string_view::npos) break;
    text.remove_prefix(sp + 1);
  }
  if (words.empty()) return std::nullopt;
  Outcome o;
  if (words[0] == "refused") {
    if (words.size() < 2) return std::nullopt;
    auto c = xml::ConditionFromName(words[1]);
    if (!c || *c == xml::Condition::kNone) return std::nullopt;
    o.kind = Outcome::Kind::kRefused;
    o.condition = *c;
    if (with_offset) {
      uint64_t n = 0;
      if (words.size() != 4 || words[2] != "at-or-before" || !ParseUnsigned(words[3], &n, 1ull << 40)) {
        return std::nullopt;
      }
      o.offset = static_cast<int64_t>(n);
    } else if (words.size() != 2) {
      return std::nullopt;
    }
    return o;
  }
  if (words[0] == "invalid-reply") {
    if (words.size() != 2) return std::nullopt;
    auto c = xml::ConditionFromName(words[1]);
    if (!c || *c == xml::Condition::kNone) return std::nullopt;
    o.kind = Outcome::Kind::kInvalidReply;
    o.condition = *c;
    return o;
  }
  if (words[0] == "refused-tls") {
    if (words.size() < 2 || !ValidTlsErrorName(words[1])) return std::nullopt;
    o.kind = Outcome::Kind::kRefusedTls;
    o.tls_code = words[1];
    if (with_offset) {
      uint64_t n = 0;
      if (words.size() != 4 || (words[2] != "at" && words[2] != "at-or-before") ||
          !ParseUnsigned(words[3], &n, 1ull << 40)) {
        return std::nullopt;
      }
      o.exact = words[2] == "at";
      o.offset = static_cast<int64_t>(n);
    } else if (words.size() != 2) {
      return std::nullopt;
    }
    return o;
  }
  if (words[0] == "refused-cert") {
    if (words.size() != 2) return std::nullopt;
    bool known = false;
    for (int i = 1; i < 256 && !known; ++i) {
      std::string_view n = tls::CertErrorName(static_cast<tls::CertError>(i));
      if (n == "unknown" || n == "?") break;
      known = n == words[1];
    }
    if (!known) return std::nullopt;
    o.kind = Outcome::Kind::kRefusedCert;
    o.tls_code = words[1];
    return o;
  }
  if (words[0] == "stanza-error" && words.size() == 2) {
    o.kind = Outcome::Kind::kStanzaError;
    std::string_view list = words[1];
    while (!list.empty()) {
      size_t plus = list.find('+');
      std::string_view name = list.substr(0, plus);
      if (name.empty()) return std::nullopt;
      for (char c : name) {
        if (!((c >= 'a' && c <= 'z') || c == '-')) return std::nullopt;
      }
      o.stanza_conditions.emplace_back(name);
      if (plus == std::string_view::npos) break;
      list.remove_prefix(plus + 1);
      if (list.empty()) return std::nullopt;
    }
    return o;
  }
  if (words[0] == "deviates" || words[0] == "not-offered") {
    // The rest is what the peer did, as the scenario executor prints it.
    size_t first = words[0] == "deviates" ? 2 : 1;
    if (words[0] == "deviates") {
      uint64_t n = 0;
      if (words.size() < 3 || !ParseUnsigned(words[1], &n, 100000) || n == 0) return std::nullopt;
      o.kind = Outcome::Kind::kDeviates;
      o.step = static_cast<int>(n);
    } else {
      o.kind = Outcome::Kind::kNotOffered;
    }
    for (size_t i = first; i < words.size(); ++i) o.observed += (i == first ? "" : " ") + std::string(words[i]);
    return o;
  }
  if (words[0] == "failure") {
    o.kind = Outcome::Kind::kFailure;
    size_t i = 1;
    if (i < words.size() && words[i].substr(0, 2) != "e=") {
      if (!sasl::ConditionFromName(words[i])) return std::nullopt;
      o.sasl_condition = words[i++];
    }
    if (i < words.size()) {
      std::string_view e = words[i++].substr(2);
      if (e.empty() || sasl::ServerErrorFromName(e) == sasl::ServerError::kUnrecognized) return std::nullopt;
      o.server_error = e;
    }
    if (i != words.size()) return std::nullopt;
    return o;
  }
  if (words[0] == "vulnerable") {
    if (words.size() != 2) return std::nullopt;
    for (char c : words[1]) {
      if (!((c >= 'a' && c <= 'z') || (c >= '0' && c <= '9') || c == '-' || c == '.')) return std::nullopt;
    }
    o.kind = Outcome::Kind::kVulnerable;
    o.check = words[1];
    return o;
  }
  if (words.size() != 1) return std::nullopt;
  if (words[0] == "safe") {
    o.kind = Outcome::Kind::kSafe;
  } else if (words[0] == "hung") {
    o.kind = Outcome::Kind::kHung;
  } else if (words[0] == "cpu-bound") {
    o.kind = Outcome::Kind::kCpuBound;
  } else if (words[0] == "memory") {
    o.kind = Outcome::Kind::kMemory;
  } else if (words[0] == "success") {
    o.kind = Outcome::Kind::kSuccess;
  } else if (words[0] == "accepted") {
    o.kind = Outcome::Kind::kAccepted;
  } else if (words[0] == "stanza-error") {
    o.kind = Outcome::Kind::kStanzaError;
  } else if (words[0] == "closed") {
    o.kind = Outcome::Kind::kClosed;
  } else if (words[0] == "no-answer") {
    o.kind = Outcome::Kind::kNoAnswer;
  } else if (words[0] == "crashed") {
    o.kind = Outcome::Kind::kCrashed;
  } else if (words[0] == "flooded") {
    o.kind = Outcome::Kind::kFlooded;
  } else if (words[0] == "start-tls") {
    o.kind = Outcome::Kind::kStartTls;
  } else if (words[0] == "no-tls") {
    o.kind = Outcome::Kind::kNoTls;
  } else if (words[0] == "pending") {
    o.kind = Outcome::Kind::kPending;
  } else if (words[0] == "expanded") {
    o.kind = Outcome::Kind::kExpanded;
  } else if (words[0] == "dropped") {
    o.kind = Outcome::Kind::kDropped;
  } else if (words[0] == "conforms") {
    o.kind = Outcome::Kind::kConforms;
  } else if (words[0] == "events-differ") {
    o.kind = Outcome::Kind::kEventsDiffer;
  } else {
    return std::nullopt;
  }
  return o;
}

bool DecodeInput(std::string_view text, std::string* out, std::string* error, size_t max_bytes) {
  out->clear();
  return InputDecoder(text, max_bytes).Run(out, error);
}

bool ParseVectorFile(const std::string& path, std::string_view text, const std::string& category,
                     std::vector<Vector>* out, std::string* error, bool keep_inputs) {
  return FileParser(path, text, category, keep_inputs).Run(out, error);
}

bool ReadFile(const std::string& path, std::string* out) {
  std::error_code ec;
  if (std::filesystem::is_directory(path, ec)) return false;  // reads as empty otherwise
  std::ifstream in(path, std::ios::binary);
  if (!in) return false;
  std::ostringstream buffer;
  buffer << in.rdbuf();
  if (in.bad()) return false;
  *out = std::move(buffer).str();
  return true;
}

bool LoadSuite(const std::string& dir, std::vector<Vector>* out, std::string* error, bool keep_inputs) {
  namespace fs = std::filesystem;
  std::error_code ec;
  if (!fs::is_directory(dir, ec)) {
    *error = fs::exists(dir, ec) ? "suite '" + dir + "' is not a directory (--suite takes the directory of .vec files)"
                                 : "suite directory '" + dir + "' does not exist";
    return false;
  }
  std::vector<fs::path> files;
  for (auto it = fs::recursive_directory_iterator(dir, ec); !ec && it != fs::recursive_directory_iterator();
       it.increment(ec)) {
    if (it->is_regular_file() && it->path().extension() == ".vec") files.push_back(it->path());
  }
  if (ec) {
    *error = "cannot list '" + dir + "': " + ec.message();
    return false;
  }
  std::sort(files.begin(), files.end());
  out->clear();
  for (const fs::path& file : files) {
    std::string text;
    if (!ReadFile(file.string(), &text)) {
      *error = "cannot read '" + file.string() + "'";
      return false;
    }
    std::string category = file.parent_path().filename().string();
    if (!ParseVectorFile(file.string(), text, category, out, error, keep_inputs)) return false;
  }
  // Stable: of two vectors with one id, the later (by file, then line) is
  // the one reported, pointing back at the first.
  std::stable_sort(out->begin(), out->end(), [](const Vector& a, const Vector& b) { return a.id < b.id; });
  for (size_t i = 1; i < out->size(); ++i) {
    if ((*out)[i].id == (*out)[i - 1].id) {
      *error = (*out)[i].file + ":" + std::to_string((*out)[i].line) + ": duplicate vector id '" + (*out)[i].id +
               "' (also " + (*out)[i - 1].file + ":" + std::to_string((*out)[i - 1].line) + ")";
      return false;
    }
  }
  return true;
}

std::string Prelude(Profile profile, Side side, std::string_view domain) {
  if (profile == Profile::kRaw) return {};
  return side == Side::kClientToServer ? stream::ClientHeader(domain) : stream::ServerHeader(domain);
}

}  // namespace xmppfuzz::conform
