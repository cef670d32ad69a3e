// Inspector: the lines `xmppfuzz tls-inspect` prints and TLS vectors expect.
#include <cstdio>
#include <sstream>
#include <utility>

#include "targets/tls/tls.h"

namespace xmppfuzz::tls {
namespace {

std::string TypeName(ContentType t) {
  switch (t) {
    case ContentType::kChangeCipherSpec: return "change_cipher_spec";
    case ContentType::kAlert: return "alert";
    case ContentType::kHandshake: return "handshake";
    case ContentType::kApplicationData: return "application_data";
    case ContentType::kHeartbeat: return "heartbeat";
  }
  return "unknown";
}

std::string MessageName(HandshakeType t) {
  switch (t) {
    case HandshakeType::kClientHello: return "client_hello";
    case HandshakeType::kServerHello: return "server_hello";
    case HandshakeType::kNewSessionTicket: return "new_session_ticket";
    case HandshakeType::kEndOfEarlyData: return "end_of_early_data";
    case HandshakeType::kEncryptedExtensions: return "encrypted_extensions";
    case HandshakeType::kCertificate: return "certificate";
    case HandshakeType::kServerKeyExchange: return "server_key_exchange";
    case HandshakeType::kCertificateRequest: return "certificate_request";
    case HandshakeType::kServerHelloDone: return "server_hello_done";
    case HandshakeType::kCertificateVerify: return "certificate_verify";
    case HandshakeType::kClientKeyExchange: return "client_key_exchange";
    case HandshakeType::kFinished: return "finished";
    case HandshakeType::kKeyUpdate: return "key_update";
    case HandshakeType::kMessageHash: return "message_hash";
  }
  return "type_" + std::to_string(static_cast<int>(t));
}

std::string Hex16(uint16_t v) {
  char buf[8];
  std::snprintf(buf, sizeof buf, "0x%04x", v);
  return buf;
}

std::string List16(const std::vector<uint16_t>& values, bool versions) {
  std::string out;
  for (uint16_t v : values) {
    if (!out.empty()) out += ',';
    out += versions ? VersionName(v) : Hex16(v);
  }
  return out;
}

void PrintClientHello(const ClientHello& h, std::ostream& out) {
  out << "client-hello legacy_version=" << VersionName(h.legacy_version)
      << " session_id=" << h.session_id.size() << " cipher_suites=" << List16(h.cipher_suites, false)
      << " compression=" << base::EscapeBytes(h.compression_methods) << " extensions=" << h.extensions.size() << '\n';
  // Every value from the input is escaped: the SNI is checked to be LDH,
  // but ALPN names are arbitrary bytes.
  if (h.server_name) out << "  server_name " << base::EscapeBytes(*h.server_name) << '\n';
  for (const std::string& p : h.alpn) out << "  alpn " << base::EscapeBytes(p, 256) << '\n';
  if (!h.supported_versions.empty()) out << "  supported_versions " << List16(h.supported_versions, true) << '\n';
  if (!h.signature_algorithms.empty())
    out << "  signature_algorithms " << List16(h.signature_algorithms, false) << '\n';
  if (!h.supported_groups.empty()) out << "  supported_groups " << List16(h.supported_groups, false) << '\n';
  for (const KeyShareEntry& k : h.key_shares)
    out << "  key_share " << Hex16(k.group) << " " << k.key_exchange.size() << " bytes\n";
  if (h.extended_master_secret) out << "  extended_master_secret\n";
  if (h.renegotiation_info) out << "  renegotiation_info " << h.renegotiation_info->size() << " bytes\n";
  if (h.record_size_limit) out << "  record_size_limit " << *h.record_size_limit << '\n';
  for (const Extension& e : h.extensions)
    out << "  extension " << Hex16(e.type) << " length=" << e.body.size() << " offset=" << e.offset << '\n';
}

}  // namespace

bool Inspector::Feed(std::string_view bytes) {
  if (done_) return false;
  // A byte at a time: a change_cipher_spec record switches the reader to
  // the protected bounds before the next record's first byte, and each
  // record's lines come out before the next record's, whatever the chunking
  // (fed whole, the records after change_cipher_spec were read as plaintext
  // handshake, and all record lines came before all message lines).
  for (size_t i = 0; i < bytes.size(); ++i) {
    if (!reader_.Feed(bytes.substr(i, 1))) {
      Drain();
      return Stop(reader_.failure());
    }
    Drain();
    if (done_) return false;
  }
  return !done_;
}

bool Inspector::Finish() {
  if (done_) return false;
  bool ok = reader_.Finish();
  Drain();
  if (!ok) return Stop(reader_.failure());
  done_ = true;
  return failure_.ok();
}

bool Inspector::Stop(const Failure& f) {
  if (done_) return false;  // the first error is the one reported
  lines_.push_back("error " + Describe(f));
  failure_ = f;
  done_ = true;
  return false;
}

void Inspector::Drain() {
  for (const Record& r : reader_.TakeRecords()) {
    lines_.push_back("record " + TypeName(r.type) + " version=" + VersionName(r.version) +
                     " length=" + std::to_string(r.body.size()) + " offset=" + std::to_string(r.offset));
    // After change_cipher_spec the records are protected (TLS 1.2 bound).
    if (r.type == ContentType::kChangeCipherSpec) reader_.SetProtection(Protection::kTls12);
  }
  for (const HandshakeMessage& m : reader_.TakeMessages()) {
    if (done_) return;
    lines_.push_back("message " + MessageName(m.type) + " length=" + std::to_string(m.body.size()) +
                     " offset=" + std::to_string(m.offset));
    if (m.type != HandshakeType::kClientHello || saw_hello_) continue;
    saw_hello_ = true;
    ClientHello hello;
    Failure f;
    if (!ParseClientHello(m.body, m.offset + 4, &hello, &f)) {
      Stop(f);
      return;
    }
    std::ostringstream out;
    PrintClientHello(hello, out);
    std::string line;
    std::istringstream split(out.str());
    while (std::getline(split, line)) lines_.push_back(line);
  }
}

std::vector<std::string> Inspector::TakeLines() { return std::exchange(lines_, {}); }

}  // namespace xmppfuzz::tls
