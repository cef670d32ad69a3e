// The scripted hostile XMPP server of one kind: client vector (internal to
// conformance/hostile; README "Hostile server: client libraries").
#ifndef XMPPFUZZ_CONFORMANCE_HOSTILE_SERVER_H_
#define XMPPFUZZ_CONFORMANCE_HOSTILE_SERVER_H_

#include <sys/types.h>

#include <atomic>
#include <cstdint>
#include <mutex>
#include <thread>
#include <string>
#include <vector>

#include "conformance/runner/vector.h"

namespace xmppfuzz::hostile {

// Script is a vector's server: words.
struct Script {
  enum class Starttls : uint8_t { kRequired, kOptional, kNone, kFail };
  Starttls starttls = Starttls::kRequired;
  std::string cert = "valid";
  std::string weak_tls;  // "", "1.0" (only TLS 1.0), "legacy-suites" (TLS 1.2, no AEAD)
  std::vector<std::string> mechanisms = {"SCRAM-SHA-256", "SCRAM-SHA-1", "PLAIN"};
  std::string scram = "normal";
  std::string origin;  // roster-push, carbon, iq-result
  int runs = 1;
};

// ParseScript reads the words; false with |error| on an unknown word.
bool ParseScript(const std::vector<std::string>& words, Script* out, std::string* error);

// ServerLog is what our server saw on every connection of one driver run.
struct ServerLog {
  int connections = 0;
  bool starttls_requested = false;
  bool tls_established = false;
  std::string tls_version;     // "TLSv1.3"
  std::string tls_cipher;
  std::string tls_failure;     // why the handshake failed (client alert ...)
  bool sent_over_tls = false;  // the client sent a stream header over TLS
  std::vector<std::string> auth_mechanisms;  // each <auth mechanism=...>
  bool auth_before_tls = false;
  bool auth_after_starttls_failure = false;
  bool plain_cleartext = false;
  bool plain_sent = false;
  std::vector<std::string> client_nonces;
  std::string gs2_flags;       // one of n, y, p per SCRAM client-first
  bool client_final_sent = false;
  bool restarted_after_success = false;
  bool bound = false;
  bool bound_after_header = false;  // the client bound after our vector's header
  int http_fetches = 0;
  std::vector<std::string> http_paths;
  std::string client_error;    // our parser refused the client's bytes
  std::vector<std::string> timeline;  // short escaped notes, in order
  std::mutex mutex;            // for the HTTP canary thread
  void Note(const std::string& s);
};

// ServeConfig is what one driver run's server needs.
struct ServeConfig {
  const conform::Vector* vector = nullptr;
  Script script;
  bool websocket = false;
  std::string online_bytes;  // the vector's input, placeholders substituted
  std::string header_bytes;  // the vector's header, placeholders substituted
  int idle_ms = 3000;
  int linger_ms = 1200;
};

// Server listens on 127.0.0.1 (an ephemeral port) and plays the script to
// every connection (at most a few) until Stop().
class Server {
 public:
  explicit Server(ServeConfig config);
  ~Server();
  // Start binds and starts the thread; false with |error| when it cannot.
  bool Start(std::string* error);
  // SetBytes sets the injected bytes (before Start).
  void SetBytes(std::string online, std::string header) {
    config_.online_bytes = std::move(online);
    config_.header_bytes = std::move(header);
  }
  int port() const { return port_; }
  // WatchClient names the driver's process group: a client that keeps the
  // CPU busy is not taken for a silent one (Next waits on for it).
  void WatchClient(pid_t group) { client_group_.store(group); }
  void Stop();
  ServerLog& log() { return log_; }
  const ServerLog& log() const { return log_; }

 private:
  void Loop();
  ServeConfig config_;
  ServerLog log_;
  int listen_fd_ = -1;
  int port_ = 0;
  std::atomic<bool> stop_{false};
  std::atomic<pid_t> client_group_{0};
  std::thread thread_;
};

// HttpCanary is a loopback HTTP listener that records every request.
class HttpCanary {
 public:
  explicit HttpCanary(ServerLog* log) : log_(log) {}
  ~HttpCanary();
  bool Start(std::string* error);
  int port() const { return port_; }
  void Stop();

 private:
  ServerLog* log_;
  int listen_fd_ = -1;
  int port_ = 0;
  std::atomic<bool> stop_{false};
  std::thread thread_;
};

// ReferenceStanzas runs the reference stream parser (client side) over our
// header, the markers and |online| and returns the stanzas it delivers
// between the markers (canonical), and whether it reached the after-marker.
// A stanza it refuses for its address or type (not its markup) counts as
// read, and the after-marker as reached.
std::vector<std::string> ReferenceStanzas(const std::string& online, bool* reached_after, std::string* error);

// The markers around injected bytes (ids of two messages we send).
inline constexpr const char* kBeforeId = "xf-before";
inline constexpr const char* kAfterId = "xf-after";
inline constexpr const char* kEntityMarker = "XF-ENTITY-EXPANDED";
inline constexpr const char* kHttpMarker = "XF-HTTP-CANARY";

}  // namespace xmppfuzz::hostile

#endif  // XMPPFUZZ_CONFORMANCE_HOSTILE_SERVER_H_
