// xmppfuzz tls-inspect: reads one direction of a TLS connection (a capture
// of the bytes a peer sent, from the first record on), prints every record,
// every plaintext handshake message and the fields of a ClientHello, or the
// precise error with its offset. Memory stays bounded whatever the file's
// size: the reader holds one record and one handshake message at a time.
#include <cerrno>
#include <cstdio>
#include <cstring>
#include <iostream>
#include <memory>
#include <sstream>

#include "cli/commands.h"
#include "targets/base/base.h"
#include "targets/tls/tls.h"

namespace xmppfuzz::cli {
namespace {

std::string TypeName(tls::ContentType t) {
  switch (t) {
    case tls::ContentType::kChangeCipherSpec: return "change_cipher_spec";
    case tls::ContentType::kAlert: return "alert";
    case tls::ContentType::kHandshake: return "handshake";
    case tls::ContentType::kApplicationData: return "application_data";
    case tls::ContentType::kHeartbeat: return "heartbeat";
  }
  return "unknown";
}

std::string MessageName(tls::HandshakeType t) {
  switch (t) {
    case tls::HandshakeType::kClientHello: return "client_hello";
    case tls::HandshakeType::kServerHello: return "server_hello";
    case tls::HandshakeType::kNewSessionTicket: return "new_session_ticket";
    case tls::HandshakeType::kEndOfEarlyData: return "end_of_early_data";
    case tls::HandshakeType::kEncryptedExtensions: return "encrypted_extensions";
    case tls::HandshakeType::kCertificate: return "certificate";
    case tls::HandshakeType::kServerKeyExchange: return "server_key_exchange";
    case tls::HandshakeType::kCertificateRequest: return "certificate_request";
    case tls::HandshakeType::kServerHelloDone: return "server_hello_done";
    case tls::HandshakeType::kCertificateVerify: return "certificate_verify";
    case tls::HandshakeType::kClientKeyExchange: return "client_key_exchange";
    case tls::HandshakeType::kFinished: return "finished";
    case tls::HandshakeType::kKeyUpdate: return "key_update";
    case tls::HandshakeType::kMessageHash: return "message_hash";
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
    out += versions ? tls::VersionName(v) : Hex16(v);
  }
  return out;
}

void PrintClientHello(const tls::ClientHello& h, std::ostream& out) {
  out << "client-hello legacy_version=" << tls::VersionName(h.legacy_version)
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
  for (const tls::KeyShareEntry& k : h.key_shares)
    out << "  key_share " << Hex16(k.group) << " " << k.key_exchange.size() << " bytes\n";
  if (h.extended_master_secret) out << "  extended_master_secret\n";
  if (h.renegotiation_info) out << "  renegotiation_info " << h.renegotiation_info->size() << " bytes\n";
  if (h.record_size_limit) out << "  record_size_limit " << *h.record_size_limit << '\n';
  for (const tls::Extension& e : h.extensions)
    out << "  extension " << Hex16(e.type) << " length=" << e.body.size() << " offset=" << e.offset << '\n';
}

struct InspectArgs {
  std::string input;
};

int RunInspect(const InspectArgs& args) {
  FILE* in = stdin;
  std::unique_ptr<FILE, int (*)(FILE*)> closer(nullptr, &std::fclose);
  if (args.input != "-") {
    in = std::fopen(args.input.c_str(), "rb");
    if (in == nullptr) return UsageError("cannot open '" + args.input + "': " + std::strerror(errno));
    closer.reset(in);
  }
  tls::RecordReader reader;
  bool ok = true;
  bool saw_hello = false;
  std::vector<char> buffer(64 * 1024);
  auto drain = [&] {
    for (const tls::Record& r : reader.TakeRecords()) {
      std::cout << "record " << TypeName(r.type) << " version=" << tls::VersionName(r.version)
                << " length=" << r.body.size() << " offset=" << r.offset << '\n';
      // After change_cipher_spec the records are protected (TLS 1.2 bound).
      if (r.type == tls::ContentType::kChangeCipherSpec) reader.SetProtection(tls::Protection::kTls12);
    }
    for (const tls::HandshakeMessage& m : reader.TakeMessages()) {
      std::cout << "message " << MessageName(m.type) << " length=" << m.body.size() << " offset=" << m.offset << '\n';
      if (m.type != tls::HandshakeType::kClientHello || saw_hello) continue;
      saw_hello = true;
      tls::ClientHello hello;
      tls::Failure f;
      if (!tls::ParseClientHello(m.body, m.offset + 4, &hello, &f)) {
        std::cout << "error " << tls::Describe(f) << '\n';
        ok = false;
        return;
      }
      PrintClientHello(hello, std::cout);
    }
  };
  while (ok) {
    size_t n = std::fread(buffer.data(), 1, buffer.size(), in);
    if (n == 0) {
      if (std::ferror(in)) return UsageError("cannot read '" + args.input + "': " + std::strerror(errno));
      break;
    }
    ok = reader.Feed(std::string_view(buffer.data(), n));
    drain();
  }
  if (ok) {
    ok = reader.Finish();
    drain();
  }
  if (!reader.failure().ok()) std::cout << "error " << tls::Describe(reader.failure()) << '\n';
  std::cout.flush();
  if (!std::cout) {
    std::cerr << "xmppfuzz: cannot write the output: " << std::strerror(errno) << "\n";
    return 2;
  }
  return ok ? 0 : 1;
}

}  // namespace

Runner AddTlsInspectCommand(CLI::App& app) {
  auto args = std::make_shared<InspectArgs>();
  CLI::App* cmd = app.add_subcommand("tls-inspect", "Print the TLS records and ClientHello fields of a capture");
  cmd->add_option("input", args->input, "Capture of one direction of a TLS connection, or - for standard input")
      ->required();
  return [args] { return RunInspect(*args); };
}

}  // namespace xmppfuzz::cli
