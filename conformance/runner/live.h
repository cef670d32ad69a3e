// The live target: an XMPP server on loopback, reached over TCP.
//
// Each vector gets a fresh connection. With TLS (LiveTls::kRequired, or
// kAuto against a server that offers it) the runner first negotiates
// STARTTLS (RFC 6120 section 5) with tls::StarttlsClient, runs the TLS
// handshake with a tls::Session over memory BIOs, verifies the server's
// certificate for the XMPP domain against --ca, and restarts the stream
// inside TLS. It then opens a stream (and, for authenticated vectors, logs
// in with our SCRAM client -- the strongest SCRAM offered, -PLUS with a
// channel binding when the server offers it and TLS gives one; PLAIN only
// when asked -- and binds a resource), sends the vector's bytes, then a
// probe and reads the reply with the reference stream parser, client side
// (stream::Side::kClient), until it can classify what the server did:
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
//   refused-tls <code>   (before the vector) STARTTLS or the TLS handshake
//                        failed with that tls::Error (the certificate
//                        included); never a fallback to cleartext
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
#include <string_view>

#include "conformance/runner/runner.h"

struct x509_store_st;

namespace xmppfuzz::conform {

// LiveTls is the --tls policy. kAuto: STARTTLS when the server offers it
// (decided once per run by PrepareLive, then held to: a connection that is
// not offered STARTTLS later fails, never falls back); kRequired: every
// connection negotiates STARTTLS or fails; kOff: cleartext, as before TLS
// support.
enum class LiveTls : uint8_t { kAuto, kRequired, kOff };
std::string_view LiveTlsName(LiveTls t);  // "auto", "required", "off"
// ParseLiveTls reads a --tls value; false for anything else.
bool ParseLiveTls(std::string_view name, LiveTls* out);

struct LiveConfig {
  std::string url;        // as given
  std::string host;       // numeric address it resolved to
  uint16_t port = 0;
  std::string domain = "localhost";  // the XMPP domain (URL path, default localhost)
  std::string user;       // log-in for authenticated vectors; empty: none
  std::string password;
  LiveTls tls = LiveTls::kAuto;
  // PEM file of the certificates trusted for the server (a CA or the
  // server's own self-signed certificate); empty: the system store.
  std::string ca_file;
  // The SASL mechanism to log in with (SCRAM-SHA-1, SCRAM-SHA-256-PLUS,
  // PLAIN, ...); empty: the strongest SCRAM the server offers, -PLUS when
  // it offers -PLUS and the TLS connection gives a binding it can use.
  std::string mechanism;
  // Set by PrepareLive: whether every connection negotiates STARTTLS (kAuto
  // resolved), and the trust store loaded from ca_file (shared, read only).
  bool use_tls = false;
  std::shared_ptr<x509_store_st> trust;
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

// PrepareLive checks the TLS options and readies |config| for a run: it
// loads ca_file (no ca_file: the system store) into config->trust once
// for the whole run (not with kOff) and, for kAuto, opens one connection,
// sends a stream header and reads the features to learn whether the server
// offers STARTTLS (use_tls). When the server's answer does not tell within
// 2 x HealthCheckMs, TLS is required (never a guess for cleartext). Returns
// "" or what is wrong with the options (an unreadable CA file, --mechanism
// not a known name, a -PLUS mechanism with --tls off); |notice| (may be
// null) gets a line worth printing: how kAuto was resolved and, with a
// user, how one log-in ahead of the run went.
std::string PrepareLive(LiveConfig* config, std::string* notice = nullptr);

// CheckLive opens one TCP connection to the server within HealthCheckMs and
// returns "" when it is accepted, otherwise why not.
std::string CheckLive(const LiveConfig& config);

}  // namespace xmppfuzz::conform

#endif  // XMPPFUZZ_CONFORMANCE_RUNNER_LIVE_H_
