#include "conformance/runner/tls_vectors.h"

#include <string>
#include <vector>

#include "conformance/runner/inproc.h"
#include "targets/base/base.h"
#include "targets/tls/tls.h"

namespace xmppfuzz::conform {
namespace {

// Pieces cuts |bytes| as |chunking| says.
std::vector<std::string_view> Pieces(std::string_view bytes, const Chunking& chunking) {
  std::vector<std::string_view> out;
  size_t pos = 0, next = 0;
  while (pos < bytes.size()) {
    size_t len = bytes.size() - pos;
    if (chunking.fixed != 0) {
      len = std::min(len, chunking.fixed);
    } else if (next < chunking.lengths.size()) {
      len = std::min(len, chunking.lengths[next++]);
    }
    out.push_back(bytes.substr(pos, len));
    pos += len;
  }
  return out;
}

std::string Join(const std::vector<std::string>& lines) {
  std::string s;
  for (const std::string& l : lines) s += "\n      " + l;
  return s.empty() ? " (none)" : s;
}

// --- kind: tls ---------------------------------------------------------------

struct InspectTrace {
  std::vector<std::string> lines;  // as printed, the error line included
  tls::Failure failure;
};

InspectTrace Inspect(const Vector& v, const Chunking& chunking) {
  tls::RecordLimits limits;
  limits.record_size_limit = v.tls.record_size_limit;
  tls::Inspector inspector(limits);
  InspectTrace t;
  bool ok = true;
  for (std::string_view piece : Pieces(v.input, chunking)) {
    ok = inspector.Feed(piece);
    if (!ok) break;
  }
  if (ok) inspector.Finish();
  t.lines = inspector.TakeLines();
  t.failure = inspector.failure();
  return t;
}

// Record lines come out as each record completes and message lines as each
// message does, so how the two interleave depends on the chunking; each of
// the two sequences must not.
void Split(const std::vector<std::string>& lines, std::vector<std::string>* records, std::vector<std::string>* rest) {
  for (const std::string& l : lines) (l.rfind("record ", 0) == 0 ? records : rest)->push_back(l);
}

}  // namespace

Observation RunTlsVector(const Vector& v) {
  Observation obs;
  std::vector<Chunking> chunkings = Chunkings(v.id, v.input.size());
  InspectTrace whole = Inspect(v, chunkings[0]);
  std::vector<std::string> whole_records, whole_rest;
  Split(whole.lines, &whole_records, &whole_rest);
  for (size_t i = 1; i < chunkings.size() && obs.broken.empty(); ++i) {
    InspectTrace other = Inspect(v, chunkings[i]);
    std::vector<std::string> records, rest;
    Split(other.lines, &records, &rest);
    if (records != whole_records || rest != whole_rest || !(other.failure == whole.failure)) {
      obs.broken = "chunking " + chunkings[i].name + " disagrees with whole input:\n    whole:" + Join(whole.lines) +
                   "\n    " + chunkings[i].name + ":" + Join(other.lines);
    }
  }
  if (whole.failure.ok()) {
    obs.outcome.kind = Outcome::Kind::kAccepted;
    obs.events = whole.lines;
  } else {
    obs.outcome.kind = Outcome::Kind::kRefusedTls;
    obs.outcome.tls_code = std::string(tls::ErrorName(whole.failure.code));
    obs.outcome.offset = static_cast<int64_t>(whole.failure.offset);
    obs.outcome.exact = true;
    obs.events.assign(whole.lines.begin(), whole.lines.end() - (whole.lines.empty() ? 0 : 1));
  }
  return obs;
}

// --- kind: starttls -----------------------------------------------------------

namespace {

struct StarttlsTrace {
  std::vector<std::string> events;  // "send ..." per answer, then how it ended
  std::string sent;                 // every byte our side sent, in order
  tls::StarttlsWait last = tls::StarttlsWait::kNeedBytes;
  tls::Failure failure;
  uint64_t discarded = 0;
  std::string stream_error;
};

void Sent(StarttlsTrace* t, const std::string& output) {
  if (output.empty()) return;
  t->events.push_back("send " + base::EscapeBytes(output));
  t->sent += output;
}

template <typename Side>
void FeedAll(Side& side, std::string_view input, const Chunking& chunking, StarttlsTrace* t) {
  for (std::string_view piece : Pieces(input, chunking)) {
    tls::StarttlsWait w = side.Feed(piece);
    Sent(t, side.output());
    t->last = w;
    if (w == tls::StarttlsWait::kFailed || w == tls::StarttlsWait::kNoTls) break;
  }
  t->failure = side.failure();
  t->discarded = side.discarded_bytes();
  t->stream_error = side.stream_error();
  switch (t->last) {
    case tls::StarttlsWait::kStartTls: t->events.push_back("start-tls discarded=" + std::to_string(t->discarded)); break;
    case tls::StarttlsWait::kNoTls: t->events.push_back("no-tls"); break;
    default: break;
  }
  if (!t->stream_error.empty()) t->events.push_back("peer-refused " + t->stream_error);
}

StarttlsTrace PlayStarttls(const Vector& v, xml::Backend backend, const Chunking& chunking) {
  tls::StarttlsConfig config;
  config.require_tls = v.tls.require_tls;
  config.backend = backend;
  StarttlsTrace t;
  if (v.tls.role == SaslRole::kClient) {
    tls::StarttlsClient client(config);
    t.last = client.Start();
    Sent(&t, client.output());
    FeedAll(client, v.input, chunking, &t);
  } else {
    tls::StarttlsServer server(config);
    FeedAll(server, v.input, chunking, &t);
  }
  return t;
}

}  // namespace

Observation RunStarttlsVector(const Vector& v, xml::Backend backend) {
  Observation obs;
  std::vector<Chunking> chunkings = Chunkings(v.id, v.input.size());
  // The 1-byte run answers each element on its own: its events are the
  // canonical ones. The others must agree on everything but how the sent
  // bytes are grouped.
  Chunking canonical{"1-byte", 1, {}};
  StarttlsTrace base = PlayStarttls(v, backend, canonical);
  for (const Chunking& c : chunkings) {
    if (c.name == canonical.name) continue;
    StarttlsTrace other = PlayStarttls(v, backend, c);
    bool same_end = (other.last == base.last) || (base.last == tls::StarttlsWait::kSend &&
                                                  other.last == tls::StarttlsWait::kNeedBytes) ||
                    (base.last == tls::StarttlsWait::kNeedBytes && other.last == tls::StarttlsWait::kSend);
    if (other.sent != base.sent || !same_end || !(other.failure == base.failure) ||
        other.discarded != base.discarded || other.stream_error != base.stream_error) {
      obs.broken = "chunking " + c.name + " disagrees with the 1-byte run:\n    1-byte:" + Join(base.events) +
                   (base.failure.ok() ? "" : "\n      error " + tls::Describe(base.failure)) + "\n    " + c.name +
                   ":" + Join(other.events) + (other.failure.ok() ? "" : "\n      error " + tls::Describe(other.failure));
      break;
    }
  }
  obs.events = base.events;
  switch (base.last) {
    case tls::StarttlsWait::kStartTls: obs.outcome.kind = Outcome::Kind::kStartTls; break;
    case tls::StarttlsWait::kNoTls: obs.outcome.kind = Outcome::Kind::kNoTls; break;
    case tls::StarttlsWait::kFailed:
      obs.outcome.kind = Outcome::Kind::kRefusedTls;
      obs.outcome.tls_code = std::string(tls::ErrorName(base.failure.code));
      obs.outcome.offset = static_cast<int64_t>(base.failure.offset);
      obs.outcome.exact = true;
      break;
    default: obs.outcome.kind = Outcome::Kind::kPending; break;
  }
  if (!base.stream_error.empty()) obs.detail = "stream parser: " + base.stream_error;
  return obs;
}

}  // namespace xmppfuzz::conform
