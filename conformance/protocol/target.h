// Hooks the protocol scenarios into `xmppfuzz conform`: a target wrapper
// that plays kind: protocol vectors itself (against a reference server in
// process, or over TCP against the live server) and hands every other
// vector to the target it wraps.
#ifndef XMPPFUZZ_CONFORMANCE_PROTOCOL_TARGET_H_
#define XMPPFUZZ_CONFORMANCE_PROTOCOL_TARGET_H_

#include <cstdint>
#include <memory>
#include <string>
#include <vector>

#include "conformance/protocol/reference_server.h"
#include "conformance/runner/runner.h"

namespace xmppfuzz::protocol {

struct ProtocolTargetOptions {
  bool live = false;
  // Live: the server (numeric loopback address), its XMPP domain and the
  // account; timeout_ms is how long one read waits.
  std::string host;
  uint16_t port = 0;
  std::string domain = "localhost";
  std::string user;
  std::string password;
  int timeout_ms = 2000;
  // Live: the configuration words the target states (--server-config); a
  // scenario needing a word not listed is n/a with the reason.
  std::vector<std::string> server_config;
  // In process: the reference server's backend and faults (tests).
  xml::Backend backend = xml::Backend::kExpat;
  ServerFaults faults;
};

// WithProtocolScenarios wraps |inner| (its name, liveness and jobs are kept).
std::unique_ptr<conform::Target> WithProtocolScenarios(std::unique_ptr<conform::Target> inner,
                                                       ProtocolTargetOptions options);

// ParseServerConfig reads a --server-config value ("starttls-required,plus");
// false with a message for an unknown word.
bool ParseServerConfig(const std::string& text, std::vector<std::string>* out, std::string* error);

}  // namespace xmppfuzz::protocol

#endif  // XMPPFUZZ_CONFORMANCE_PROTOCOL_TARGET_H_
