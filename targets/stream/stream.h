// xmppfuzz reference XMPP stream parser (RFC 6120 section 4 and 8 rules on
// top of the XML layer): stream header validation, top-level element checks,
// iq rules, JID checks on to/from, stream restarts and the pre- and
// post-authentication stanza limits.
//
// The reference is strict on purpose: a stanza that breaks an RFC 6120 rule
// ends the stream with a stream error instead of bouncing a stanza error, so
// that every rule is visible to fuzzers and conformance vectors.
#ifndef XMPPFUZZ_TARGETS_STREAM_STREAM_H_
#define XMPPFUZZ_TARGETS_STREAM_STREAM_H_

#include <cstdint>
#include <span>
#include <string>
#include <string_view>
#include <vector>

#include "targets/xml/xml.h"

namespace xmppfuzz::stream {

inline constexpr std::string_view kClientNs = "jabber:client";
inline constexpr std::string_view kServerNs = "jabber:server";
inline constexpr std::string_view kSaslNs = "urn:ietf:params:xml:ns:xmpp-sasl";
inline constexpr std::string_view kTlsNs = "urn:ietf:params:xml:ns:xmpp-tls";

// Side says whose bytes are parsed. kServer: we are the server and parse what
// a client sends. kClient: we are the client and parse what a server sends.
enum class Side : uint8_t { kServer, kClient };

std::string_view SideName(Side s);

struct Event {
  enum class Kind : uint8_t { kStreamOpen, kStanza, kStreamClose, kError };
  Kind kind;
  xml::Element element;    // kStreamOpen: the header; kStanza: the stanza
  std::string content_ns;  // kStreamOpen
  xml::Error error;        // kError
  uint64_t offset = 0;     // where the event's first byte was

  // Line renders the event as `xmppfuzz parse` prints it (without newline):
  //   stream-open <canonical header>
  //   stanza <canonical stanza>
  //   stream-close
  //   error <condition> offset=<N>
  std::string Line() const;
};

struct Options {
  xml::Backend backend = xml::Backend::kExpat;
  xml::Limits limits;
  Side side = Side::kServer;
  // Authenticated streams use limits.max_stanza_bytes; others the pre-auth one.
  bool authenticated = false;
};

// Parser plays one direction of an XMPP stream. Feed() appends events to
// events(); the caller drains them with TakeEvents(). After an error no
// further events appear; the error is also the last event.
class Parser : private xml::Reader::Listener {
 public:
  explicit Parser(const Options& options);

  xml::Status Feed(std::span<const uint8_t> bytes);
  xml::Status Feed(std::string_view bytes) {
    return Feed(std::span<const uint8_t>(reinterpret_cast<const uint8_t*>(bytes.data()), bytes.size()));
  }

  // Restart expects a new stream header at the next byte (after STARTTLS
  // <proceed/> or SASL <success/>).
  void Restart();
  void SetAuthenticated(bool authenticated);

  const xml::Error& error() const { return reader_.error(); }
  bool closed() const { return closed_; }
  std::vector<Event>& events() { return events_; }
  std::vector<Event> TakeEvents();

 private:
  xml::Error OnStreamOpen(xml::Element header, std::string content_ns, uint64_t offset) override;
  xml::Error OnStanza(xml::Element stanza, uint64_t offset) override;
  xml::Error OnStreamClose(uint64_t offset) override;
  xml::Error OnStanzaStart(std::string_view ns, std::string_view name, uint64_t offset) override;
  bool AllowInbandRestart() override;

  xml::Error CheckHeader(const xml::Element& header, const std::string& content_ns, uint64_t offset) const;
  xml::Error CheckStanza(const xml::Element& stanza, uint64_t offset) const;
  bool StreamsElementAllowed(std::string_view name) const;
  void RecordError(xml::Status status);

  Options options_;
  xml::Reader reader_;
  std::vector<Event> events_;
  std::string content_ns_;
  bool closed_ = false;
  bool error_recorded_ = false;
  bool restart_armed_ = false;  // a SASL step was seen, so a restart may follow
};

// ClientHeader returns the XML declaration and the stream header a client
// opens with (RFC 6120 section 4.2): content namespace |content_ns|,
// to='|to|', version 1.0. The one standard header of tests, fuzzers and the
// conformance runner.
std::string ClientHeader(std::string_view to = "example.com", std::string_view content_ns = "jabber:client");

// ServerHeader is the header a server answers with (RFC 6120 section 4.3):
// from='|from|', id='|id|', version 1.0.
std::string ServerHeader(std::string_view from, std::string_view id = "xmppfuzz",
                         std::string_view content_ns = "jabber:client");

// ParseAll runs |bytes| through a fresh parser in chunks of |chunk| bytes
// (0: whole) and returns the event lines. Used by tests and fuzzers.
std::vector<std::string> ParseAll(const Options& options, std::string_view bytes, size_t chunk = 0);

// ParseSplit is ParseAll with explicit chunk lengths (the rest goes last).
std::vector<std::string> ParseSplit(const Options& options, std::string_view bytes,
                                    const std::vector<size_t>& lengths);

}  // namespace xmppfuzz::stream

#endif  // XMPPFUZZ_TARGETS_STREAM_STREAM_H_
