// ClientHello parsing and building (RFC 8446 4.1.2, RFC 5246 7.4.1.2) and
// the extensions this layer decodes.
#include <arpa/inet.h>

#include <algorithm>
#include <set>

#include "targets/tls/tls.h"

namespace xmppfuzz::tls {
namespace {

using base::SpanReader;

// Parser carries the failure out of nested helpers: each returns false after
// recording the first broken rule.
class Parser {
 public:
  explicit Parser(Failure* failure) : failure_(failure) {}

  bool Fail(Error e, uint64_t offset) {
    *failure_ = Failure{e, offset};
    return false;
  }

  bool ParseU16List(SpanReader body, uint64_t ext_offset, std::vector<uint16_t>* out, bool u8_prefix) {
    SpanReader list;
    const bool got = u8_prefix ? body.GetU8LengthPrefixed(&list) : body.GetU16LengthPrefixed(&list);
    if (!got || !body.empty() || list.empty() || list.size() % 2 != 0) return Fail(Error::kBadExtension, ext_offset);
    while (!list.empty()) {
      uint16_t v;
      list.GetU16(&v);
      out->push_back(v);
    }
    return true;
  }

  bool ParseServerName(SpanReader body, uint64_t ext_offset, ClientHello* out) {
    SpanReader list;
    if (!body.GetU16LengthPrefixed(&list) || !body.empty() || list.empty()) {
      return Fail(Error::kSniBadList, ext_offset);
    }
    while (!list.empty()) {
      const uint64_t entry_at = list.offset();
      uint8_t name_type;
      SpanReader name;
      if (!list.GetU8(&name_type) || !list.GetU16LengthPrefixed(&name)) return Fail(Error::kSniBadList, entry_at);
      if (name_type != 0) return Fail(Error::kSniNotHostName, entry_at);
      if (out->server_name) return Fail(Error::kSniMultiple, entry_at);  // RFC 6066 3
      std::string host(base::AsString(name.rest()));
      if (!CheckHostName(host, name.offset())) return false;
      out->server_name = std::move(host);
    }
    return true;
  }

  // CheckHostName applies RFC 6066 section 3 to a HostName: a DNS name in
  // ASCII (A-labels), no trailing dot, no literal address.
  bool CheckHostName(const std::string& host, uint64_t at) {
    if (host.empty()) return Fail(Error::kSniEmpty, at);
    if (size_t nul = host.find('\0'); nul != std::string::npos) return Fail(Error::kSniNul, at + nul);
    if (host.back() == '.') return Fail(Error::kSniTrailingDot, at + host.size() - 1);
    unsigned char addr[16];
    if (inet_pton(AF_INET, host.c_str(), addr) == 1 || inet_pton(AF_INET6, host.c_str(), addr) == 1) {
      return Fail(Error::kSniIpLiteral, at);
    }
    if (host.size() > 253) return Fail(Error::kSniBadDnsName, at + 253);
    size_t label_start = 0;
    for (size_t i = 0; i <= host.size(); ++i) {
      if (i == host.size() || host[i] == '.') {
        const size_t len = i - label_start;
        if (len == 0 || len > 63) return Fail(Error::kSniBadDnsName, at + label_start);
        if (host[label_start] == '-' || host[i - 1] == '-') return Fail(Error::kSniBadDnsName, at + label_start);
        label_start = i + 1;
        continue;
      }
      const unsigned char c = static_cast<unsigned char>(host[i]);
      const bool ldh = (c >= 'a' && c <= 'z') || (c >= 'A' && c <= 'Z') || (c >= '0' && c <= '9') || c == '-';
      if (!ldh) return Fail(Error::kSniBadDnsName, at + i);
    }
    return true;
  }

  bool ParseAlpn(SpanReader body, uint64_t ext_offset, ClientHello* out) {
    SpanReader list;
    if (!body.GetU16LengthPrefixed(&list) || !body.empty()) return Fail(Error::kBadExtension, ext_offset);
    if (list.empty()) return Fail(Error::kAlpnEmptyList, ext_offset);
    while (!list.empty()) {
      const uint64_t at = list.offset();
      SpanReader name;
      if (!list.GetU8LengthPrefixed(&name)) return Fail(Error::kBadExtension, at);
      if (name.empty()) return Fail(Error::kAlpnEmptyName, at);
      out->alpn.emplace_back(base::AsString(name.rest()));
    }
    return true;
  }

  bool ParseKeyShare(SpanReader body, uint64_t ext_offset, ClientHello* out) {
    SpanReader list;
    if (!body.GetU16LengthPrefixed(&list) || !body.empty()) return Fail(Error::kBadExtension, ext_offset);
    while (!list.empty()) {
      const uint64_t at = list.offset();
      KeyShareEntry entry;
      SpanReader key;
      if (!list.GetU16(&entry.group) || !list.GetU16LengthPrefixed(&key) || key.empty()) {
        return Fail(Error::kBadExtension, at);  // key_exchange<1..2^16-1>
      }
      entry.key_exchange = base::AsString(key.rest());
      out->key_shares.push_back(std::move(entry));
    }
    return true;
  }

  bool DecodeExtension(const Extension& ext, uint64_t body_offset, ClientHello* out) {
    SpanReader body(ext.body, body_offset);
    switch (static_cast<ExtensionType>(ext.type)) {
      case ExtensionType::kServerName:
        return ParseServerName(body, ext.offset, out);
      case ExtensionType::kAlpn:
        return ParseAlpn(body, ext.offset, out);
      case ExtensionType::kSupportedVersions:
        return ParseU16List(body, ext.offset, &out->supported_versions, /*u8_prefix=*/true);
      case ExtensionType::kSignatureAlgorithms:
        return ParseU16List(body, ext.offset, &out->signature_algorithms, false);
      case ExtensionType::kSupportedGroups:
        return ParseU16List(body, ext.offset, &out->supported_groups, false);
      case ExtensionType::kKeyShare:
        return ParseKeyShare(body, ext.offset, out);
      case ExtensionType::kExtendedMasterSecret:
        if (!body.empty()) return Fail(Error::kBadExtension, ext.offset);  // RFC 7627 5.1: empty
        out->extended_master_secret = true;
        return true;
      case ExtensionType::kRecordSizeLimit: {
        uint16_t limit;
        // RFC 8449 4: a value below 64 is illegal.
        if (!body.GetU16(&limit) || !body.empty() || limit < 64) return Fail(Error::kBadExtension, ext.offset);
        out->record_size_limit = limit;
        return true;
      }
      case ExtensionType::kRenegotiationInfo: {
        SpanReader conn;
        if (!body.GetU8LengthPrefixed(&conn) || !body.empty()) return Fail(Error::kBadExtension, ext.offset);
        out->renegotiation_info = std::string(base::AsString(conn.rest()));
        return true;
      }
    }
    return true;  // an extension this layer does not decode
  }

  bool Parse(std::string_view message, uint64_t base_offset, ClientHello* out) {
    SpanReader in(message, base_offset);
    base::Bytes random;
    SpanReader session, suites, compression;
    if (!in.GetU16(&out->legacy_version) || !in.GetBytes(32, &random)) return Fail(Error::kHelloTruncated, in.offset());
    std::copy(random.begin(), random.end(), out->random.begin());
    const uint64_t session_at = in.offset();
    if (!in.GetU8LengthPrefixed(&session)) return Fail(Error::kHelloTruncated, session_at);
    if (session.size() > 32) return Fail(Error::kBadSessionId, session_at);
    out->session_id = base::AsString(session.rest());
    const uint64_t suites_at = in.offset();
    if (!in.GetU16LengthPrefixed(&suites)) return Fail(Error::kHelloTruncated, suites_at);
    if (suites.empty() || suites.size() % 2 != 0) return Fail(Error::kBadCipherSuites, suites_at);
    while (!suites.empty()) {
      uint16_t suite;
      suites.GetU16(&suite);
      out->cipher_suites.push_back(suite);
    }
    const uint64_t compression_at = in.offset();
    if (!in.GetU8LengthPrefixed(&compression)) return Fail(Error::kHelloTruncated, compression_at);
    out->compression_methods = base::AsString(compression.rest());
    if (out->compression_methods.find('\0') == std::string::npos) return Fail(Error::kBadCompression, compression_at);
    if (in.empty()) return true;  // no extensions block (RFC 5246 7.4.1.2)
    const uint64_t block_at = in.offset();
    SpanReader block;
    if (!in.GetU16LengthPrefixed(&block)) return Fail(Error::kBadExtensionsBlock, block_at);
    if (!in.empty()) return Fail(Error::kTrailingData, in.offset());
    out->has_extensions = true;
    std::set<uint16_t> seen;
    while (!block.empty()) {
      Extension ext;
      ext.offset = block.offset();
      SpanReader body;
      if (!block.GetU16(&ext.type) || !block.GetU16LengthPrefixed(&body)) {
        return Fail(Error::kBadExtensionsBlock, ext.offset);
      }
      if (!seen.insert(ext.type).second) return Fail(Error::kDuplicateExtension, ext.offset);  // RFC 8446 4.2
      const uint64_t body_at = body.offset();
      ext.body = base::AsString(body.rest());
      out->extensions.push_back(std::move(ext));
      if (!DecodeExtension(out->extensions.back(), body_at, out)) return false;
    }
    return true;
  }

 private:
  Failure* failure_;
};

}  // namespace

bool ClientHello::Offers(uint16_t version) const {
  if (!supported_versions.empty()) {
    return std::find(supported_versions.begin(), supported_versions.end(), version) != supported_versions.end();
  }
  return legacy_version == version;
}

const Extension* ClientHello::Find(ExtensionType type) const {
  for (const Extension& e : extensions) {
    if (e.type == static_cast<uint16_t>(type)) return &e;
  }
  return nullptr;
}

bool ParseClientHello(std::string_view body, uint64_t base_offset, ClientHello* out, Failure* failure) {
  *out = ClientHello{};
  Failure ignored;
  Parser parser(failure != nullptr ? failure : &ignored);
  return parser.Parse(body, base_offset, out);
}

std::string BuildClientHello(const ClientHello& hello) {
  std::vector<uint8_t> out;
  base::SpanWriter w(&out);
  auto bytes = [](std::string_view s) {
    return [s](base::SpanWriter& b) {
      b.AddBytes(base::AsBytes(s));
      return true;
    };
  };
  w.AddU16(hello.legacy_version);
  w.AddBytes(base::Bytes(hello.random.data(), hello.random.size()));
  w.AddU8LengthPrefixed(bytes(hello.session_id));
  w.AddU16LengthPrefixed([&](base::SpanWriter& b) {
    for (uint16_t s : hello.cipher_suites) b.AddU16(s);
    return true;
  });
  w.AddU8LengthPrefixed(bytes(hello.compression_methods));
  if (hello.has_extensions) {
    w.AddU16LengthPrefixed([&](base::SpanWriter& b) {
      for (const Extension& e : hello.extensions) {
        b.AddU16(e.type);
        if (!b.AddU16LengthPrefixed(bytes(e.body))) return false;
      }
      return true;
    });
  }
  return std::string(out.begin(), out.end());
}

}  // namespace xmppfuzz::tls
