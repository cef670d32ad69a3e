// The live runner against hostile peers (issue 10): a scripted XMPP "server"
// on 127.0.0.1 that misbehaves in one way (the MODE), and `xmppfuzz conform
// --target xmpp://127.0.0.1:PORT/localhost` run against it as a child
// process. The test asserts what the runner reported for every vector (the
// verdict and the observed outcome), that it ended within the documented
// bound (conform::VectorDeadlineMs + conform::HealthCheckMs per vector),
// that its peak RSS (getrusage of the child, via wait4) stayed under a
// bound, and that no byte the peer sent reached a report unescaped.
//
// Usage: hostile_peer_test MODE XMPPFUZZ
// Prints one line "hostile MODE: observed=... wall_ms=N peak_rss_kib=N".
#include <arpa/inet.h>
#include <fcntl.h>
#include <netinet/in.h>
#include <sys/prctl.h>
#include <sys/resource.h>
#include <sys/socket.h>
#include <sys/wait.h>
#include <unistd.h>

#include <atomic>
#include <csignal>
#include <chrono>
#include <cstdio>
#include <cstdlib>
#include <cstring>
#include <filesystem>
#include <fstream>
#include <map>
#include <nlohmann/json.hpp>
#include <set>
#include <sstream>
#include <string>
#include <thread>
#include <vector>

#include "conformance/runner/live.h"

namespace {

namespace fs = std::filesystem;

constexpr int kTimeoutMs = 300;  // --timeout-ms given to the runner
constexpr int kJobs = 2;

const std::string kHeader =
    "<?xml version='1.0'?><stream:stream xmlns='jabber:client' xmlns:stream='http://etherx.jabber.org/streams' "
    "from='localhost' id='hostile' version='1.0'>";
const std::string kFeatures =
    "<stream:features><mechanisms xmlns='urn:ietf:params:xml:ns:xmpp-sasl'><mechanism>PLAIN</mechanism>"
    "</mechanisms></stream:features>";
const std::string kOpening = kHeader + kFeatures;
// STARTTLS offered and required (RFC 6120 5.3.1), and its <proceed/>.
const std::string kTlsOpening =
    kHeader + "<stream:features><starttls xmlns='urn:ietf:params:xml:ns:xmpp-tls'><required/></starttls>"
              "</stream:features>";
const std::string kProceed = "<proceed xmlns='urn:ietf:params:xml:ns:xmpp-tls'/>";

[[noreturn]] void Die(const std::string& why) {
  std::fprintf(stderr, "FAIL: %s\n", why.c_str());
  std::fflush(stderr);
  std::_Exit(1);
}

// SendAll writes |bytes|; false once the runner has gone.
bool SendAll(int fd, std::string_view bytes) {
  while (!bytes.empty()) {
    ssize_t n = ::send(fd, bytes.data(), bytes.size(), MSG_NOSIGNAL);
    if (n < 0 && errno == EINTR) continue;
    if (n <= 0) return false;
    bytes.remove_prefix(static_cast<size_t>(n));
  }
  return true;
}

// Drain reads and drops what the runner sends, so that it never blocks.
void Drain(int fd) {
  char buf[65536];
  while (true) {
    ssize_t n = ::recv(fd, buf, sizeof buf, 0);
    if (n < 0 && errno == EINTR) continue;
    if (n <= 0) return;
  }
}

void Flood(int fd, const std::string& unit) {
  std::string block;
  while (block.size() < 65536) block += unit;
  while (SendAll(fd, block)) {
  }
}

// AwaitClientHello reads what the runner sends until a TLS handshake record
// starts (0x16 0x03: its ClientHello, after <starttls/>), so that what the
// mode sends next reaches a TLS session, whatever the machine's speed.
void AwaitClientHello(int fd) {
  std::string seen;
  char buf[4096];
  while (seen.find("\x16\x03") == std::string::npos) {
    ssize_t n = ::recv(fd, buf, sizeof buf, 0);
    if (n < 0 && errno == EINTR) continue;
    if (n <= 0) return;
    seen.append(buf, static_cast<size_t>(n));
  }
}

// Serve plays |mode| on one accepted connection.
void Serve(int fd, const std::string& mode) {
  const bool waits_for_hello = mode == "starttls-garbage" || mode == "starttls-inject";
  if (mode != "flood-no-read" && mode != "reset" && !waits_for_hello) std::thread(Drain, fd).detach();
  if (mode == "flood-stanzas") {
    if (SendAll(fd, kOpening)) Flood(fd, "<message from='localhost' type='chat'><body>flood</body></message>");
  } else if (mode == "flood-garbage") {
    if (SendAll(fd, kOpening)) Flood(fd, "<<<< garbage &&& ]]> ");
  } else if (mode == "flood-nested") {
    if (SendAll(fd, kOpening + "<message>")) Flood(fd, "<a>");
  } else if (mode == "flood-no-read") {
    // Never reads: the runner's big vector fills the socket buffers while
    // stanzas keep coming.
    if (SendAll(fd, kOpening)) Flood(fd, "<message from='localhost'><body>x</body></message>");
  } else if (mode == "slow-drip") {
    // One byte every 10 ms: the header alone outlasts a vector's deadline,
    // then whitespace, for ever.
    std::string drip = kOpening;
    for (size_t i = 0;; ++i) {
      char c = i < drip.size() ? drip[i] : ' ';
      if (!SendAll(fd, std::string_view(&c, 1))) break;
      std::this_thread::sleep_for(std::chrono::milliseconds(10));
    }
  } else if (mode == "invalid-utf8") {
    SendAll(fd, kOpening + "<message from='localhost'><body>\xC3\x28\xFF</body></message>");
  } else if (mode == "entity-bomb") {
    std::string bomb = "<?xml version='1.0'?><!DOCTYPE lolz [<!ENTITY lol 'lol'>";
    std::string prev = "lol";
    for (int i = 2; i <= 9; ++i) {
      std::string name = "lol" + std::to_string(i);
      bomb += "<!ENTITY " + name + " '";
      for (int k = 0; k < 10; ++k) bomb += "&" + prev + ";";
      bomb += "'>";
      prev = name;
    }
    bomb += "]><stream:stream xmlns='jabber:client' xmlns:stream='http://etherx.jabber.org/streams' "
            "from='localhost' id='bomb' version='1.0'>&lol9;" + kFeatures;
    SendAll(fd, bomb);
  } else if (mode == "deep-stream-error") {
    // An unclosed <stream:error> nested 100 000 deep, never closed.
    std::string deep = kOpening + "<stream:error>";
    for (int i = 0; i < 100000; ++i) deep += "<bad-request xmlns='urn:ietf:params:xml:ns:xmpp-streams'>";
    SendAll(fd, deep);
  } else if (mode == "huge-name") {
    std::string huge = kOpening + "<stream:error><" + std::string(8u << 20, 'x') +
                       " xmlns='urn:ietf:params:xml:ns:xmpp-streams'/></stream:error></stream:stream>";
    SendAll(fd, huge);
  } else if (mode == "nul-esc-name") {
    std::string evil = kOpening + "<stream:error><evil\x1B[2J\x1B]0;pwned\x07" + std::string(1, '\0') +
                       "name xmlns='urn:ietf:params:xml:ns:xmpp-streams'/></stream:error></stream:stream>";
    SendAll(fd, evil);
  } else if (mode == "starttls-garbage") {
    // <proceed/>, then (once the ClientHello is on its way) endless bytes
    // that are no TLS record.
    if (SendAll(fd, kTlsOpening + kProceed)) {
      AwaitClientHello(fd);
      std::thread(Drain, fd).detach();
      Flood(fd, "HTTP/1.1 400 not TLS\r\n");
    }
  } else if (mode == "starttls-stall") {
    // <proceed/>, then nothing: the ClientHello is never answered.
    SendAll(fd, kTlsOpening + kProceed);
  } else if (mode == "starttls-inject") {
    // <proceed/> with a stanza right behind it in the same write (the
    // CVE-2011-0411 class; it must be dropped, never read inside TLS), then
    // a TLS alert record: decode_error (50), fatal.
    SendAll(fd, kTlsOpening + kProceed + "<message from='localhost'><body>injected</body></message>");
    AwaitClientHello(fd);
    std::thread(Drain, fd).detach();
    SendAll(fd, std::string("\x15\x03\x03\x00\x02\x02\x32", 7));
  } else if (mode == "starttls-refuse") {
    // <failure/> to <starttls/> (RFC 6120 5.4.2.2), then the stream closes.
    SendAll(fd, kTlsOpening + "<failure xmlns='urn:ietf:params:xml:ns:xmpp-tls'/></stream:stream>");
  } else if (mode == "starttls-stripped") {
    // Features without <starttls/> to a runner that requires TLS.
    SendAll(fd, kOpening);
  } else if (mode == "close-after-header") {
    SendAll(fd, kHeader);
    ::shutdown(fd, SHUT_RDWR);
  } else if (mode == "reset") {
    linger l{1, 0};
    ::setsockopt(fd, SOL_SOCKET, SO_LINGER, &l, sizeof l);
  } else {
    Die("unknown mode " + mode);
  }
  // Keep the connection until the runner closes it (a mode that is done
  // sending neither closes nor answers), except for the closing modes.
  if (mode == "close-after-header" || mode == "reset") {
    ::close(fd);
    return;
  }
  // Neither close nor answer: the process ends (std::_Exit) with this thread.
  std::this_thread::sleep_for(std::chrono::seconds(600));
}

void WriteFile(const fs::path& path, const std::string& text) {
  std::ofstream out(path, std::ios::binary);
  out << text;
  if (!out) Die("cannot write " + path.string());
}

struct Run {
  int status = -1;
  long wall_ms = 0;
  long peak_rss_kib = 0;
  std::string out;
};

std::string Slurp(const fs::path& path) {
  std::ifstream in(path, std::ios::binary);
  std::ostringstream s;
  s << in.rdbuf();
  return s.str();
}

Run RunConform(const std::vector<std::string>& args, const fs::path& out_file) {
  auto t0 = std::chrono::steady_clock::now();
  pid_t pid = ::fork();
  if (pid < 0) Die("fork failed");
  if (pid == 0) {
    ::prctl(PR_SET_PDEATHSIG, SIGKILL);  // a test killed by ctest's timeout takes the runner along
    int fd = ::open(out_file.c_str(), O_WRONLY | O_CREAT | O_TRUNC, 0600);
    if (fd < 0) std::_Exit(127);
    ::dup2(fd, 1);
    std::vector<char*> argv;
    for (const std::string& a : args) argv.push_back(const_cast<char*>(a.c_str()));
    argv.push_back(nullptr);
    ::execv(argv[0], argv.data());
    std::_Exit(127);
  }
  Run r;
  rusage usage{};
  int status = 0;
  while (::wait4(pid, &status, 0, &usage) < 0 && errno == EINTR) {
  }
  r.wall_ms = static_cast<long>(
      std::chrono::duration_cast<std::chrono::milliseconds>(std::chrono::steady_clock::now() - t0).count());
  r.peak_rss_kib = usage.ru_maxrss;
  r.status = WIFEXITED(status) ? WEXITSTATUS(status) : 128 + WTERMSIG(status);
  r.out = Slurp(out_file);
  return r;
}

// A small suite: a raw-profile vector (the runner's bytes are the whole
// stream) and an opened-profile one, both expecting a plain accept.
void WriteSuite(const fs::path& dir, bool big) {
  fs::create_directories(dir / "hostile");
  std::string text;
  if (big) {
    text =
        "[hostile/big-vector]\n"
        "description: a 16 MiB stanza, written to a server that does not read\n"
        "source: issue 10 finding 2; RFC 6120 section 13.12\n"
        "profile: opened\n"
        "input:\n"
        "  <message><body>\\repeat{262144}{" + std::string(64, 'a') + "}</body></message>\n"
        "expect: refused policy-violation at-or-before 10000\n";
  } else {
    text =
        "[hostile/raw-header]\n"
        "description: a client stream header alone; the probe must be answered for accepted\n"
        "source: RFC 6120 section 4.7\n"
        "profile: raw\n"
        "input:\n"
        "  <?xml version='1.0'?><stream:stream xmlns='jabber:client' "
        "xmlns:stream='http://etherx.jabber.org/streams' to='localhost' version='1.0'>\n"
        "events:\n"
        "  stream-open <stream:stream xmlns:stream=\"http://etherx.jabber.org/streams\" xmlns=\"jabber:client\" "
        "to=\"localhost\" version=\"1.0\">\n"
        "expect: accepted\n"
        "\n"
        "[hostile/opened-message]\n"
        "description: one message on an opened stream\n"
        "source: RFC 6120 section 8\n"
        "profile: opened\n"
        "input:\n"
        "  <message/>\n"
        "events:\n"
        "  stanza <message xmlns=\"jabber:client\"/>\n"
        "expect: accepted\n";
  }
  WriteFile(dir / "hostile" / "vectors.vec", text);
}

bool HasRawControl(const std::string& s) {
  for (unsigned char c : s) {
    if ((c < 0x20 && c != '\n') || c == 0x7F) return true;
  }
  return false;
}

}  // namespace

int main(int argc, char** argv) {
  if (argc != 3) {
    std::fprintf(stderr, "usage: hostile_peer_test MODE XMPPFUZZ\n");
    return 2;
  }
  std::string mode = argv[1];
  std::string xmppfuzz = argv[2];

  // The expected observation per vector, and the runner's RSS bound.
  const std::map<std::string, std::string> kExpected = {
      {"flood-stanzas", "flooded"},
      {"flood-garbage", "invalid-reply not-well-formed"},
      {"flood-nested", "invalid-reply policy-violation"},
      {"flood-no-read", "flooded"},
      {"slow-drip", "no-answer"},
      {"invalid-utf8", "invalid-reply unsupported-encoding"},
      {"entity-bomb", "invalid-reply restricted-xml"},
      {"deep-stream-error", "invalid-reply policy-violation"},
      {"huge-name", "invalid-reply policy-violation"},
      {"nul-esc-name", "invalid-reply not-well-formed"},
      {"close-after-header", "closed"},
      {"reset", "closed"},
      // STARTTLS (run with --tls required): every wait is bounded and the
      // runner never falls back to cleartext.
      {"starttls-garbage", "refused-tls not-tls"},
      {"starttls-stall", "refused-tls handshake-failed"},
      {"starttls-inject", "refused-tls peer-alert"},
      {"starttls-refuse", "refused-tls starttls-refused"},
      {"starttls-stripped", "refused-tls starttls-stripped"},
  };
  const bool starttls = mode.rfind("starttls-", 0) == 0;
  auto expected = kExpected.find(mode);
  if (expected == kExpected.end()) Die("unknown mode " + mode);
  bool big = mode == "flood-no-read";
#if defined(__SANITIZE_ADDRESS__)
  constexpr long kSanitizerFactor = 4;
#elif defined(__has_feature)
#if __has_feature(address_sanitizer)
  constexpr long kSanitizerFactor = 4;
#else
  constexpr long kSanitizerFactor = 1;
#endif
#else
  constexpr long kSanitizerFactor = 1;
#endif
  // Peak RSS: the runner's own ~10 MiB, two connections each bounded by the
  // read cap and the parser's limits, and for the big vector its bytes
  // (held by the suite and the selection).
  long rss_bound_kib = kSanitizerFactor * (big ? 96 : 48) * 1024;

  int listener = ::socket(AF_INET, SOCK_STREAM | SOCK_CLOEXEC, 0);
  sockaddr_in addr{};
  addr.sin_family = AF_INET;
  addr.sin_addr.s_addr = htonl(INADDR_LOOPBACK);
  addr.sin_port = 0;  // ephemeral: parallel ctest runs never collide
  if (listener < 0 || ::bind(listener, reinterpret_cast<sockaddr*>(&addr), sizeof addr) != 0 ||
      ::listen(listener, 64) != 0) {
    Die(std::string("cannot listen on 127.0.0.1: ") + std::strerror(errno));
  }
  socklen_t len = sizeof addr;
  ::getsockname(listener, reinterpret_cast<sockaddr*>(&addr), &len);
  int port = ntohs(addr.sin_port);
  std::thread([listener, mode] {
    while (true) {
      int fd = ::accept4(listener, nullptr, nullptr, SOCK_CLOEXEC);
      if (fd < 0) continue;
      std::thread(Serve, fd, mode).detach();
    }
  }).detach();

  char tmpl[] = "/tmp/xmppfuzz-hostile.XXXXXX";
  if (::mkdtemp(tmpl) == nullptr) Die("mkdtemp failed");
  fs::path tmp = tmpl;
  WriteSuite(tmp / "suite", big);
  std::string target = "xmpp://127.0.0.1:" + std::to_string(port) + "/localhost";
  // flood-stanzas waits longer, so that the 8 MiB cap, not the wait, ends
  // the vector where the machine parses at normal speed.
  // The STARTTLS modes too: a TLS handshake (and the system trust store the
  // runner loads without --ca) takes a while under sanitizers, and these
  // modes are about what the peer sends, not about a slow handshake.
  int timeout_ms = mode == "flood-stanzas" || starttls ? 1500 : kTimeoutMs;
  std::vector<std::string> args = {xmppfuzz, "conform", "--suite", (tmp / "suite").string(), "--target", target,
                                   "--timeout-ms", std::to_string(timeout_ms), "--jobs", std::to_string(kJobs),
                                   "--tls", starttls ? "required" : "off",
                                   "--format", "json", "--out", (tmp / "report.json").string()};
  Run run = RunConform(args, tmp / "stdout.txt");

  // The documented bound: each vector by its deadline plus the health
  // check, ceil(vectors / jobs) rounds, and 3 s (10 s under sanitizers) to
  // start the process and load the suite.
  xmppfuzz::conform::LiveConfig config;
  config.timeout_ms = timeout_ms;
  size_t input_bytes = big ? (16u << 20) + 30 : 200;
  long per_vector = xmppfuzz::conform::VectorDeadlineMs(config, input_bytes) + xmppfuzz::conform::HealthCheckMs(config);
  int vectors = big ? 1 : 2;
  long wall_bound_ms = ((vectors + kJobs - 1) / kJobs) * per_vector + (kSanitizerFactor > 1 ? 10000 : 3000);

  std::string failures;
  if (run.status != 1) failures += "exit status " + std::to_string(run.status) + ", expected 1 (vectors failed); ";
  if (run.wall_ms > wall_bound_ms) {
    failures += "took " + std::to_string(run.wall_ms) + " ms, over the bound of " + std::to_string(wall_bound_ms) + " ms; ";
  }
  if (run.peak_rss_kib > rss_bound_kib) {
    failures += "peak RSS " + std::to_string(run.peak_rss_kib) + " KiB, over " + std::to_string(rss_bound_kib) + " KiB; ";
  }
  std::string json_text = Slurp(tmp / "report.json");
  std::string observed;
  try {
    nlohmann::json report = nlohmann::json::parse(json_text);
    const auto& vs = report.at("targets").at(0).at("vectors");
    if (static_cast<int>(vs.size()) != vectors) failures += "report lists " + std::to_string(vs.size()) + " vectors; ";
    for (const auto& v : vs) {
      std::string got = v.at("observed").get<std::string>();
      observed += (observed.empty() ? "" : ",") + got;
      if (v.at("verdict") != "fail") failures += v.at("id").get<std::string>() + " is not 'fail'; ";
      // A stanza flood is parsed as it comes: where parsing is slow (ASan,
      // a loaded machine) the vector's deadline may come before the read
      // cap, and then the truth is no-answer. Either way it ends in time.
      bool slow_flood = mode == "flood-stanzas" && got == "no-answer";
      if (got != expected->second && !slow_flood) {
        failures += v.at("id").get<std::string>() + " observed '" + got + "', expected '" + expected->second + "'; ";
      }
    }
  } catch (const std::exception& e) {
    failures += std::string("bad JSON report: ") + e.what() + "; ";
  }
  // Nothing the peer sent reaches a report raw, and every report is small.
  for (const auto& [name, text] : {std::pair<std::string, std::string>{"stdout", run.out}, {"report.json", json_text}}) {
    if (HasRawControl(text)) failures += name + " holds a raw control byte; ";
    if (text.size() > 64 * 1024) failures += name + " is " + std::to_string(text.size()) + " bytes; ";
  }
  // The stanza written right behind <proceed/> was dropped, never read
  // inside TLS, and the report says so (RFC 6120 5.4.3.3, CVE-2011-0411).
  if (mode == "starttls-inject" && json_text.find("after <proceed/> dropped, never read") == std::string::npos) {
    failures += "the report does not say that the bytes after <proceed/> were dropped; ";
  }
  if (mode == "nul-esc-name" || mode == "huge-name") {
    // The JUnit report too (its own run).
    std::vector<std::string> junit = args;
    junit[junit.size() - 3] = "junit";
    junit.back() = (tmp / "report.xml").string();
    Run again = RunConform(junit, tmp / "stdout2.txt");
    std::string xml = Slurp(tmp / "report.xml");
    if (again.status != 1) failures += "junit run exit status " + std::to_string(again.status) + "; ";
    if (HasRawControl(xml) || HasRawControl(again.out)) failures += "the JUnit run printed a raw control byte; ";
    if (xml.size() > 64 * 1024) failures += "report.xml is " + std::to_string(xml.size()) + " bytes; ";
    if (xml.find("evil") == std::string::npos && mode == "nul-esc-name") failures += "report.xml lacks the detail; ";
  }
  std::printf("hostile %s: observed=%s wall_ms=%ld (bound %ld) peak_rss_kib=%ld (bound %ld)\n", mode.c_str(),
              observed.c_str(), run.wall_ms, wall_bound_ms, run.peak_rss_kib, rss_bound_kib);
  if (!failures.empty()) {
    std::fprintf(stderr, "FAIL [%s]: %s\n--- stdout (first 2000 bytes):\n%s\n", mode.c_str(), failures.c_str(),
                 run.out.substr(0, 2000).c_str());
    std::fflush(stdout);
    std::fflush(stderr);
    std::_Exit(1);
  }
  std::error_code ec;
  fs::remove_all(tmp, ec);
  std::fflush(stdout);
  std::_Exit(0);
}
