// The TLS record reader and the error names.
#include <algorithm>
#include <cstdio>
#include <utility>

#include "targets/tls/tls.h"

namespace xmppfuzz::tls {
namespace {

constexpr size_t kHeaderBytes = 5;
constexpr size_t kMaxPlaintext = size_t{1} << 14;  // RFC 8446 5.1, RFC 5246 6.2.1

bool KnownType(uint8_t t) { return t >= 20 && t <= 24; }

}  // namespace

std::string_view ErrorName(Error e) {
  switch (e) {
    case Error::kNone: return "none";
    case Error::kUnknownContentType: return "unknown-content-type";
    case Error::kBadRecordVersion: return "bad-record-version";
    case Error::kSslv2Hello: return "sslv2-hello";
    case Error::kRecordOverflow: return "record-overflow";
    case Error::kRecordSizeLimit: return "record-size-limit";
    case Error::kEmptyRecord: return "empty-record";
    case Error::kInterleavedRecord: return "interleaved-record";
    case Error::kRecordAfterFatalAlert: return "record-after-fatal-alert";
    case Error::kBadAlert: return "bad-alert";
    case Error::kBadChangeCipherSpec: return "bad-change-cipher-spec";
    case Error::kHandshakeTooLong: return "handshake-too-long";
    case Error::kTruncated: return "truncated";
    case Error::kNotClientHello: return "not-client-hello";
    case Error::kHelloTruncated: return "hello-truncated";
    case Error::kBadSessionId: return "bad-session-id";
    case Error::kBadCipherSuites: return "bad-cipher-suites";
    case Error::kBadCompression: return "bad-compression";
    case Error::kBadExtensionsBlock: return "bad-extensions-block";
    case Error::kDuplicateExtension: return "duplicate-extension";
    case Error::kTrailingData: return "trailing-data";
    case Error::kBadExtension: return "bad-extension";
    case Error::kSniBadList: return "sni-bad-list";
    case Error::kSniNotHostName: return "sni-not-host-name";
    case Error::kSniMultiple: return "sni-multiple";
    case Error::kSniEmpty: return "sni-empty";
    case Error::kSniNul: return "sni-nul";
    case Error::kSniTrailingDot: return "sni-trailing-dot";
    case Error::kSniIpLiteral: return "sni-ip-literal";
    case Error::kSniBadDnsName: return "sni-bad-dns-name";
    case Error::kAlpnEmptyList: return "alpn-empty-list";
    case Error::kAlpnEmptyName: return "alpn-empty-name";
    case Error::kStarttlsStripped: return "starttls-stripped";
    case Error::kStarttlsRefused: return "starttls-refused";
    case Error::kUnexpectedElement: return "unexpected-element";
    case Error::kDataBeforeTls: return "data-before-tls";
    case Error::kPeerStreamError: return "peer-stream-error";
    case Error::kPeerStreamRefused: return "peer-stream-refused";
    case Error::kPeerEndedStream: return "peer-ended-stream";
    case Error::kSessionConfig: return "session-config";
    case Error::kWeakConfig: return "weak-config";
    case Error::kNotTls: return "not-tls";
    case Error::kInputTooLarge: return "input-too-large";
    case Error::kProtocolVersion: return "protocol-version";
    case Error::kNoSharedCipher: return "no-shared-cipher";
    case Error::kHandshakeFailureAlert: return "handshake-failure-alert";
    case Error::kCertificateRequired: return "certificate-required";
    case Error::kCertificateUntrusted: return "certificate-untrusted";
    case Error::kCertificateIdentity: return "certificate-identity";
    case Error::kPeerRefusedCertificate: return "peer-refused-certificate";
    case Error::kNoApplicationProtocol: return "no-application-protocol";
    case Error::kNoRenegotiation: return "no-renegotiation";
    case Error::kDecodeError: return "decode-error";
    case Error::kBadRecordMac: return "bad-record-mac";
    case Error::kUnexpectedMessage: return "unexpected-message";
    case Error::kPeerAlert: return "peer-alert";
    case Error::kPeerClosed: return "peer-closed";
    case Error::kNotEstablished: return "not-established";
    case Error::kHandshakeFailed: return "handshake-failed";
    case Error::kNoExtendedMasterSecret: return "no-extended-master-secret";
    case Error::kCbTlsUniqueTls13: return "cb-tls-unique-tls13";
    case Error::kCbExporterWithoutEms: return "cb-exporter-without-ems";
    case Error::kCbNoServerCertificate: return "cb-no-server-certificate";
    case Error::kCbNoSignatureHash: return "cb-no-signature-hash";
  }
  return "unknown";
}

std::string Describe(const Failure& f) {
  return std::string(ErrorName(f.code)) + " offset=" + std::to_string(f.offset);
}

std::string VersionName(uint16_t version) {
  switch (version) {
    case 0x0300: return "SSL 3.0";
    case 0x0301: return "TLS 1.0";
    case 0x0302: return "TLS 1.1";
    case 0x0303: return "TLS 1.2";
    case 0x0304: return "TLS 1.3";
  }
  char buf[8];
  std::snprintf(buf, sizeof buf, "0x%04X", version);
  return buf;
}

size_t RecordReader::MaxRecordBody(Protection p, const RecordLimits& limits) {
  switch (p) {
    case Protection::kPlaintext:
      return limits.record_size_limit != 0 && limits.record_size_limit < kMaxPlaintext ? limits.record_size_limit
                                                                                       : kMaxPlaintext;
    case Protection::kTls12: return kMaxPlaintext + 2048;  // RFC 5246 6.2.3
    case Protection::kTls13: return kMaxPlaintext + 256;   // RFC 8446 5.2
  }
  return kMaxPlaintext;
}

bool RecordReader::Fail(Error e, uint64_t offset) {
  failure_ = Failure{e, offset};
  return false;
}

bool RecordReader::Feed(std::string_view bytes) {
  if (!failure_.ok()) return false;
  base::SpanReader in(bytes, consumed_);
  while (!in.empty()) {
    if (pending_.size() < kHeaderBytes) {
      // The header arrives a byte at a time so that each check fires at the
      // byte that decides it, whatever the chunking.
      uint8_t b;
      in.GetU8(&b);
      const uint64_t at = in.offset() - 1;
      if (pending_.empty()) pending_offset_ = at;
      pending_ += static_cast<char>(b);
      const size_t n = pending_.size();
      const uint8_t type = static_cast<uint8_t>(pending_[0]);
      if (n == 1) {
        if (fatal_alert_) return Fail(Error::kRecordAfterFatalAlert, at);
        // A byte with the high bit set at the very start may be an SSL 2.0
        // record header; the third byte (msg_type 1) tells.
        if (!KnownType(type) && !(at == 0 && (type & 0x80) != 0)) return Fail(Error::kUnknownContentType, at);
      } else if (n == 3 && !KnownType(type)) {
        return Fail(pending_[2] == 1 ? Error::kSslv2Hello : Error::kUnknownContentType, pending_offset_);
      } else if (n == 2 && KnownType(type) && b != 3) {
        return Fail(Error::kBadRecordVersion, at);
      } else if (n == kHeaderBytes) {
        base::SpanReader header(pending_, pending_offset_);
        uint8_t t;
        uint16_t version, length;
        header.GetU8(&t);
        header.GetU16(&version);
        header.GetU16(&length);
        const size_t max = MaxRecordBody(protection_, limits_);
        if (length > max) {
          const bool by_limit = protection_ == Protection::kPlaintext && limits_.record_size_limit != 0 &&
                                length <= kMaxPlaintext;
          return Fail(by_limit ? Error::kRecordSizeLimit : Error::kRecordOverflow, pending_offset_ + 3);
        }
        if (length == 0 && protection_ == Protection::kPlaintext &&
            static_cast<ContentType>(t) != ContentType::kApplicationData) {
          return Fail(Error::kEmptyRecord, pending_offset_ + 3);
        }
        if (!handshake_.empty() && static_cast<ContentType>(t) != ContentType::kHandshake) {
          return Fail(Error::kInterleavedRecord, pending_offset_);
        }
      }
      if (pending_.size() < kHeaderBytes) continue;
    }
    base::SpanReader header(pending_, pending_offset_);
    uint8_t type;
    uint16_t version, length;
    header.GetU8(&type);
    header.GetU16(&version);
    header.GetU16(&length);
    const size_t have = pending_.size() - kHeaderBytes;
    const size_t want = std::min<size_t>(length - have, in.size());
    base::Bytes body;
    in.GetBytes(want, &body);
    pending_.append(base::AsString(body));
    if (pending_.size() - kHeaderBytes < length) continue;
    Record record{static_cast<ContentType>(type), version, pending_offset_, pending_.substr(kHeaderBytes)};
    pending_.clear();
    if (!OnRecord(std::move(record))) return false;
  }
  consumed_ += bytes.size();
  return true;
}

bool RecordReader::OnRecord(Record record) {
  const uint64_t body_at = record.offset + kHeaderBytes;
  if (protection_ == Protection::kPlaintext) {
    switch (record.type) {
      case ContentType::kAlert: {
        // RFC 8446 6: alerts are never fragmented or coalesced.
        if (record.body.size() != 2) return Fail(Error::kBadAlert, record.offset + 3);
        const uint8_t level = static_cast<uint8_t>(record.body[0]);
        if (level != 1 && level != 2) return Fail(Error::kBadAlert, body_at);
        if (level == 2) fatal_alert_ = true;
        break;
      }
      case ContentType::kChangeCipherSpec:
        if (record.body != std::string_view("\x01", 1)) return Fail(Error::kBadChangeCipherSpec, body_at);
        break;
      case ContentType::kHandshake:
        // The record itself is well formed: it is reported even when a
        // message inside it is refused, so records still partition the input
        // up to the error.
        records_.push_back(std::move(record));
        return ReassembleHandshake(records_.back());
      default:
        break;
    }
  }
  records_.push_back(std::move(record));
  return true;
}

bool RecordReader::ReassembleHandshake(const Record& record) {
  const uint64_t body_at = record.offset + kHeaderBytes;
  // |handshake_| holds the start of a message begun in earlier records; its
  // first byte is at |handshake_offset_|. Messages never straddle a gap in
  // offsets we need: a message's offset is where its header starts.
  size_t pos = 0;  // next unread byte of record.body
  while (pos < record.body.size() || handshake_.size() >= 4) {
    if (handshake_.empty()) handshake_offset_ = body_at + pos;
    if (handshake_.size() < 4) {
      const size_t take = std::min(4 - handshake_.size(), record.body.size() - pos);
      handshake_.append(record.body, pos, take);
      pos += take;
      if (handshake_.size() < 4) break;
    }
    base::SpanReader header(handshake_, handshake_offset_);
    uint8_t type;
    uint32_t length;
    header.GetU8(&type);
    header.GetU24(&length);
    if (length > limits_.max_handshake_bytes) return Fail(Error::kHandshakeTooLong, handshake_offset_ + 1);
    const size_t have = handshake_.size() - 4;
    const size_t take = std::min<size_t>(length - have, record.body.size() - pos);
    handshake_.append(record.body, pos, take);
    pos += take;
    if (handshake_.size() - 4 < length) break;
    messages_.push_back(HandshakeMessage{static_cast<HandshakeType>(type), handshake_offset_, handshake_.substr(4)});
    handshake_.clear();
  }
  return true;
}

bool RecordReader::Finish() {
  if (!failure_.ok()) return false;
  if (!pending_.empty()) return Fail(Error::kTruncated, pending_offset_);
  if (!handshake_.empty()) return Fail(Error::kTruncated, handshake_offset_);
  return true;
}

std::vector<Record> RecordReader::TakeRecords() { return std::exchange(records_, {}); }
std::vector<HandshakeMessage> RecordReader::TakeMessages() { return std::exchange(messages_, {}); }

std::string WrapHandshake(HandshakeType type, std::string_view body) {
  std::vector<uint8_t> out;
  base::SpanWriter w(&out);
  w.AddU8(static_cast<uint8_t>(type));
  w.AddU24LengthPrefixed([&](base::SpanWriter& b) {
    b.AddBytes(base::AsBytes(body));
    return true;
  });
  return std::string(out.begin(), out.end());
}

std::string WrapRecords(ContentType type, std::string_view payload, uint16_t version) {
  std::vector<uint8_t> out;
  base::SpanWriter w(&out);
  do {
    std::string_view part = payload.substr(0, kMaxPlaintext);
    payload.remove_prefix(part.size());
    w.AddU8(static_cast<uint8_t>(type));
    w.AddU16(version);
    w.AddU16LengthPrefixed([&](base::SpanWriter& b) {
      b.AddBytes(base::AsBytes(part));
      return true;
    });
  } while (!payload.empty());
  return std::string(out.begin(), out.end());
}

}  // namespace xmppfuzz::tls
