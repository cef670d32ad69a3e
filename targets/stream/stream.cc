#include "targets/stream/stream.h"

#include <algorithm>
#include <array>

#include "targets/jid/jid.h"

namespace xmppfuzz::stream {
namespace {

using xml::Condition;
using xml::Element;
using xml::Error;

Error Fail(Condition c, uint64_t offset, std::string detail) { return Error{c, offset, std::move(detail)}; }

bool OneOf(std::string_view v, std::initializer_list<std::string_view> set) {
  return std::find(set.begin(), set.end(), v) != set.end();
}

// ParseVersion reads "major.minor" (RFC 6120 4.7.5: each a non-negative
// integer; leading zeros ignored).
bool ParseVersion(std::string_view v, unsigned* major) {
  size_t dot = v.find('.');
  if (dot == std::string_view::npos || dot == 0 || dot + 1 == v.size()) return false;
  unsigned value = 0;
  for (size_t i = 0; i < v.size(); ++i) {
    if (i == dot) continue;
    if (v[i] < '0' || v[i] > '9') return false;
    if (i < dot) value = std::min(value * 10 + (v[i] - '0'), 1000u);
  }
  *major = value;
  return true;
}

}  // namespace

std::string_view SideName(Side s) { return s == Side::kServer ? "server" : "client"; }

std::string Event::Line() const {
  switch (kind) {
    case Kind::kStreamOpen: return "stream-open " + xml::CanonicalHeader(element, content_ns);
    case Kind::kStanza: return "stanza " + xml::Canonical(element);
    case Kind::kStreamClose: return "stream-close";
    case Kind::kError:
      return "error " + std::string(xml::ConditionName(error.condition)) + " offset=" + std::to_string(error.offset);
  }
  return "error undefined-condition offset=0";
}

Parser::Parser(const Options& options)
    : options_(options), reader_(options.backend, options.limits, this) {
  reader_.SetAuthenticated(options.authenticated);
}

xml::Status Parser::Feed(std::span<const uint8_t> bytes) {
  xml::Status status = reader_.Feed(bytes);
  RecordError(status);
  if (status == xml::Status::kOk) closed_ = true;
  return status;
}

void Parser::RecordError(xml::Status status) {
  if (status != xml::Status::kError || error_recorded_) return;
  error_recorded_ = true;
  Event& e = events_.emplace_back();
  e.kind = Event::Kind::kError;
  e.error = reader_.error();
  e.offset = e.error.offset;
}

void Parser::Restart() {
  reader_.Restart();
  closed_ = false;
}

void Parser::SetAuthenticated(bool authenticated) {
  options_.authenticated = authenticated;
  reader_.SetAuthenticated(authenticated);
}

std::vector<Event> Parser::TakeEvents() {
  std::vector<Event> out;
  out.swap(events_);
  return out;
}

bool Parser::AllowInbandRestart() {
  if (!restart_armed_) return false;
  restart_armed_ = false;
  // On the client side the restart follows the server's <success/>: the
  // stream is authenticated (RFC 6120 6.4.6). On the server side it follows
  // the client's <auth/>, and this parser never sees whether the exchange
  // succeeded: a client could send <auth/> and a new header at once to get
  // the larger post-authentication limit without credentials. So there the
  // pre-authentication limits stay until the caller, who knows the SASL
  // outcome, calls SetAuthenticated(true).
  if (options_.side == Side::kClient) SetAuthenticated(true);
  return true;
}

Error Parser::CheckHeader(const Element& header, const std::string& content_ns, uint64_t offset) const {
  // RFC 6120 4.8.1: the root element must be qualified by the streams
  // namespace, else invalid-namespace (whatever its name: a <message/> in
  // jabber:client is not in it). In that namespace but not <stream>: the
  // root cannot be processed at all (bad-format, RFC 6120 4.9.3.1).
  if (header.ns != xml::kStreamsNs) return Fail(Condition::kInvalidNamespace, offset, "root element not in the streams namespace (RFC 6120 4.8.1)");
  if (header.name != "stream") return Fail(Condition::kBadFormat, offset, "root element in the streams namespace is not <stream> (RFC 6120 4.9.3.1)");
  if (content_ns != kClientNs && content_ns != kServerNs) {
    return Fail(Condition::kInvalidNamespace, offset, "content namespace is not jabber:client or jabber:server (RFC 6120 4.8.2)");
  }
  const std::string* version = header.Attr("version");
  unsigned major = 0;
  if (version == nullptr || !ParseVersion(*version, &major) || major != 1) {
    return Fail(Condition::kUnsupportedVersion, offset, "stream version is not 1.x (RFC 6120 4.7.5)");
  }
  if (const std::string* from = header.Attr("from"); from != nullptr && !jid::Valid(*from)) {
    return Fail(Condition::kInvalidFrom, offset, "'from' is not a valid JID (RFC 6120 4.7.1)");
  }
  if (const std::string* to = header.Attr("to"); to != nullptr && !jid::Valid(*to)) {
    return Fail(Condition::kHostUnknown, offset, "'to' is not a valid JID (RFC 6120 4.7.2)");
  }
  return Error{};
}

// StreamsElementAllowed says whether a top-level element in the streams
// namespace may appear on this side: <stream:error/> both ways,
// <stream:features/> from a server only. Anything else there (a second
// <stream:stream> without a restart, a client's <stream:features/>) is
// refused at its start tag: a second header is never closed.
bool Parser::StreamsElementAllowed(std::string_view name) const {
  return name == "error" || (name == "features" && options_.side == Side::kClient);
}

Error Parser::OnStanzaStart(std::string_view ns, std::string_view name, uint64_t offset) {
  if (ns == xml::kStreamsNs && !StreamsElementAllowed(name)) {
    return Fail(Condition::kUnsupportedStanzaType, offset,
                name == "stream" ? "a second stream header without a restart (RFC 6120 4.3.3)"
                                 : "unexpected element in the streams namespace");
  }
  return Error{};
}

Error Parser::CheckStanza(const Element& stanza, uint64_t offset) const {
  // Other elements in the streams namespace were refused at their start tag.
  if (stanza.ns == xml::kStreamsNs) return Error{};
  if (stanza.ns.empty()) return Fail(Condition::kInvalidNamespace, offset, "top-level element in no namespace (RFC 6120 4.8.3)");
  if (stanza.ns == kClientNs || stanza.ns == kServerNs) {
    if (stanza.ns != content_ns_) {
      return Fail(Condition::kInvalidNamespace, offset, "stanza not in the stream's content namespace (RFC 6120 4.8.2)");
    }
  } else {
    return Error{};  // an extension element (STARTTLS, SASL, stream management, ...)
  }
  const std::string* type = stanza.Attr("type");
  if (stanza.name == "message") {
    if (type != nullptr && !OneOf(*type, {"chat", "error", "groupchat", "headline", "normal"})) {
      return Fail(Condition::kBadFormat, offset, "unknown message type (RFC 6121 5.2.2)");
    }
  } else if (stanza.name == "presence") {
    if (type != nullptr &&
        !OneOf(*type, {"error", "probe", "subscribe", "subscribed", "unavailable", "unsubscribe", "unsubscribed"})) {
      return Fail(Condition::kBadFormat, offset, "unknown presence type (RFC 6121 4.7.1)");
    }
  } else if (stanza.name == "iq") {
    if (stanza.Attr("id") == nullptr) return Fail(Condition::kBadFormat, offset, "iq without id (RFC 6120 8.2.3)");
    if (type == nullptr || !OneOf(*type, {"get", "set", "result", "error"})) {
      return Fail(Condition::kBadFormat, offset, "iq without a valid type (RFC 6120 8.2.3)");
    }
    size_t children = stanza.ChildElementCount();
    if ((*type == "get" || *type == "set") && children != 1) {
      return Fail(Condition::kBadFormat, offset, "iq get/set must have exactly one child (RFC 6120 8.2.3)");
    }
    if (*type == "result" && children > 1) {
      return Fail(Condition::kBadFormat, offset, "iq result may have at most one child (RFC 6120 8.2.3)");
    }
  } else {
    return Fail(Condition::kUnsupportedStanzaType, offset, "not message, presence or iq (RFC 6120 8)");
  }
  for (std::string_view attr : {"to", "from"}) {
    if (const std::string* v = stanza.Attr(attr); v != nullptr && !jid::Valid(*v)) {
      return Fail(Condition::kImproperAddressing, offset, "'" + std::string(attr) + "' is not a valid JID (RFC 6120 8.1.1)");
    }
  }
  return Error{};
}

Error Parser::OnStreamOpen(Element header, std::string content_ns, uint64_t offset) {
  Error e = CheckHeader(header, content_ns, offset);
  if (!e.ok()) return e;
  content_ns_ = content_ns;
  Event& ev = events_.emplace_back();
  ev.kind = Event::Kind::kStreamOpen;
  ev.element = std::move(header);
  ev.content_ns = std::move(content_ns);
  ev.offset = offset;
  return Error{};
}

Error Parser::OnStanza(Element stanza, uint64_t offset) {
  Error e = CheckStanza(stanza, offset);
  if (!e.ok()) return e;
  // A restart may follow a SASL exchange: the client's <auth/> (we are the
  // server) or the server's <success/> (we are the client).
  if (stanza.ns == kSaslNs) {
    if ((options_.side == Side::kServer && stanza.name == "auth") ||
        (options_.side == Side::kClient && stanza.name == "success")) {
      restart_armed_ = true;
    }
  }
  Event& ev = events_.emplace_back();
  ev.kind = Event::Kind::kStanza;
  ev.element = std::move(stanza);
  ev.offset = offset;
  return Error{};
}

Error Parser::OnStreamClose(uint64_t offset) {
  Event& ev = events_.emplace_back();
  ev.kind = Event::Kind::kStreamClose;
  ev.offset = offset;
  return Error{};
}

std::vector<std::string> ParseSplit(const Options& options, std::string_view bytes, const std::vector<size_t>& lengths) {
  Parser parser(options);
  std::vector<std::string> lines;
  size_t pos = 0;
  auto drain = [&] {
    for (const Event& e : parser.TakeEvents()) lines.push_back(e.Line());
  };
  for (size_t len : lengths) {
    if (pos >= bytes.size()) break;
    len = std::min(len, bytes.size() - pos);
    xml::Status st = parser.Feed(bytes.substr(pos, len));
    pos += len;
    drain();
    if (st == xml::Status::kError) return lines;
  }
  if (pos < bytes.size() || bytes.empty()) parser.Feed(bytes.substr(pos));
  drain();
  return lines;
}

std::vector<std::string> ParseAll(const Options& options, std::string_view bytes, size_t chunk) {
  std::vector<size_t> lengths;
  if (chunk != 0) lengths.assign(bytes.size() / chunk + 1, chunk);
  return ParseSplit(options, bytes, lengths);
}

std::string ClientHeader(std::string_view to, std::string_view content_ns) {
  return "<?xml version='1.0'?><stream:stream xmlns='" + std::string(content_ns) +
         "' xmlns:stream='http://etherx.jabber.org/streams' to='" + std::string(to) + "' version='1.0'>";
}

std::string ServerHeader(std::string_view from, std::string_view id, std::string_view content_ns) {
  return "<?xml version='1.0'?><stream:stream xmlns='" + std::string(content_ns) +
         "' xmlns:stream='http://etherx.jabber.org/streams' from='" + std::string(from) + "' id='" +
         std::string(id) + "' version='1.0'>";
}

}  // namespace xmppfuzz::stream
