// The reference XMPP server of the protocol scenarios: the project's own
// parts put together as a server a client can log in to, sans-IO (the
// caller feeds the client's bytes and sends what comes out).
//
//   plaintext   tls::StarttlsServer (TLS required): header, features with
//               <starttls><required/>, <proceed/>; <auth/> before TLS gets
//               <encryption-required/>, a stanza <not-authorized/>; bytes
//               pipelined after <starttls/> are discarded
//   TLS         tls::Session, server side, over memory BIOs, with a
//               certificate for the domain issued at run time by a CA made
//               for the process (ServerTrustAnchor)
//   SASL        the stream parser (server side) reads the restarted stream;
//               mechanisms from sasl::OfferFor (PLAIN and SCRAM-SHA-1/256/512,
//               -PLUS with the binding types the negotiated version has,
//               XEP-0440 list, XEP-0474 h=); sasl::ScramServer / VerifyPlain
//               against stored credentials derived from the one account
//   bound       resource binding, an answer to XEP-0199 ping, a second
//               <starttls/> refused with <failure/> and the stream closed
//
// Faults make it misbehave on purpose, so tests can show that the
// scenarios catch a server that does.
#ifndef XMPPFUZZ_CONFORMANCE_PROTOCOL_REFERENCE_SERVER_H_
#define XMPPFUZZ_CONFORMANCE_PROTOCOL_REFERENCE_SERVER_H_

#include <memory>
#include <string>
#include <string_view>

#include "targets/xml/xml.h"

struct x509_st;

namespace xmppfuzz::protocol {

struct ServerFaults {
  bool plain_before_tls = false;      // advertise PLAIN in the pre-TLS features
  bool sasl_always_succeeds = false;  // answer every SASL exchange with <success/>
  bool tls_unique_on_tls13 = false;   // list tls-unique in the XEP-0440 feature on TLS 1.3
  bool accept_second_starttls = false;  // answer <starttls/> inside TLS with <proceed/>
  bool wrong_server_signature = false;  // a SCRAM server-final whose v= is not the ServerSignature
};

struct ReferenceConfig {
  std::string domain = "localhost";
  std::string user = "xmppfuzz";
  std::string password = "pencil";
  xml::Backend backend = xml::Backend::kExpat;
  // Direct TLS (XEP-0368): the TLS handshake comes first, ALPN xmpp-client.
  bool direct_tls = false;
  ServerFaults faults;
};

// ReferenceServer is one client connection to the reference server.
class ReferenceServer {
 public:
  explicit ReferenceServer(ReferenceConfig config);
  ~ReferenceServer();
  ReferenceServer(const ReferenceServer&) = delete;
  ReferenceServer& operator=(const ReferenceServer&) = delete;

  // Feed takes bytes the client sent (any chunking). Output is queued.
  void Feed(std::string_view bytes);
  // FeedEof: the client closed its end.
  void FeedEof();
  // TakeOutput returns the bytes to send to the client and forgets them.
  std::string TakeOutput();
  // closed: the server has ended the connection (after its last output).
  bool closed() const;
  // State is the connection phase, printable with StateName().
  enum class State : uint8_t { kPlaintext, kHandshake, kTlsStream, kAuthenticated, kClosed };
  State state() const;

 private:
  struct Impl;
  std::unique_ptr<Impl> impl_;
};

std::string_view StateName(ReferenceServer::State s);

// ServerTrustAnchor is the CA certificate that issued the reference server's
// certificates in this process (borrowed; for clients that verify it).
x509_st* ServerTrustAnchor();

}  // namespace xmppfuzz::protocol

#endif  // XMPPFUZZ_CONFORMANCE_PROTOCOL_REFERENCE_SERVER_H_
