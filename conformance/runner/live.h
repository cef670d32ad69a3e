// The live target: an XMPP server on loopback, reached over TCP.
//
// Each vector gets a fresh connection. The runner opens a stream (and, for
// authenticated vectors, logs in with SASL PLAIN and binds a resource),
// sends the vector's bytes, then a probe and reads the reply
// with a parser of its own (the reference stream parser, client side) until
// it can classify what the server did:
//   refused <condition>  the server sent that stream error
//   accepted             the probe was answered and no stanza bounced
//   stanza-error         the probe was answered and a stanza bounced
//   closed               the server closed without a stream error
//   no-answer            nothing within the timeout; the server still
//                        takes new connections
//   crashed              the server no longer takes new connections
#ifndef XMPPFUZZ_CONFORMANCE_RUNNER_LIVE_H_
#define XMPPFUZZ_CONFORMANCE_RUNNER_LIVE_H_

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

// ParseLiveUrl reads "xmpp://HOST:PORT[/DOMAIN]" into |config|. HOST must
// be a loopback address (127.0.0.0/8, ::1) or a name that resolves only to
// loopback addresses; anything else is refused: live runs never leave the
// machine. Returns false with a message in |error|.
bool ParseLiveUrl(const std::string& url, LiveConfig* config, std::string* error);

// IsLoopback reports whether the numeric address |host| is loopback.
bool IsLoopback(const std::string& host);

// MakeLiveTarget returns the target for a parsed configuration.
std::unique_ptr<Target> MakeLiveTarget(const LiveConfig& config);

// CheckLive opens one stream to the server and returns "" when it answers
// with a stream header, otherwise why not.
std::string CheckLive(const LiveConfig& config);

}  // namespace xmppfuzz::conform

#endif  // XMPPFUZZ_CONFORMANCE_RUNNER_LIVE_H_
