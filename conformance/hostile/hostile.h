// Hostile-server mode (issue 15): `xmppfuzz conform --target client:<library>`
// plays the kind: client vectors as a scripted, misbehaving XMPP server on
// 127.0.0.1 against a small driver program per client library
// (conformance/clients/<library>/driver.json, README "Hostile server: client
// libraries"), and judges what happened from both sides: what our server saw
// the client send and what the driver printed as JSON lines.
//
// The server is built from the reference implementation's parts: the stream
// parser (server side) reads what the client sends, StarttlsServer plays the
// STARTTLS negotiation, tls::Session (server role, memory BIOs) the TLS
// layer, sasl::ScramServer the honest SCRAM exchanges (tampered ones are
// written here), and tests/tls/cert_builder issues the certificates at run
// time.
//
// Isolation: EnterSandbox() moves the whole conform process into fresh
// network and mount namespaces (only loopback up; the test CA bind-mounted
// over the system trust store) before any thread starts; the server and every
// driver then share that namespace. Each driver runs in its own process group
// under wall-clock, CPU (RLIMIT_CPU and rusage) and memory (RSS of the group,
// polled) limits.
#ifndef XMPPFUZZ_CONFORMANCE_HOSTILE_HOSTILE_H_
#define XMPPFUZZ_CONFORMANCE_HOSTILE_HOSTILE_H_

#include <sys/types.h>

#include <cstdint>
#include <functional>
#include <memory>
#include <optional>
#include <string>
#include <string_view>
#include <vector>

#include "conformance/runner/runner.h"

namespace xmppfuzz::hostile {

// The account every driver logs in with.
inline constexpr std::string_view kDomain = "xmppfuzz.test";
inline constexpr std::string_view kUser = "alice";
inline constexpr std::string_view kPassword = "hostile-Secret-7";
inline constexpr std::string_view kResource = "xf";

// ---- the sandbox ------------------------------------------------------------

// Sandbox is what EnterSandbox set up: the directory holding the CA bundle
// and the canary file (removed by LeaveSandbox), and the canary's contents.
struct Sandbox {
  bool entered = false;
  std::string reason;     // why not entered (client targets are then skipped with it)
  std::string dir;        // /tmp/xmppfuzz-hostile-XXXXXX
  std::string ca_file;    // dir/certs/ca-certificates.crt (the test CA, PEM)
  std::string canary_file;
  std::string canary_token;  // the canary file's contents
};

// EnterSandbox issues the test PKI, then unshares the network and mount
// namespaces of the calling process (which must not have started a thread),
// brings lo up, makes mounts private, bind-mounts a directory holding only
// the test CA (PEM bundle and hashed links) over /etc/ssl/certs and sets
// SSL_CERT_FILE, SSL_CERT_DIR and NODE_EXTRA_CA_CERTS for the drivers.
// Returns the sandbox; entered is false with |reason| when a step failed (not
// root, no user namespaces ...): client targets must then be skipped, never
// run outside the namespace.
Sandbox& EnterSandbox();
// CurrentSandbox is what EnterSandbox returned (entered false before).
const Sandbox& CurrentSandbox();
// LeaveSandbox removes the sandbox directory.
void LeaveSandbox();

// ---- drivers ------------------------------------------------------------------

// DriverSpec is one driver.json (the contract in README "Hostile server").
struct DriverSpec {
  std::string library;
  std::vector<std::string> packages;
  std::vector<std::string> command;  // {build} and {src} substituted
  bool websocket = false;            // "transport": "websocket"
  std::string dir;                   // the directory driver.json is in
  // Non-empty: the driver cannot run here ("driver not built: libfoo-dev
  // missing"); every vector is then skipped with this reason.
  std::string unavailable;
};

// LoadDriver reads |clients_dir|/|library|/driver.json. Returns false with
// |error| when the name or the file is malformed (a usage error); a driver
// that is missing or cannot run comes back with unavailable set (skipped).
bool LoadDriver(const std::string& clients_dir, const std::string& library, const std::string& build_dir,
                const std::string& src_dir, DriverSpec* out, std::string* error);

// Limits bound one driver run.
struct Limits {
  int wall_ms = 20000;                  // then: hung
  int cpu_seconds = 10;                 // RLIMIT_CPU and polled rusage: cpu-bound
  uint64_t memory_bytes = 768ull << 20; // RSS of the process group: memory
  size_t max_output = 48u << 20;        // stdout kept (more is read and dropped); 16 MiB a line
};

// DriverEvent is one JSON line the driver printed; raw lines that are not
// JSON objects are kept with event "unparsed".
struct DriverEvent {
  std::string event;
  std::string text;   // text / xml / jid / mechanism, whichever the event has
  std::string extra;  // subscription / direction / type / from
  std::string line;   // the line as printed (peer bytes: escape before printing)
};

// RunStatus is how a driver run ended.
enum class RunStatus : uint8_t { kExited, kCrashed, kHung, kCpuBound, kMemory, kNotStarted };
std::string_view RunStatusName(RunStatus s);

struct DriverRun {
  RunStatus status = RunStatus::kNotStarted;
  int exit_code = 0;       // kExited
  int signal = 0;          // kCrashed by a signal
  std::vector<DriverEvent> events;
  std::string stderr_tail; // the last bytes of stderr (escape before printing)
  uint64_t peak_rss = 0;
  int64_t wall_ms = 0;
  std::string why;         // the limit that fired, or how it failed to start
};

// RunDriver runs |command| (argv) in a new process group with |limits|,
// reads its stdout as JSON lines, and kills the whole group at the end.
// |on_start| (optional) runs in the parent after the fork with the group's
// id (the child's pid), before the first byte is read.
DriverRun RunDriver(const std::vector<std::string>& command, const Limits& limits,
                    const std::function<void(pid_t)>& on_start = {});

// ParseDriverLine reads one printed line.
DriverEvent ParseDriverLine(std::string_view line);

// ---- the target -----------------------------------------------------------------

struct ClientTargetConfig {
  DriverSpec driver;
  Limits limits;
  int jobs = 2;
  // How long our server waits for the client's next move before it gives
  // up on it and closes the stream, and how long it lingers once online.
  int idle_ms = 3000;
  int linger_ms = 1200;
};

// MakeClientTarget returns the conform::Target "client:<library>".
std::unique_ptr<conform::Target> MakeClientTarget(ClientTargetConfig config);

// SkipReason is why a client target skips every vector ("" when it runs).
std::string SkipReason(const conform::Target& target);

// IsClientTargetName reports whether |spec| is "client:<library>".
bool IsClientTargetName(std::string_view spec);

}  // namespace xmppfuzz::hostile

#endif  // XMPPFUZZ_CONFORMANCE_HOSTILE_HOSTILE_H_
