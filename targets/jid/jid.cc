// JID parsing and validation (RFC 7622).
//
// This is a strict structural check, not a full PRECIS implementation: the
// IdentifierClass / OpaqueString tables (RFC 8264, RFC 8265), width and case
// mapping of non-ASCII text, Unicode normalisation, and the IDNA2008 code
// point tables (RFC 5892) are not applied. Instead each part is refused for
// the code points every one of those profiles refuses (controls, the
// localpart's special characters, whitespace), and non-ASCII text is kept
// exactly as given. That keeps the parser small, deterministic and free of
// Unicode data, which is what the fuzz harnesses and vectors need.
#include "targets/jid/jid.h"

#include <arpa/inet.h>

#include <cstdint>

#include "targets/base/base.h"

namespace xmppfuzz::jid {
namespace {

using Code = JidError::Code;

// RFC 7622 3.2, 3.3, 3.4: every part is 1..1023 octets.
constexpr size_t kMaxPartOctets = 1023;
// RFC 1034 3.1: a DNS label is 1..63 octets.
constexpr size_t kMaxLabelOctets = 63;

// kOk is the JidError of a part that passed its checks.
constexpr JidError kOk{};

JidError At(Code code, size_t offset) { return JidError{code, offset}; }

// Failure records |e| in |error| (if any) and returns nullopt.
std::optional<Jid> Failure(JidError* error, JidError e) {
  if (error != nullptr) *error = e;
  return std::nullopt;
}

// IsControl: the Cc category, U+0000..U+001F and U+007F..U+009F, which every
// PRECIS class disallows (RFC 8264 9.12) and therefore every part of a JID.
bool IsControl(char32_t cp) {
  return cp <= 0x1F || (cp >= 0x7F && cp <= 0x9F);
}

// IsSpace: the Unicode White_Space code points that are not controls (the
// others are refused as controls). PRECIS IdentifierClass disallows them
// (RFC 8264 9.14), so they may not appear in a localpart or a U-label.
bool IsSpace(char32_t cp) {
  return cp == 0x20 || cp == 0xA0 || cp == 0x1680 ||
         (cp >= 0x2000 && cp <= 0x200A) || cp == 0x2028 || cp == 0x2029 ||
         cp == 0x202F || cp == 0x205F || cp == 0x3000;
}

// IsForbiddenLocalAscii: the characters RFC 7622 3.3.1 excludes from the
// localpart so that a JID can be carried in XML and URIs unescaped. '@' and
// '/' cannot reach the localpart through Parse (they split the string) but
// are listed so the rule reads as the RFC states it.
bool IsForbiddenLocalAscii(char32_t cp) {
  switch (cp) {
    case '"': case '&': case '\'': case '/': case ':': case '<': case '>':
    case '@':
      return true;
    default:
      return false;
  }
}

// IsFullStopVariant: the ideographic and fullwidth full stops, which IDNA
// treats as label separators (RFC 3490 3.1). Inside a U-label they would make
// one domain name look like another, so they are refused rather than mapped.
bool IsFullStopVariant(char32_t cp) {
  return cp == 0x3002 || cp == 0xFF0E || cp == 0xFF61;
}

bool IsAsciiLetterOrDigit(char32_t cp) {
  return (cp >= 'a' && cp <= 'z') || (cp >= 'A' && cp <= 'Z') ||
         (cp >= '0' && cp <= '9');
}

// CheckLocalpart checks |local|, found at |base| in the input, against
// RFC 7622 3.3 and returns kOk or the first problem.
JidError CheckLocalpart(std::string_view local, size_t base) {
  if (local.size() > kMaxPartOctets) {
    return At(Code::kLocalpartTooLong, base + kMaxPartOctets);
  }
  uint32_t cp = 0;
  for (size_t pos = 0; pos < local.size();) {
    const size_t length = base::DecodeUtf8(local, pos, &cp);
    if (IsControl(cp) || IsSpace(cp) || IsForbiddenLocalAscii(cp)) {
      return At(Code::kForbiddenLocalChar, base + pos);
    }
    pos += length;
  }
  return kOk;
}

// CheckLabel checks that |label| (at |base|) is an LDH label or a U-label
// without forbidden code points (RFC 7622 3.2, RFC 5890 2.3.1) and returns
// kOk or the first problem. A U-label's 63-octet limit really applies to its
// A-label form; counting UTF-8 octets is stricter for most scripts and needs
// no Punycode.
JidError CheckLabel(std::string_view label, size_t base) {
  if (label.empty()) return At(Code::kBadDomain, base);
  if (label.size() > kMaxLabelOctets) {
    return At(Code::kBadDomain, base + kMaxLabelOctets);
  }
  // RFC 5891 4.2.3.1 and RFC 952: no hyphen at either end of a label.
  if (label.front() == '-') return At(Code::kBadDomain, base);
  uint32_t cp = 0;
  for (size_t pos = 0; pos < label.size();) {
    const size_t length = base::DecodeUtf8(label, pos, &cp);
    const bool allowed = cp < 0x80 ? IsAsciiLetterOrDigit(cp) || cp == '-'
                                   : !IsSpace(cp) && !IsFullStopVariant(cp);
    if (!allowed) return At(Code::kBadDomain, base + pos);
    pos += length;
  }
  if (label.back() == '-') return At(Code::kBadDomain, base + label.size() - 1);
  return kOk;
}

// CheckIpLiteral checks that |domain| (at |base|) is "[IPv6address]" or a
// dotted-quad IPv4address as RFC 3986 3.2.2 writes them (RFC 7622 3.2 leaves
// out IPvFuture) and returns kOk or a bad-domain error at |base|. inet_pton
// does the validation; it takes neither zone identifiers nor IPv4 octets
// with leading zeros.
JidError CheckIpLiteral(std::string_view domain, size_t base) {
  unsigned char address[16];
  const bool v6 = domain.front() == '[';
  if (v6 && (domain.size() < 2 || domain.back() != ']')) return At(Code::kBadDomain, base);
  const std::string_view text = v6 ? domain.substr(1, domain.size() - 2) : domain;
  // inet_pton wants a C string. No address is longer than
  // kMaxAddressText - 1 characters (an IPv6 address with an embedded IPv4
  // one is 45), so a longer text is refused without a copy to the heap.
  constexpr size_t kMaxAddressText = 64;
  if (text.size() >= kMaxAddressText) return At(Code::kBadDomain, base);
  char buffer[kMaxAddressText];
  text.copy(buffer, text.size());
  buffer[text.size()] = '\0';
  const bool valid = inet_pton(v6 ? AF_INET6 : AF_INET, buffer, address) == 1;
  return valid ? kOk : At(Code::kBadDomain, base);
}

// CheckDomainpart checks |domain| (at |base|, not empty, final dot already
// stripped) against RFC 7622 3.2 and returns kOk or the first problem.
JidError CheckDomainpart(std::string_view domain, size_t base) {
  if (domain.size() > kMaxPartOctets) {
    return At(Code::kDomainpartTooLong, base + kMaxPartOctets);
  }
  uint32_t cp = 0;
  for (size_t pos = 0; pos < domain.size();) {
    const size_t length = base::DecodeUtf8(domain, pos, &cp);
    if (IsControl(cp)) return At(Code::kForbiddenChar, base + pos);
    pos += length;
  }
  // A name of digits and dots only is taken as an IPv4 address: an
  // all-numeric top-level label is not a host name (RFC 3696 2), so
  // "1.2.3.999" is a mistyped address rather than a DNS name.
  if (domain.front() == '[' ||
      domain.find_first_not_of("0123456789.") == std::string_view::npos) {
    return CheckIpLiteral(domain, base);
  }
  for (size_t start = 0;;) {
    const size_t dot = domain.find('.', start);
    const size_t end = dot == std::string_view::npos ? domain.size() : dot;
    const JidError label = CheckLabel(domain.substr(start, end - start),
                                      base + start);
    if (label.code != Code::kNone || dot == std::string_view::npos) {
      return label;
    }
    start = dot + 1;
  }
}

// CheckResourcepart checks |resource| (at |base|) against RFC 7622 3.4 (any
// text but controls, '@' and '/' included) and returns kOk or the first
// problem.
JidError CheckResourcepart(std::string_view resource, size_t base) {
  if (resource.size() > kMaxPartOctets) {
    return At(Code::kResourcepartTooLong, base + kMaxPartOctets);
  }
  uint32_t cp = 0;
  for (size_t pos = 0; pos < resource.size();) {
    const size_t length = base::DecodeUtf8(resource, pos, &cp);
    if (IsControl(cp)) return At(Code::kForbiddenChar, base + pos);
    pos += length;
  }
  return kOk;
}

// LowerAscii lower-cases the ASCII letters of |s| and leaves every other
// octet alone, which keeps UTF-8 sequences intact.
std::string LowerAscii(std::string_view s) {
  std::string out(s);
  for (char& c : out) {
    if (c >= 'A' && c <= 'Z') c = static_cast<char>(c - 'A' + 'a');
  }
  return out;
}

}  // namespace

std::string_view JidErrorName(JidError::Code code) {
  switch (code) {
    case Code::kNone: return "none";
    case Code::kEmpty: return "empty";
    case Code::kInvalidUtf8: return "invalid-utf8";
    case Code::kLocalpartTooLong: return "localpart-too-long";
    case Code::kDomainpartTooLong: return "domainpart-too-long";
    case Code::kResourcepartTooLong: return "resourcepart-too-long";
    case Code::kForbiddenLocalChar: return "forbidden-local-char";
    case Code::kBadDomain: return "bad-domain";
    case Code::kForbiddenChar: return "forbidden-char";
  }
  return "unknown";
}

std::string Jid::Format() const {
  std::string out;
  out.reserve(local.size() + domain.size() + resource.size() + 2);
  if (!local.empty()) out.append(local).push_back('@');
  out.append(domain);
  if (!resource.empty()) out.append(1, '/').append(resource);
  return out;
}

namespace {

// Parts are the three parts of a JID as views into the input, the domainpart
// with its final dot stripped.
struct Parts {
  std::string_view local;
  std::string_view domain;
  std::string_view resource;
};

// Split splits |s| into its parts and checks each; returns kOk or the first
// problem, in the order Parse() documents.
JidError Split(std::string_view s, Parts* parts) {
  if (s.empty()) return At(Code::kEmpty, 0);
  if (const size_t bad = base::FirstInvalidUtf8(s); bad != std::string_view::npos) {
    return At(Code::kInvalidUtf8, bad);
  }

  // RFC 7622 3.1: the resourcepart starts after the first '/', and the
  // localpart ends at the first '@' before that '/'. So a resourcepart may
  // hold '@' and '/', and nothing else may hold either.
  constexpr size_t npos = std::string_view::npos;
  const size_t slash = s.find('/');
  const std::string_view bare = s.substr(0, slash);
  const size_t at = bare.find('@');
  const size_t domain_start = at == npos ? 0 : at + 1;
  const size_t resource_start = slash == npos ? s.size() : slash + 1;
  const std::string_view local = bare.substr(0, at == npos ? 0 : at);
  std::string_view domain = bare.substr(domain_start);
  const std::string_view resource = s.substr(resource_start);

  // A separator promises the part it introduces: "@d", "d/" and "@" alone
  // carry an empty part, which RFC 7622 3.3 and 3.4 forbid.
  if (at != npos && local.empty()) return At(Code::kEmpty, 0);
  if (JidError e = CheckLocalpart(local, 0); e.code != Code::kNone) return e;

  // RFC 7622 3.2: a final dot is stripped before anything else is done with
  // the domainpart (one dot only: "a.." keeps an empty label).
  if (!domain.empty() && domain.back() == '.') domain.remove_suffix(1);
  if (domain.empty()) return At(Code::kEmpty, domain_start);
  if (JidError e = CheckDomainpart(domain, domain_start); e.code != Code::kNone) return e;

  if (slash != npos && resource.empty()) return At(Code::kEmpty, resource_start);
  if (JidError e = CheckResourcepart(resource, resource_start); e.code != Code::kNone) return e;

  *parts = Parts{local, domain, resource};
  return kOk;
}

}  // namespace

bool Valid(std::string_view s, JidError* error) {
  Parts parts;
  const JidError e = Split(s, &parts);
  if (error != nullptr) *error = e;
  return e.code == Code::kNone;
}

std::optional<Jid> Parse(std::string_view s, JidError* error) {
  Parts parts;
  if (JidError e = Split(s, &parts); e.code != Code::kNone) return Failure(error, e);
  if (error != nullptr) *error = kOk;
  return Jid{std::string(parts.local), LowerAscii(parts.domain), std::string(parts.resource)};
}

}  // namespace xmppfuzz::jid
