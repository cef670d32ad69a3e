// cyrus_peer: one SASL exchange run by Cyrus SASL (libsasl2), speaking the
// same base64-line protocol on stdin/stdout as `xmppfuzz sasl` (see the
// README, "`xmppfuzz sasl`"), so the interop relay can put it opposite our
// client or server.
//
//   cyrus_peer --client|--server --mechanism MECH --user NAME --password PASS
//              --dir DIR [--cb-type NAME --cb-data HEX] [--iterations N]
//   cyrus_peer --has-mechanism MECH --dir DIR
//
// The server keeps its users in a private sasldb under DIR (option
// sasldb_path, given through a SASL_CB_GETOPT callback; the user is created
// with sasl_setpass), and reads no configuration file outside DIR, so
// nothing system-wide is touched. --has-mechanism exits 0 when both the
// client and server plugins for MECH load, 77 when not.
//
// Exit status: 0 authenticated (server: Cyrus accepted the client; client:
// Cyrus verified the server), 1 not (one line on stderr, peer bytes
// escaped), 2 bad usage.
#include <sasl/sasl.h>
#include <sasl/saslutil.h>
#include <unistd.h>

#include <cctype>
#include <cerrno>
#include <csignal>
#include <cstdio>
#include <cstdlib>
#include <cstring>
#include <iostream>
#include <optional>
#include <string>
#include <vector>

#include "targets/base/base.h"

namespace {

struct Args {
  bool client = false;
  bool server = false;
  std::string has_mechanism;
  std::string mechanism;
  std::string user;
  std::string password;
  std::string dir;
  std::string cb_type;
  std::string cb_data;  // decoded
  std::string iterations = "4096";
};

Args g_args;
std::string g_sasldb;

constexpr size_t kMaxLine = 8192;

int Usage(const std::string& message) {
  std::cerr << "cyrus_peer: " << message << "\n";
  return 2;
}

int Fail(const std::string& what, sasl_conn_t* conn, int rc) {
  std::string detail = conn != nullptr ? sasl_errdetail(conn) : sasl_errstring(rc, nullptr, nullptr);
  std::cerr << "cyrus_peer: " << what << ": " << sasl_errstring(rc, nullptr, nullptr) << " ("
            << xmppfuzz::base::EscapeBytes(detail, 200) << ")\n";
  return 1;
}

int FailText(const std::string& what) {
  std::cerr << "cyrus_peer: " << what << "\n";
  return 1;
}

// Line I/O on the raw descriptors, a line at most kMaxLine bytes.
std::string g_inbuf;
bool g_eof = false;

// ReadLine: 1 line, 0 end of input, -1 too long or read error.
int ReadLine(std::string* line) {
  while (true) {
    size_t nl = g_inbuf.find('\n');
    if (nl != std::string::npos) {
      line->assign(g_inbuf, 0, nl);
      g_inbuf.erase(0, nl + 1);
      return 1;
    }
    if (g_inbuf.size() > kMaxLine) return -1;
    if (g_eof) {
      if (g_inbuf.empty()) return 0;
      line->swap(g_inbuf);
      g_inbuf.clear();
      return 1;
    }
    char buf[4096];
    ssize_t n = read(STDIN_FILENO, buf, sizeof buf);
    if (n < 0 && errno == EINTR) continue;
    if (n < 0) return -1;
    if (n == 0) g_eof = true;
    g_inbuf.append(buf, static_cast<size_t>(n > 0 ? n : 0));
  }
}

bool WriteLine(const std::string& text) {
  std::string line = text + "\n";
  size_t done = 0;
  while (done < line.size()) {
    ssize_t n = write(STDOUT_FILENO, line.data() + done, line.size() - done);
    if (n < 0 && errno == EINTR) continue;
    if (n <= 0) {
      std::cerr << "cyrus_peer: cannot write to standard output: " << std::strerror(errno) << "\n";
      return false;
    }
    done += static_cast<size_t>(n);
  }
  return true;
}

bool WriteMessage(const char* data, unsigned len) {
  std::vector<char> out(len * 4 / 3 + 8);
  unsigned outlen = 0;
  if (sasl_encode64(data, len, out.data(), static_cast<unsigned>(out.size()), &outlen) != SASL_OK) {
    std::cerr << "cyrus_peer: sasl_encode64 failed\n";
    return false;
  }
  return WriteLine(std::string(out.data(), outlen));
}

// ReadMessage reads one base64 line and decodes it with Cyrus's decoder.
std::optional<std::string> ReadMessage(const std::string& what) {
  std::string line;
  int r = ReadLine(&line);
  if (r == 0) {
    FailText("end of input before the " + what);
    return std::nullopt;
  }
  if (r < 0) {
    FailText("the " + what + " line is too long or unreadable");
    return std::nullopt;
  }
  std::vector<char> out(line.size() + 8);
  unsigned outlen = 0;
  if (!line.empty() &&
      sasl_decode64(line.data(), static_cast<unsigned>(line.size()), out.data(), static_cast<unsigned>(out.size()),
                    &outlen) != SASL_OK) {
    FailText("the " + what + " is not base64: " + xmppfuzz::base::EscapeBytes(line, 80));
    return std::nullopt;
  }
  return std::string(out.data(), outlen);
}

bool ReadExact(const std::string& want, const std::string& what) {
  std::string line;
  int r = ReadLine(&line);
  if (r != 1) {
    FailText("end of input before the " + what);
    return false;
  }
  if (line != want) {
    FailText("the " + what + " is '" + xmppfuzz::base::EscapeBytes(line, 80) + "', expected '" + want + "'");
    return false;
  }
  return true;
}

// Callbacks.
int GetOpt(void*, const char*, const char* option, const char** result, unsigned* len) {
  std::string o = option;
  static std::string mech_list;
  if (o == "sasldb_path") {
    *result = g_sasldb.c_str();
  } else if (o == "pwcheck_method") {
    *result = "auxprop";
  } else if (o == "auxprop_plugin") {
    *result = "sasldb";
  } else if (o == "scram_iteration_counter") {
    *result = g_args.iterations.c_str();
  } else if (o == "log_level") {
    *result = "2";  // errors only
  } else {
    return SASL_FAIL;
  }
  if (len != nullptr) *len = static_cast<unsigned>(std::strlen(*result));
  return SASL_OK;
}

int GetConfPath(void*, const char** path) {
  *path = g_args.dir.c_str();
  return SASL_OK;
}

int Log(void*, int level, const char* message) {
  if (level <= SASL_LOG_ERR) std::cerr << "cyrus_peer: libsasl2: " << xmppfuzz::base::EscapeBytes(message, 300) << "\n";
  return SASL_OK;
}

int GetSimple(void*, int id, const char** result, unsigned* len) {
  switch (id) {
    case SASL_CB_AUTHNAME:
      *result = g_args.user.c_str();
      break;
    case SASL_CB_USER:
      *result = "";  // no authzid
      break;
    default:
      return SASL_BADPARAM;
  }
  if (len != nullptr) *len = static_cast<unsigned>(std::strlen(*result));
  return SASL_OK;
}

int GetSecret(sasl_conn_t*, void*, int id, sasl_secret_t** psecret) {
  if (id != SASL_CB_PASS) return SASL_BADPARAM;
  static std::vector<unsigned char> storage;
  storage.assign(sizeof(sasl_secret_t) + g_args.password.size() + 1, 0);
  auto* secret = reinterpret_cast<sasl_secret_t*>(storage.data());
  secret->len = g_args.password.size();
  std::memcpy(secret->data, g_args.password.data(), g_args.password.size());
  *psecret = secret;
  return SASL_OK;
}

using Cb = int (*)();
#define CB(f) reinterpret_cast<Cb>(reinterpret_cast<void*>(f))

sasl_callback_t g_global_callbacks[] = {
    {SASL_CB_GETOPT, CB(&GetOpt), nullptr},
    {SASL_CB_GETCONFPATH, CB(&GetConfPath), nullptr},
    {SASL_CB_LOG, CB(&Log), nullptr},
    {SASL_CB_LIST_END, nullptr, nullptr},
};

sasl_callback_t g_client_callbacks[] = {
    {SASL_CB_GETOPT, CB(&GetOpt), nullptr},
    {SASL_CB_AUTHNAME, CB(&GetSimple), nullptr},
    {SASL_CB_USER, CB(&GetSimple), nullptr},
    {SASL_CB_PASS, CB(&GetSecret), nullptr},
    {SASL_CB_LIST_END, nullptr, nullptr},
};

sasl_channel_binding_t g_cb;

// Setup applies the security properties (no security layer, every
// mechanism allowed) and the channel binding to |conn|.
int Setup(sasl_conn_t* conn) {
  sasl_security_properties_t props{};
  props.min_ssf = 0;
  props.max_ssf = 0;
  props.maxbufsize = 0;
  props.security_flags = 0;
  int rc = sasl_setprop(conn, SASL_SEC_PROPS, &props);
  if (rc != SASL_OK) return rc;
  if (!g_args.cb_type.empty()) {
    g_cb.name = g_args.cb_type.c_str();
    g_cb.critical = 0;
    g_cb.len = g_args.cb_data.size();
    g_cb.data = reinterpret_cast<const unsigned char*>(g_args.cb_data.data());
    rc = sasl_setprop(conn, SASL_CHANNEL_BINDING, &g_cb);
  }
  return rc;
}

int RunClient() {
  int rc = sasl_client_init(g_global_callbacks);
  if (rc != SASL_OK) return Fail("sasl_client_init", nullptr, rc);
  sasl_conn_t* conn = nullptr;
  rc = sasl_client_new("xmpp", "localhost", nullptr, nullptr, g_client_callbacks, SASL_SUCCESS_DATA, &conn);
  if (rc != SASL_OK) return Fail("sasl_client_new", nullptr, rc);
  if ((rc = Setup(conn)) != SASL_OK) return Fail("sasl_setprop", conn, rc);
  const char* out = nullptr;
  unsigned outlen = 0;
  const char* chosen = nullptr;
  sasl_interact_t* interact = nullptr;
  rc = sasl_client_start(conn, g_args.mechanism.c_str(), &interact, &out, &outlen, &chosen);
  if (rc != SASL_OK && rc != SASL_CONTINUE) return Fail("sasl_client_start", conn, rc);
  if (chosen == nullptr || (g_args.mechanism != chosen && g_args.mechanism != std::string(chosen) + "-PLUS")) return FailText(std::string("libsasl2 chose ") + (chosen != nullptr ? chosen : "nothing"));
  if (!WriteLine(g_args.mechanism) || !WriteMessage(out, outlen)) return 1;
  if (!ReadExact(g_args.mechanism, "server's mechanism line")) return 1;
  if (!ReadExact("", "server's initial challenge")) return 1;
  if (rc == SASL_OK) {
    // PLAIN: the server's empty last line says it accepted.
    if (!ReadExact("", "server's final line")) return 1;
    sasl_dispose(&conn);
    sasl_client_done();
    return 0;
  }
  while (rc == SASL_CONTINUE) {
    std::optional<std::string> in = ReadMessage("server message");
    if (!in) return 1;
    rc = sasl_client_step(conn, in->data(), static_cast<unsigned>(in->size()), &interact, &out, &outlen);
    if (rc != SASL_OK && rc != SASL_CONTINUE) return Fail("sasl_client_step", conn, rc);
    if (!WriteMessage(out, outlen)) return 1;
  }
  sasl_dispose(&conn);
  sasl_client_done();
  return 0;
}

int RunServer() {
  int rc = sasl_server_init(g_global_callbacks, "xmppfuzz-interop");
  if (rc != SASL_OK) return Fail("sasl_server_init", nullptr, rc);
  sasl_conn_t* conn = nullptr;
  rc = sasl_server_new("xmpp", "localhost", nullptr, nullptr, nullptr, g_global_callbacks, SASL_SUCCESS_DATA, &conn);
  if (rc != SASL_OK) return Fail("sasl_server_new", nullptr, rc);
  if ((rc = Setup(conn)) != SASL_OK) return Fail("sasl_setprop", conn, rc);
  rc = sasl_setpass(conn, g_args.user.c_str(), g_args.password.c_str(), static_cast<unsigned>(g_args.password.size()),
                    nullptr, 0, SASL_SET_CREATE);
  if (rc != SASL_OK) return Fail("sasl_setpass", conn, rc);
  if (!WriteLine(g_args.mechanism) || !WriteLine("")) return 1;
  if (!ReadExact(g_args.mechanism, "client's mechanism line")) return 1;
  std::optional<std::string> in = ReadMessage("client's initial response");
  if (!in) return 1;
  const char* out = nullptr;
  unsigned outlen = 0;
  rc = sasl_server_start(conn, g_args.mechanism.c_str(), in->data(), static_cast<unsigned>(in->size()), &out, &outlen);
  while (rc == SASL_CONTINUE) {
    if (!WriteMessage(out, outlen)) return 1;
    in = ReadMessage("client message");
    if (!in) return 1;
    rc = sasl_server_step(conn, in->data(), static_cast<unsigned>(in->size()), &out, &outlen);
  }
  if (rc != SASL_OK) return Fail("authentication refused", conn, rc);
  // Success: SCRAM's server-final as the last line; PLAIN's empty output.
  if (!WriteMessage(out, outlen)) return 1;
  // SCRAM clients print an empty line after verifying v= (gsasl's last step).
  std::string trailer;
  if (g_args.mechanism != "PLAIN" && ReadLine(&trailer) == 1 && !trailer.empty()) {
    return FailText("data after the end of the exchange");
  }
  sasl_dispose(&conn);
  sasl_server_done();
  return 0;
}

// HasMechanism: both plugins load and list |mech|.
int HasMechanism() {
  if (sasl_client_init(g_global_callbacks) != SASL_OK || sasl_server_init(g_global_callbacks, "xmppfuzz-interop") != SASL_OK) {
    std::cerr << "cyrus_peer: libsasl2 does not initialise\n";
    return 77;
  }
  bool found = false;
  for (const char** m = sasl_global_listmech(); m != nullptr && *m != nullptr; ++m) {
    if (g_args.has_mechanism == *m) found = true;
  }
  if (!found) {
    std::cerr << "cyrus_peer: libsasl2 has no " << g_args.has_mechanism
              << " mechanism (the SCRAM and PLAIN plugins are in Debian's libsasl2-modules)\n";
    return 77;
  }
  return 0;
}

std::optional<std::string> Hex(const std::string& hex) {
  if (hex.empty() || hex.size() % 2 != 0) return std::nullopt;
  std::string out;
  for (size_t i = 0; i < hex.size(); i += 2) {
    char* end = nullptr;
    std::string two = hex.substr(i, 2);
    long v = std::strtol(two.c_str(), &end, 16);
    if (*end != '\0' || !std::isxdigit(static_cast<unsigned char>(two[0])) ||
        !std::isxdigit(static_cast<unsigned char>(two[1]))) {
      return std::nullopt;
    }
    out += static_cast<char>(v);
  }
  return out;
}

}  // namespace

int main(int argc, char** argv) {
  std::signal(SIGPIPE, SIG_IGN);
  for (int i = 1; i < argc; ++i) {
    std::string a = argv[i];
    auto value = [&](std::string* dst) {
      if (i + 1 >= argc) return false;
      *dst = argv[++i];
      return true;
    };
    bool ok = true;
    if (a == "--client") {
      g_args.client = true;
    } else if (a == "--server") {
      g_args.server = true;
    } else if (a == "--mechanism") {
      ok = value(&g_args.mechanism);
    } else if (a == "--has-mechanism") {
      ok = value(&g_args.has_mechanism);
    } else if (a == "--user") {
      ok = value(&g_args.user);
    } else if (a == "--password") {
      ok = value(&g_args.password);
    } else if (a == "--dir") {
      ok = value(&g_args.dir);
    } else if (a == "--cb-type") {
      ok = value(&g_args.cb_type);
    } else if (a == "--iterations") {
      ok = value(&g_args.iterations);
    } else if (a == "--cb-data") {
      std::string hex;
      ok = value(&hex);
      std::optional<std::string> data = ok ? Hex(hex) : std::nullopt;
      if (!data) return Usage("--cb-data takes hex");
      g_args.cb_data = *data;
    } else {
      return Usage("unknown argument '" + xmppfuzz::base::EscapeBytes(a, 80) + "'");
    }
    if (!ok) return Usage(a + " needs a value");
  }
  if (g_args.dir.empty()) return Usage("--dir is required");
  g_sasldb = g_args.dir + "/sasldb";
  if (!g_args.has_mechanism.empty()) return HasMechanism();
  if (g_args.client == g_args.server) return Usage("give exactly one of --client and --server");
  if (g_args.mechanism.empty() || g_args.user.empty() || g_args.password.empty()) {
    return Usage("--mechanism, --user and --password are required");
  }
  if (g_args.cb_type.empty() != g_args.cb_data.empty()) return Usage("--cb-type and --cb-data go together");
  return g_args.client ? RunClient() : RunServer();
}
