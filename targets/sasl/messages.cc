// The RFC 5802 section 7 grammar of the four SCRAM messages.
//
// A message is a list of attributes separated by ','. Each parser walks the
// attributes in the order the grammar fixes, and reports the first rule a
// message breaks with its code and the offset of the attribute (or byte) at
// fault. Two deliberate tolerances, both where the grammar has
// "extensions": an extension value may contain '=' (XEP-0474's h= carries
// base64 padding, which the strict value-char rule excludes), and unknown
// extensions are skipped. "m=" anywhere fails (RFC 5802 5.1: its presence
// MUST cause authentication failure).
#include <string>
#include <vector>

#include "targets/sasl/internal.h"
#include "targets/sasl/sasl.h"

namespace xmppfuzz::sasl {

using internal::Fail;

namespace {

struct Field {
  std::string_view text;
  size_t offset;  // of text[0] in the message
};

// SplitFields cuts |msg| at every ','; |base| is added to the offsets.
std::vector<Field> SplitFields(std::string_view msg, size_t base) {
  std::vector<Field> out;
  size_t start = 0;
  while (true) {
    const size_t comma = msg.find(',', start);
    if (comma == std::string_view::npos) {
      out.push_back({msg.substr(start), base + start});
      return out;
    }
    out.push_back({msg.substr(start, comma - start), base + start});
    start = comma + 1;
  }
}

bool IsAlpha(char c) { return (c >= 'A' && c <= 'Z') || (c >= 'a' && c <= 'z'); }

// Named reports whether |f| is the attribute |name|=..., and gives its value.
bool Named(const Field& f, char name, std::string_view* value) {
  if (f.text.size() < 2 || f.text[0] != name || f.text[1] != '=') return false;
  *value = f.text.substr(2);
  return true;
}

// CheckExtension checks one attr-val extension: ALPHA "=" 1*(not NUL).
// "m=" is the reserved mandatory extension and fails. |known| lists the
// attribute names the message defines itself; repeating one as an
// extension is refused too (it would be read differently by different
// peers).
bool CheckExtension(const Field& f, std::string_view known, Failure* failure) {
  if (f.text.size() >= 2 && f.text[0] == 'm' && f.text[1] == '=') {
    return Fail(failure, Error::kMandatoryExtension, f.offset);
  }
  if (f.text.size() < 3 || !IsAlpha(f.text[0]) || f.text[1] != '=' ||
      known.find(f.text[0]) != std::string_view::npos) {
    return Fail(failure, Error::kBadExtension, f.offset);
  }
  size_t bad = 0;
  if (!internal::ValidUtf8(f.text, &bad)) return Fail(failure, Error::kBadUtf8, f.offset + bad);
  if (const size_t nul = f.text.find('\0'); nul != std::string_view::npos) {
    return Fail(failure, Error::kBadExtension, f.offset + nul);
  }
  return true;
}

// Expect reads attribute |name| from fields[i], or fails: kMandatoryExtension
// for "m=", kMissingAttribute otherwise (offset |end| when the message ran
// out).
bool Expect(const std::vector<Field>& fields, size_t i, char name, size_t end,
            std::string_view* value, size_t* value_offset, Failure* failure) {
  if (i >= fields.size()) return Fail(failure, Error::kMissingAttribute, end);
  const Field& f = fields[i];
  if (f.text.size() >= 2 && f.text[0] == 'm' && f.text[1] == '=') {
    return Fail(failure, Error::kMandatoryExtension, f.offset);
  }
  if (!Named(f, name, value)) return Fail(failure, Error::kMissingAttribute, f.offset);
  *value_offset = f.offset + 2;
  return true;
}

bool CheckNonce(std::string_view nonce, size_t offset, Failure* failure) {
  size_t bad = 0;
  if (!internal::IsPrintableNonce(nonce, &bad)) return Fail(failure, Error::kBadNonce, offset + bad);
  return true;
}

// DecodeBase64Value decodes an attribute value; a base64 failure is
// reported as |code| at the offending byte.
bool DecodeBase64Value(std::string_view value, size_t offset, Error code, std::string* out,
                       Failure* failure) {
  Failure f;
  std::optional<std::string> decoded = Base64Decode(value, &f);
  if (!decoded) return Fail(failure, code, offset + f.offset);
  *out = std::move(*decoded);
  return true;
}

// ParsePositNumber reads %x31-39 *DIGIT into 32 bits.
bool ParsePositNumber(std::string_view s, uint32_t* out) {
  if (s.empty() || s[0] < '1' || s[0] > '9') return false;
  uint64_t v = 0;
  for (char c : s) {
    if (c < '0' || c > '9') return false;
    v = v * 10 + static_cast<uint64_t>(c - '0');
    if (v > UINT32_MAX) return false;
  }
  *out = static_cast<uint32_t>(v);
  return true;
}

std::string JoinExtensions(const std::vector<Field>& fields, size_t from, size_t to) {
  std::string out;
  for (size_t i = from; i < to; ++i) {
    out += ',';
    out += fields[i].text;
  }
  return out;
}

bool CheckLength(std::string_view msg, Failure* failure) {
  if (msg.empty()) return Fail(failure, Error::kEmptyMessage, 0);
  return true;
}

}  // namespace

bool ParseGs2Header(std::string_view msg, Gs2Header* out, size_t* consumed, Failure* failure) {
  Gs2Header h;
  size_t pos = 0;
  if (msg.starts_with("n,")) {
    h.flag = Gs2Flag::kNo;
    pos = 2;
  } else if (msg.starts_with("y,")) {
    h.flag = Gs2Flag::kYes;
    pos = 2;
  } else if (msg.starts_with("p=")) {
    h.flag = Gs2Flag::kPlus;
    pos = 2;
    while (pos < msg.size() && msg[pos] != ',') {
      const char c = msg[pos];
      if (!IsAlpha(c) && !(c >= '0' && c <= '9') && c != '.' && c != '-') {
        return Fail(failure, Error::kBadCbName, pos);
      }
      ++pos;
    }
    if (pos == 2) return Fail(failure, Error::kBadCbName, pos);
    if (pos == msg.size()) return Fail(failure, Error::kBadGs2Header, pos);
    h.cb_name = std::string(msg.substr(2, pos - 2));
    ++pos;
  } else {
    return Fail(failure, Error::kBadGs2Header, 0);
  }
  // [ authzid ] ","
  const size_t comma = msg.find(',', pos);
  if (comma == std::string_view::npos) return Fail(failure, Error::kBadGs2Header, msg.size());
  if (comma != pos) {
    const std::string_view authz = msg.substr(pos, comma - pos);
    if (!authz.starts_with("a=")) return Fail(failure, Error::kBadGs2Header, pos);
    Failure f;
    std::optional<std::string> decoded = SaslnameDecode(authz.substr(2), &f);
    if (!decoded) return Fail(failure, Error::kBadAuthzid, pos + 2 + f.offset);
    h.authzid = std::move(*decoded);
  }
  pos = comma + 1;
  h.raw = std::string(msg.substr(0, pos));
  *out = std::move(h);
  *consumed = pos;
  return true;
}

bool ParseClientFirst(std::string_view msg, ClientFirst* out, Failure* failure) {
  if (!CheckLength(msg, failure)) return false;
  ClientFirst cf;
  size_t consumed = 0;
  if (!ParseGs2Header(msg, &cf.gs2, &consumed, failure)) return false;
  const std::string_view bare = msg.substr(consumed);
  const std::vector<Field> fields = SplitFields(bare, consumed);
  std::string_view value;
  size_t voff = 0;
  if (!Expect(fields, 0, 'n', msg.size(), &value, &voff, failure)) return false;
  Failure f;
  std::optional<std::string> user = SaslnameDecode(value, &f);
  if (!user) return Fail(failure, f.code, voff + f.offset);
  cf.username = std::move(*user);
  if (!Expect(fields, 1, 'r', msg.size(), &value, &voff, failure)) return false;
  if (!CheckNonce(value, voff, failure)) return false;
  cf.nonce = std::string(value);
  for (size_t i = 2; i < fields.size(); ++i) {
    if (!CheckExtension(fields[i], "nr", failure)) return false;
  }
  cf.extensions = JoinExtensions(fields, 2, fields.size());
  cf.bare = std::string(bare);
  *out = std::move(cf);
  if (failure != nullptr) *failure = Failure{};
  return true;
}

bool ParseServerFirst(std::string_view msg, ServerFirst* out, Failure* failure) {
  if (!CheckLength(msg, failure)) return false;
  ServerFirst sf;
  const std::vector<Field> fields = SplitFields(msg, 0);
  std::string_view value;
  size_t voff = 0;
  if (!Expect(fields, 0, 'r', msg.size(), &value, &voff, failure)) return false;
  if (!CheckNonce(value, voff, failure)) return false;
  sf.nonce = std::string(value);
  if (!Expect(fields, 1, 's', msg.size(), &value, &voff, failure)) return false;
  if (value.empty()) return Fail(failure, Error::kBadSalt, voff);
  if (!DecodeBase64Value(value, voff, Error::kBadSalt, &sf.salt, failure)) return false;
  if (!Expect(fields, 2, 'i', msg.size(), &value, &voff, failure)) return false;
  if (!ParsePositNumber(value, &sf.iterations)) return Fail(failure, Error::kBadIterationCount, voff);
  std::string others;
  for (size_t i = 3; i < fields.size(); ++i) {
    if (!CheckExtension(fields[i], "rsi", failure)) return false;
    if (Named(fields[i], 'h', &value) && !sf.downgrade_hash) {
      sf.downgrade_hash = std::string(value);
    } else if (Named(fields[i], 'd', &value) && !sf.old_downgrade) {
      sf.old_downgrade = std::string(value);
    } else {
      others += ',';
      others += fields[i].text;
    }
  }
  sf.extensions = std::move(others);
  *out = std::move(sf);
  if (failure != nullptr) *failure = Failure{};
  return true;
}

bool ParseClientFinal(std::string_view msg, Hash hash, ClientFinal* out, Failure* failure) {
  if (!CheckLength(msg, failure)) return false;
  ClientFinal cf;
  const std::vector<Field> fields = SplitFields(msg, 0);
  std::string_view value;
  size_t voff = 0;
  if (!Expect(fields, 0, 'c', msg.size(), &value, &voff, failure)) return false;
  if (value.empty()) return Fail(failure, Error::kBadChannelBinding, voff);
  if (!DecodeBase64Value(value, voff, Error::kBadChannelBinding, &cf.channel_binding, failure)) {
    return false;
  }
  if (!Expect(fields, 1, 'r', msg.size(), &value, &voff, failure)) return false;
  if (!CheckNonce(value, voff, failure)) return false;
  cf.nonce = std::string(value);
  // The proof is the last attribute; extensions sit between nonce and proof.
  if (fields.size() < 3) return Fail(failure, Error::kMissingAttribute, msg.size());
  const Field& last = fields.back();
  for (size_t i = 2; i + 1 < fields.size(); ++i) {
    if (!CheckExtension(fields[i], "crp", failure)) return false;
  }
  if (!Expect(fields, fields.size() - 1, 'p', msg.size(), &value, &voff, failure)) return false;
  if (!DecodeBase64Value(value, voff, Error::kBadProof, &cf.proof, failure)) return false;
  if (cf.proof.size() != HashSize(hash)) return Fail(failure, Error::kBadProof, voff);
  cf.extensions = JoinExtensions(fields, 2, fields.size() - 1);
  cf.without_proof = std::string(msg.substr(0, last.offset - 1));
  *out = std::move(cf);
  if (failure != nullptr) *failure = Failure{};
  return true;
}

bool ParseServerFinal(std::string_view msg, Hash hash, ServerFinal* out, Failure* failure) {
  if (!CheckLength(msg, failure)) return false;
  ServerFinal sf;
  const std::vector<Field> fields = SplitFields(msg, 0);
  const Field& first = fields[0];
  std::string_view value;
  if (Named(first, 'e', &value)) {
    for (size_t i = 0; i < value.size(); ++i) {
      const auto c = static_cast<uint8_t>(value[i]);
      if (c < 0x21 || c > 0x7E || c == '=') return Fail(failure, Error::kBadServerError, first.offset + 2 + i);
    }
    if (value.empty()) return Fail(failure, Error::kBadServerError, first.offset + 2);
    sf.error = ServerErrorFromName(value);
    sf.error_text = std::string(value);
  } else if (Named(first, 'v', &value)) {
    std::string v;
    if (!DecodeBase64Value(value, first.offset + 2, Error::kBadServerSignature, &v, failure)) {
      return false;
    }
    if (v.size() != HashSize(hash)) return Fail(failure, Error::kBadServerSignature, first.offset + 2);
    sf.verifier = std::move(v);
  } else if (first.text.starts_with("m=")) {
    return Fail(failure, Error::kMandatoryExtension, first.offset);
  } else {
    return Fail(failure, Error::kMissingAttribute, first.offset);
  }
  for (size_t i = 1; i < fields.size(); ++i) {
    if (!CheckExtension(fields[i], "ev", failure)) return false;
  }
  *out = std::move(sf);
  if (failure != nullptr) *failure = Failure{};
  return true;
}

}  // namespace xmppfuzz::sasl
