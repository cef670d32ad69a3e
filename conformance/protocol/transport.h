// Byte connections for the protocol scenarios: a TCP connection to a live
// server on loopback with a deadline on every operation, or a reference
// server in process (conformance/protocol/reference_server.h).
#ifndef XMPPFUZZ_CONFORMANCE_PROTOCOL_TRANSPORT_H_
#define XMPPFUZZ_CONFORMANCE_PROTOCOL_TRANSPORT_H_

#include <chrono>
#include <cstdint>
#include <functional>
#include <memory>
#include <string>
#include <string_view>

#include "conformance/protocol/reference_server.h"

namespace xmppfuzz::protocol {

using Clock = std::chrono::steady_clock;

enum class ReadStatus : uint8_t {
  kData,     // bytes were appended
  kTimeout,  // nothing came before the deadline (in process: nothing to come now)
  kClosed,   // the peer closed or reset the connection, or it failed
};

class Transport {
 public:
  virtual ~Transport() = default;
  // Write sends |bytes| by |deadline|. Returns false when the connection is
  // closed or the deadline passed.
  virtual bool Write(std::string_view bytes, Clock::time_point deadline) = 0;
  // Read appends at most |max| bytes the peer sent, waiting until |deadline|.
  virtual ReadStatus Read(std::string* out, size_t max, Clock::time_point deadline) = 0;
  // Shutdown tells the peer we are done writing (TCP FIN / EOF in process).
  virtual void Shutdown() = 0;
};

// Connector opens a new connection; nullptr with |error| set when it cannot.
using Connector = std::function<std::unique_ptr<Transport>(Clock::time_point deadline, std::string* error)>;

// TcpConnector connects to |host| (numeric, loopback: the caller checked)
// and |port| within the deadline.
Connector TcpConnector(std::string host, uint16_t port);

// InprocConnector gives each connection a fresh ReferenceServer.
Connector InprocConnector(ReferenceConfig config);

}  // namespace xmppfuzz::protocol

#endif  // XMPPFUZZ_CONFORMANCE_PROTOCOL_TRANSPORT_H_
