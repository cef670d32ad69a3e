// xmppfuzz sasl: one SASL exchange (SCRAM-SHA-1/256/512[-PLUS] or PLAIN) over
// standard input and output, one base64 line per message, in GNU SASL's
// `gsasl` stdin/stdout conventions (see the README, "`xmppfuzz sasl`"):
//
//   client prints  MECH, client-first, client-final, "" (after verifying v=)
//   client reads   MECH, "" (the server's empty initial challenge),
//                  server-first, server-final
//   server prints  MECH, "" (empty initial challenge), server-first,
//                  server-final (v=... or e=...)
//   server reads   MECH, client-first, client-final, then one optional
//                  trailing line (empty, or end of input)
//
// PLAIN: the client prints MECH and the message and reads MECH, "" and the
// server's empty final line (its "accepted"); the server prints MECH, "" and,
// when the credentials verify, "", and reads MECH and the message.
//
// Exit status: 0 authenticated (server: the client proved the password;
// client: the server signature verified / PLAIN accepted), 1 not (one line on
// stderr naming the sasl::Error code, never a secret or peer bytes), 2 bad
// usage.
#include <openssl/crypto.h>
#include <unistd.h>

#include <cerrno>
#include <csignal>
#include <cstdio>
#include <cstring>
#include <iostream>
#include <memory>
#include <optional>
#include <string>
#include <vector>

#include "cli/commands.h"
#include "targets/sasl/sasl.h"

namespace xmppfuzz::cli {
namespace {

using sasl::Error;
using sasl::Failure;

struct SaslArgs {
  bool client = false;
  bool server = false;
  std::string mechanism;
  std::string user;
  std::string password;
  std::string authzid;
  std::string salt;  // base64
  uint32_t iterations = sasl::kMinIterations;
  std::string nonce;
  std::string cb_type;
  std::string cb_data;  // hex
};

// kMaxLineBytes bounds one input line: the base64 form of the largest
// message the library takes (4 chars per 3 bytes), plus room for a '\r' so a
// CRLF line is refused as bad base64 rather than as too long.
constexpr size_t kMaxLineBytes = (sasl::kDefaultMaxMessageBytes + 2) / 3 * 4 + 1;

// LineReader reads '\n'-terminated lines from a file descriptor with a cap:
// a line longer than |cap| is refused as soon as cap+1 bytes are buffered,
// without reading the rest of it.
class LineReader {
 public:
  LineReader(int fd, size_t cap) : fd_(fd), cap_(cap) {}

  enum class Result { kLine, kEof, kTooLong, kReadError };

  // Next stores the next line (without its '\n') in |line|. A last line
  // without '\n' before end of input counts as a line.
  Result Next(std::string* line) {
    while (true) {
      const size_t nl = buffer_.find('\n');
      if (nl != std::string::npos) {
        if (nl > cap_) return Result::kTooLong;
        line->assign(buffer_, 0, nl);
        buffer_.erase(0, nl + 1);
        return Result::kLine;
      }
      if (buffer_.size() > cap_) return Result::kTooLong;
      if (eof_) {
        if (buffer_.empty()) return Result::kEof;
        line->swap(buffer_);
        buffer_.clear();
        return Result::kLine;
      }
      char chunk[4096];
      const size_t room = cap_ + 1 - buffer_.size();
      ssize_t n;
      do {
        n = ::read(fd_, chunk, room < sizeof chunk ? room : sizeof chunk);
      } while (n < 0 && errno == EINTR);
      if (n < 0) {
        errno_ = errno;
        return Result::kReadError;
      }
      if (n == 0) {
        eof_ = true;
      } else {
        buffer_.append(chunk, static_cast<size_t>(n));
      }
    }
  }

  int read_errno() const { return errno_; }

 private:
  int fd_;
  size_t cap_;
  std::string buffer_;
  bool eof_ = false;
  int errno_ = 0;
};

// Exchange holds the I/O of one run: the line reader on stdin, checked
// writes on stdout, and the one-line failure report on stderr.
class Exchange {
 public:
  explicit Exchange(std::string_view mechanism) : mechanism_(mechanism), in_(STDIN_FILENO, kMaxLineBytes) {}

  // Fail prints "xmppfuzz: sasl: <what>: <code...>" and returns 1.
  int Fail(const std::string& what, const Failure& f) {
    std::cerr << "xmppfuzz: sasl: " << what << ": " << sasl::Describe(f) << "\n";
    return 1;
  }
  int Fail(const std::string& what, Error code, size_t offset = 0) {
    Failure f;
    f.code = code;
    f.offset = offset;
    return Fail(what, f);
  }

  // WriteLine writes |text| and '\n' and flushes. On failure prints the
  // reason and returns false (the caller exits 1).
  bool WriteLine(std::string_view text) {
    std::string line(text);
    line += '\n';
    size_t done = 0;
    while (done < line.size()) {
      const ssize_t n = ::write(STDOUT_FILENO, line.data() + done, line.size() - done);
      if (n < 0 && errno == EINTR) continue;
      if (n <= 0) {
        std::cerr << "xmppfuzz: sasl: cannot write to standard output: " << std::strerror(errno) << "\n";
        return false;
      }
      done += static_cast<size_t>(n);
    }
    return true;
  }

  // WriteMessage writes base64(|message|) as one line.
  bool WriteMessage(std::string_view message) { return WriteLine(sasl::Base64Encode(message)); }

  // ReadLine reads one line of |what|; on failure prints the reason and
  // returns nullopt. End of input is reported as kAborted (the peer gave
  // up), an oversize line as kMessageTooLong.
  std::optional<std::string> ReadLine(const std::string& what) {
    std::string line;
    switch (in_.Next(&line)) {
      case LineReader::Result::kLine:
        return line;
      case LineReader::Result::kEof:
        Fail("end of input before the " + what, Error::kAborted);
        return std::nullopt;
      case LineReader::Result::kTooLong:
        Fail("the " + what + " line is longer than " + std::to_string(kMaxLineBytes) + " bytes", Error::kMessageTooLong,
             kMaxLineBytes);
        return std::nullopt;
      case LineReader::Result::kReadError:
        std::cerr << "xmppfuzz: sasl: cannot read standard input: " << std::strerror(in_.read_errno()) << "\n";
        return std::nullopt;
    }
    return std::nullopt;
  }

  // ReadMessage reads one line and decodes it as strict base64.
  std::optional<std::string> ReadMessage(const std::string& what) {
    std::optional<std::string> line = ReadLine(what);
    if (!line) return std::nullopt;
    Failure f;
    std::optional<std::string> decoded = sasl::Base64Decode(*line, &f);
    if (!decoded) {
      Fail("the " + what + " is not valid base64", f);
      return std::nullopt;
    }
    if (decoded->size() > sasl::kDefaultMaxMessageBytes) {
      Fail("the " + what + " is too long", Error::kMessageTooLong, sasl::kDefaultMaxMessageBytes);
      return std::nullopt;
    }
    return decoded;
  }

  // ReadEmpty reads a line that must be empty (the server's initial
  // challenge, PLAIN's final "accepted").
  bool ReadEmpty(const std::string& what) {
    std::optional<std::string> line = ReadLine(what);
    if (!line) return false;
    if (!line->empty()) {
      Fail("the " + what + " is not an empty line", Error::kUnexpectedMessage);
      return false;
    }
    return true;
  }

  // ReadMechanismLine reads the peer's first line, which names the
  // mechanism; it must be ours.
  bool ReadMechanismLine() {
    std::optional<std::string> line = ReadLine("peer's mechanism line");
    if (!line) return false;
    if (*line != mechanism_) {
      Fail("the peer's mechanism line does not name " + std::string(mechanism_), Error::kNoAcceptableMechanism);
      return false;
    }
    return true;
  }

  // ReadTrailer reads the optional line a gsasl-style client prints after
  // its last step (empty) or end of input. Anything else fails.
  bool ReadTrailer() {
    std::string line;
    switch (in_.Next(&line)) {
      case LineReader::Result::kEof:
        return true;
      case LineReader::Result::kLine:
        if (line.empty()) return true;
        Fail("data after the end of the exchange", Error::kUnexpectedMessage);
        return false;
      case LineReader::Result::kTooLong:
        Fail("data after the end of the exchange", Error::kUnexpectedMessage);
        return false;
      case LineReader::Result::kReadError:
        std::cerr << "xmppfuzz: sasl: cannot read standard input: " << std::strerror(in_.read_errno()) << "\n";
        return false;
    }
    return false;
  }

 private:
  std::string_view mechanism_;
  LineReader in_;
};

// Cleansed wipes a secret string when it goes out of scope.
struct Cleansed {
  std::string* s;
  ~Cleansed() {
    if (!s->empty()) OPENSSL_cleanse(s->data(), s->size());
  }
};

// DecodeHex decodes an even-length string of hex digits (no separators)
// with OpenSSL; nullopt if it is not one.
std::optional<std::string> DecodeHex(const std::string& hex) {
  if (hex.empty() || hex.size() % 2 != 0) return std::nullopt;
  std::string out(hex.size() / 2, '\0');
  size_t len = 0;
  if (OPENSSL_hexstr2buf_ex(reinterpret_cast<unsigned char*>(out.data()), out.size(), &len, hex.c_str(), '\0') != 1 ||
      len != out.size()) {
    return std::nullopt;
  }
  return out;
}

// DrawSalt gives the server's salt: --salt (checked in RunSasl) or 16
// random bytes. False if the random source failed.
bool DrawSalt(const SaslArgs& args, std::string* salt) {
  if (!args.salt.empty()) {
    *salt = *sasl::Base64Decode(args.salt);
    return true;
  }
  salt->assign(16, '\0');
  return sasl::DefaultRandom().Fill(std::span<uint8_t>(reinterpret_cast<uint8_t*>(salt->data()), salt->size()));
}

int RunScramClient(const SaslArgs& args, sasl::Mechanism mech, std::optional<sasl::ChannelBinding> binding) {
  const std::string_view name = sasl::MechanismName(mech);
  Exchange io(name);
  sasl::ScramClientConfig config;
  config.mechanism = mech;
  config.username = args.user;
  config.password = args.password;
  config.authzid = args.authzid;
  config.channel_binding = std::move(binding);
  config.fixed_nonce = args.nonce;
  sasl::ScramClient client(std::move(config));

  if (!io.WriteLine(name)) return 1;
  sasl::Wait wait = client.Step();
  if (wait != sasl::Wait::kSend) return io.Fail("cannot build client-first", client.failure());
  if (!io.WriteMessage(client.output())) return 1;
  wait = client.Step();
  if (!io.ReadMechanismLine()) return 1;
  if (!io.ReadEmpty("server's initial challenge")) return 1;

  std::optional<std::string> server_first = io.ReadMessage("server-first message");
  if (!server_first) return 1;
  wait = client.Step(*server_first);
  if (wait != sasl::Wait::kSend) return io.Fail("server-first refused", client.failure());
  if (!io.WriteMessage(client.output())) return 1;
  wait = client.Step();

  std::optional<std::string> server_final = io.ReadMessage("server-final message");
  if (!server_final) return 1;
  wait = client.Step(*server_final);
  if (wait != sasl::Wait::kSuccess) return io.Fail("server-final refused", client.failure());
  // The client's last step has no output: gsasl prints it as an empty line.
  if (!io.WriteLine("")) return 1;
  return 0;
}

int RunScramServer(const SaslArgs& args, sasl::Mechanism mech, std::optional<sasl::ChannelBinding> binding) {
  const std::string_view name = sasl::MechanismName(mech);
  Exchange io(name);
  std::string salt;
  if (!DrawSalt(args, &salt)) return io.Fail("cannot draw a salt", Error::kNoResources);
  Failure derive_failure;
  std::optional<sasl::StoredCredentials> creds =
      sasl::DeriveCredentials(sasl::HashOf(mech), args.password, salt, args.iterations, &derive_failure);
  if (!creds) return io.Fail("cannot derive the stored credentials", derive_failure);
  std::optional<std::string> prepared_user = sasl::Saslprep(args.user);  // checked in RunSasl

  sasl::ScramServerConfig config;
  config.mechanism = mech;
  config.lookup = [&](std::string_view username, sasl::Hash hash) -> std::optional<sasl::StoredCredentials> {
    if (username != *prepared_user || hash != creds->hash) return std::nullopt;
    return creds;
  };
  if (!args.authzid.empty()) {
    config.authorize = [&](std::string_view authzid, std::string_view) { return authzid == args.authzid; };
  }
  if (binding) {
    config.offers_plus = true;
    config.channel_bindings.push_back(*binding);
  }
  config.fixed_nonce = args.nonce;
  sasl::ScramServer server(std::move(config));

  if (!io.WriteLine(name)) return 1;
  if (!io.WriteLine("")) return 1;  // the empty initial challenge
  if (!io.ReadMechanismLine()) return 1;
  std::optional<std::string> client_first = io.ReadMessage("client-first message");
  if (!client_first) return 1;
  sasl::Wait wait = server.Step();
  wait = server.Step(*client_first);
  if (wait != sasl::Wait::kSend) {
    if (!server.output().empty() && !io.WriteMessage(server.output())) return 1;
    return io.Fail("client-first refused", server.failure());
  }
  if (!io.WriteMessage(server.output())) return 1;
  wait = server.Step();

  std::optional<std::string> client_final = io.ReadMessage("client-final message");
  if (!client_final) return 1;
  wait = server.Step(*client_final);
  if (wait != sasl::Wait::kSend) {
    if (!server.output().empty() && !io.WriteMessage(server.output())) return 1;
    return io.Fail("client-final refused", server.failure());
  }
  if (!io.WriteMessage(server.output())) return 1;
  wait = server.Step();
  if (wait != sasl::Wait::kSuccess) return io.Fail("exchange not finished", server.failure());
  if (!io.ReadTrailer()) return 1;
  return 0;
}

int RunPlainClient(const SaslArgs& args) {
  Exchange io("PLAIN");
  sasl::PlainMessage m{args.authzid, args.user, args.password};
  Failure f;
  std::optional<std::string> msg = sasl::BuildPlain(m, &f);
  Cleansed wipe{&m.password};
  if (!msg) return io.Fail("cannot build the PLAIN message", f);
  Cleansed wipe_msg{&*msg};
  if (!io.WriteLine("PLAIN")) return 1;
  if (!io.WriteMessage(*msg)) return 1;
  if (!io.ReadMechanismLine()) return 1;
  if (!io.ReadEmpty("server's initial challenge")) return 1;
  // gsasl's server prints its (empty) last step output once the credentials
  // verified, and nothing when they did not.
  if (!io.ReadEmpty("server's final line")) return 1;
  return 0;
}

int RunPlainServer(const SaslArgs& args) {
  Exchange io("PLAIN");
  std::string salt;
  if (!DrawSalt(args, &salt)) return io.Fail("cannot draw a salt", Error::kNoResources);
  // The server keeps only SCRAM-SHA-256 stored credentials; VerifyPlain
  // derives from the PLAIN password with the stored salt and count.
  Failure derive_failure;
  std::optional<sasl::StoredCredentials> creds =
      sasl::DeriveCredentials(sasl::Hash::kSha256, args.password, salt, args.iterations, &derive_failure);
  if (!creds) return io.Fail("cannot derive the stored credentials", derive_failure);
  std::optional<std::string> prepared_user = sasl::Saslprep(args.user);
  sasl::CredentialLookup lookup = [&](std::string_view username,
                                      sasl::Hash hash) -> std::optional<sasl::StoredCredentials> {
    if (username != *prepared_user || hash != creds->hash) return std::nullopt;
    return creds;
  };
  sasl::Authorize authorize;
  if (!args.authzid.empty()) {
    authorize = [&](std::string_view authzid, std::string_view) { return authzid == args.authzid; };
  }

  if (!io.WriteLine("PLAIN")) return 1;
  if (!io.WriteLine("")) return 1;
  if (!io.ReadMechanismLine()) return 1;
  std::optional<std::string> msg = io.ReadMessage("PLAIN message");
  if (!msg) return 1;
  Cleansed wipe{&*msg};
  sasl::PlainMessage out;
  Failure f;
  if (!sasl::VerifyPlain(*msg, nullptr, lookup, authorize, &out, &f)) return io.Fail("PLAIN refused", f);
  // gsasl's PLAIN client prints nothing after its message, so no trailer is
  // read here.
  if (!io.WriteLine("")) return 1;
  return 0;
}

bool PrintableNonce(const std::string& nonce) {
  for (char c : nonce) {
    if (c < 0x21 || c > 0x7e || c == ',') return false;
  }
  return true;
}

int RunSasl(const SaslArgs& args) {
  if (args.client == args.server) return UsageError("sasl: give exactly one of --client and --server");
  std::optional<sasl::Mechanism> mech = sasl::MechanismFromName(args.mechanism);
  if (!mech) {
    return UsageError("sasl: --mechanism takes SCRAM-SHA-1, SCRAM-SHA-256, SCRAM-SHA-512 (each also -PLUS) or PLAIN");
  }
  if (args.user.empty()) return UsageError("sasl: --user is required");
  if (args.password.empty()) return UsageError("sasl: --password is required");
  if (!sasl::Saslprep(args.user)) return UsageError("sasl: --user is not a valid SASLprep string");
  if (!sasl::Saslprep(args.password)) return UsageError("sasl: --password is not a valid SASLprep string");
  if (!args.nonce.empty() && !PrintableNonce(args.nonce)) {
    return UsageError("sasl: --nonce takes printable ASCII without ',' (RFC 5802 'printable')");
  }
  if (args.client && (!args.salt.empty() || args.iterations != sasl::kMinIterations)) {
    return UsageError("sasl: --salt and --iterations are server options");
  }
  if (!args.salt.empty()) {
    std::optional<std::string> salt = sasl::Base64Decode(args.salt);
    if (!salt || salt->empty()) return UsageError("sasl: --salt takes non-empty strict base64");
  }
  if (args.iterations == 0) return UsageError("sasl: --iterations takes a count of at least 1");
  if (args.cb_type.empty() != args.cb_data.empty()) {
    return UsageError("sasl: --cb-type and --cb-data go together");
  }
  std::optional<sasl::ChannelBinding> binding;
  if (!args.cb_type.empty()) {
    std::optional<sasl::CbType> type = sasl::CbTypeFromName(args.cb_type);
    if (!type) return UsageError("sasl: --cb-type takes tls-unique, tls-server-end-point or tls-exporter");
    std::optional<std::string> data = DecodeHex(args.cb_data);
    if (!data) return UsageError("sasl: --cb-data takes an even number of hex digits (at least two)");
    binding = sasl::ChannelBinding{*type, std::move(*data)};
  }
  if (*mech == sasl::Mechanism::kPlain) {
    if (binding) return UsageError("sasl: PLAIN takes no channel binding");
    if (!args.nonce.empty()) return UsageError("sasl: PLAIN takes no --nonce");
    return args.client ? RunPlainClient(args) : RunPlainServer(args);
  }
  if (sasl::IsPlus(*mech) && !binding) {
    return UsageError("sasl: " + std::string(sasl::MechanismName(*mech)) + " needs --cb-type and --cb-data");
  }
  return args.client ? RunScramClient(args, *mech, std::move(binding)) : RunScramServer(args, *mech, std::move(binding));
}

}  // namespace

Runner AddSaslCommand(CLI::App& app) {
  auto args = std::make_shared<SaslArgs>();
  CLI::App* cmd = app.add_subcommand(
      "sasl", "Run one SASL exchange over stdin/stdout in base64 lines (GNU SASL gsasl conventions)");
  cmd->add_flag("--client", args->client, "Act as the client");
  cmd->add_flag("--server", args->server, "Act as the server");
  cmd->add_option("--mechanism", args->mechanism, "SCRAM-SHA-1|256|512[-PLUS] or PLAIN")->required();
  cmd->add_option("--user", args->user, "User name (authcid)")->required();
  cmd->add_option("--password", args->password, "Password")->required();
  cmd->add_option("--authzid", args->authzid,
                  "Client: the authorization identity to ask for; server: the one identity it allows");
  cmd->add_option("--salt", args->salt, "Server: the salt, base64 (default: 16 random bytes)");
  cmd->add_option("--iterations", args->iterations, "Server: the iteration count (default 4096)");
  cmd->add_option("--nonce", args->nonce, "Fix this side's nonce contribution (printable, no ',')");
  cmd->add_option("--cb-type", args->cb_type, "Channel-binding type: tls-unique, tls-server-end-point, tls-exporter");
  cmd->add_option("--cb-data", args->cb_data, "Channel-binding data, hex");
  return [args] {
    // A peer that goes away must give a write error (exit 1 with a reason),
    // not kill the process with SIGPIPE.
    std::signal(SIGPIPE, SIG_IGN);
    return RunSasl(*args);
  };
}

}  // namespace xmppfuzz::cli
