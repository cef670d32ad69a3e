// The live target: an XMPP server on loopback, reached over TCP.
//
// Each vector gets a fresh connection. The runner opens a stream (and, for
// authenticated vectors, logs in with SASL PLAIN and binds a resource),
// sends the vector's bytes, then a probe and reads the reply with the
// reference stream parser, client side (stream::Side::kClient), until it
// can classify what the server did:
//   invalid-reply <c>    the reference parser refused the server's bytes
//                        with condition <c> (whatever came before or after)
//   flooded              the server sent more than kLiveReadCapBytes
//   refused <condition>  the server sent that stream error
//   accepted             the probe was answered and no stanza bounced
//   stanza-error         the probe was answered and a stanza bounced
//   closed               the server closed without a stream error
//   no-answer            no answer to the probe within the wait or the
//                        vector's deadline; the server still takes new
//                        TCP connections
//   crashed              the server no longer takes new TCP connections
// (checked in that order). Every vector, opening and log-in included, ends
// by its deadline (VectorDeadlineMs); the check that tells no-answer and
// closed from crashed takes at most HealthCheckMs more. A connection reads
// at most kLiveReadCapBytes and keeps no more than the parser's limits
// (one stanza of kLiveStanzaBytes) and a 2 KiB head and 4 KiB tail of the
// reply.
#ifndef XMPPFUZZ_CONFORMANCE_RUNNER_LIVE_H_
#define XMPPFUZZ_CONFORMANCE_RUNNER_LIVE_H_

#include <cstddef>
#include <cstdint>
#include <memory>
#include <string>

#include "conformance/runner/runner.h"

namespace xmppfuzz::conform {

struct LiveConfig {
  std::string url;        // as given
  std::string host;       // numeric address it resolved to
  uint16_t port = 0;
  std::string domain = "localhost";  // the XMPP domain (URL path, default localhost)
  std::string user;       // log-in for authenticated vectors; empty: none
  std::string password;
  int jobs = 8;           // connections at once
  int timeout_ms = 2000;  // how long to wait for an answer
};

inline constexpr size_t kLiveReadCapBytes = 8u << 20;   // bytes read from one connection, at most
inline constexpr size_t kLiveStanzaBytes = 1u << 20;    // largest stanza accepted from a server
inline constexpr size_t kLiveMaxDepth = 256;           // deepest nesting accepted from a server
inline constexpr int kLiveVectorCapMs = 60000;          // no vector's deadline is later than this
inline constexpr int kLiveHealthCapMs = 5000;

// VectorDeadlineMs is how long one vector may take, from connecting to its
// verdict: 4 x --timeout-ms plus 1 ms per 64 input bytes, at most
// kLiveVectorCapMs.
int VectorDeadlineMs(const LiveConfig& config, size_t input_bytes);

// HealthCheckMs bounds CheckLive: --timeout-ms, at most kLiveHealthCapMs.
int HealthCheckMs(const LiveConfig& config);

// ParseLiveUrl reads "xmpp://HOST:PORT[/DOMAIN]" into |config|. HOST must
// be a loopback address (127.0.0.0/8, ::1) or a name that resolves only to
// loopback addresses; anything else is refused: live runs never leave the
// machine. Returns false with a message in |error|.
bool ParseLiveUrl(const std::string& url, LiveConfig* config, std::string* error);

// IsLoopback reports whether the numeric address |host| is loopback.
bool IsLoopback(const std::string& host);

// MakeLiveTarget returns the target for a parsed configuration.
std::unique_ptr<Target> MakeLiveTarget(const LiveConfig& config);

// CheckLive opens one TCP connection to the server within HealthCheckMs and
// returns "" when it is accepted, otherwise why not.
std::string CheckLive(const LiveConfig& config);

}  // namespace xmppfuzz::conform

#endif  // XMPPFUZZ_CONFORMANCE_RUNNER_LIVE_H_
