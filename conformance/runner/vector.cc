#include "conformance/runner/vector.h"

#include <algorithm>
#include <filesystem>
#include <fstream>
#include <set>
#include <sstream>

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
        xml::AppendUtf8(bytes, cp);
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
  enum class Block : uint8_t { kNone, kInput, kEvents };

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
      if (!have_input) return FailAt(v.line, "vector '" + v.id + "' has no input");
      if (!have_expect) return FailAt(v.line, "vector '" + v.id + "' has no expect");
      if (v.expect.kind == Outcome::Kind::kAccepted && !v.events_given) {
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
      if (key != "acceptable" && !seen_.insert(key).second) {
        Fail("field '" + key + "' given twice");
        return false;
      }
      if (!Field(*current, key, value, &input_text, &have_input, &have_expect)) return false;
    }
    if (block_ != Block::kNone && !EndBlock()) return false;
    return finish();
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
    bool input = block_ == Block::kInput;
    block_ = Block::kNone;
    if (block_lines_ != 0) return true;
    return FailAt(block_line_, input ? "'input:' has no indented line under it (write 'input: none' for no bytes)"
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
      size_t dash = value.find(" -- ");
      if (dash == std::string_view::npos || Trim(value.substr(dash + 4)).empty()) {
        return Fail("acceptable is '<outcome> -- <reason>'");
      }
      auto outcome = ParseOutcome(Trim(value.substr(0, dash)), /*with_offset=*/false);
      if (!outcome || outcome->kind == Outcome::Kind::kNoAnswer || outcome->kind == Outcome::Kind::kCrashed ||
          outcome->kind == Outcome::Kind::kFlooded || outcome->kind == Outcome::Kind::kInvalidReply) {
        return Fail("an acceptable outcome is accepted, refused <condition>, stanza-error [<conditions>] or closed");
      }
      v.acceptable.push_back(Acceptable{*outcome, std::string(Trim(value.substr(dash + 4)))});
    } else if (key == "live") {
      if (!StartsWith(value, "skip -- ") || Trim(value.substr(8)).empty()) return Fail("live is 'skip -- <reason>'");
      v.live_skip = Trim(value.substr(8));
    } else {
      return Fail("unknown field '" + key + "'");
    }
    return true;
  }

  std::string path_;
  std::string_view text_;
  std::string category_;
  bool keep_inputs_ = true;
  std::string error_;
  int line_no_ = 0;
  int input_line_ = 0;
  Block block_ = Block::kNone;
  int block_line_ = 0;   // where the open block's key is
  int block_lines_ = 0;  // how many lines it has so far
  std::set<std::string> seen_;
};

}  // namespace

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
    case Kind::kFlooded: return "flooded";
    case Kind::kInvalidReply: return "invalid-reply " + std::string(xml::ConditionName(condition));
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
  if (words.size() != 1) return std::nullopt;
  if (words[0] == "accepted") {
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
  std::string d(domain);
  if (side == Side::kClientToServer) {
    return "<?xml version='1.0'?><stream:stream xmlns='jabber:client' "
           "xmlns:stream='http://etherx.jabber.org/streams' to='" + d + "' version='1.0'>";
  }
  return "<?xml version='1.0'?><stream:stream xmlns='jabber:client' "
         "xmlns:stream='http://etherx.jabber.org/streams' from='" + d + "' id='xmppfuzz' version='1.0'>";
}

}  // namespace xmppfuzz::conform
