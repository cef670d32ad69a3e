#include "conformance/runner/inproc.h"

#include "conformance/runner/sasl_exchange.h"
#include "conformance/runner/cert_identity.h"
#include "conformance/runner/tls_policy.h"
#include "conformance/runner/tls_vectors.h"
#include "targets/base/base.h"
#include "targets/stream/stream.h"

namespace xmppfuzz::conform {
namespace {

struct TraceEvent {
  stream::Event::Kind kind;
  std::string line;
  uint64_t offset;
  xml::Error error;
  bool operator==(const TraceEvent& o) const { return line == o.line && offset == o.offset; }
};

uint64_t Fnv1a(std::string_view s) {
  uint64_t h = 0xcbf29ce484222325ull;
  for (unsigned char c : s) {
    h ^= c;
    h *= 0x100000001b3ull;
  }
  return h;
}

std::vector<TraceEvent> Play(const stream::Options& options, std::string_view bytes, const Chunking& chunking) {
  stream::Parser parser(options);
  std::vector<TraceEvent> trace;
  auto drain = [&] {
    for (stream::Event& e : parser.TakeEvents()) trace.push_back(TraceEvent{e.kind, e.Line(), e.offset, e.error});
  };
  size_t pos = 0, next = 0;
  while (pos < bytes.size()) {
    size_t len = bytes.size() - pos;
    if (chunking.fixed != 0) {
      len = std::min(len, chunking.fixed);
    } else if (next < chunking.lengths.size()) {
      len = std::min(len, chunking.lengths[next++]);
    }
    xml::Status status = parser.Feed(bytes.substr(pos, len));
    pos += len;
    drain();
    if (status == xml::Status::kError) break;
  }
  return trace;
}

std::string Describe(const std::vector<TraceEvent>& trace) {
  std::string s;
  for (const TraceEvent& e : trace) s += "\n      " + e.line + " @" + std::to_string(e.offset);
  return s.empty() ? " (none)" : s;
}

class InprocTarget final : public Target {
 public:
  explicit InprocTarget(xml::Backend backend) : backend_(backend) {}

  std::string Name() const override { return "inproc:" + std::string(xml::BackendName(backend_)); }
  bool Live() const override { return false; }
  std::string NotApplicable(const Vector&) const override { return {}; }
  int Jobs() const override { return 1; }

  Observation Run(const Vector& v) override {
    if (v.kind == VectorKind::kSasl) return RunSaslVector(v, backend_);
    if (v.kind == VectorKind::kTls) return RunTlsVector(v);
    if (v.kind == VectorKind::kStarttls) return RunStarttlsVector(v, backend_);
    if (v.kind == VectorKind::kTlsPolicy) return RunTlsPolicyVector(v);
    if (v.kind == VectorKind::kCertIdentity) return RunCertIdentityVector(v);
    stream::Options options;
    options.backend = backend_;
    options.side = v.side == Side::kClientToServer ? stream::Side::kServer : stream::Side::kClient;
    options.authenticated = v.profile == Profile::kAuthenticated;
    std::string prelude = Prelude(v.profile, v.side);
    std::string bytes = prelude + v.input;

    Observation obs;
    std::vector<Chunking> chunkings = Chunkings(v.id, bytes.size());
    std::vector<TraceEvent> whole = Play(options, bytes, chunkings[0]);
    for (size_t i = 1; i < chunkings.size(); ++i) {
      std::vector<TraceEvent> other = Play(options, bytes, chunkings[i]);
      if (other != whole) {
        obs.broken = "chunking " + chunkings[i].name + " disagrees with whole input:\n    whole:" + Describe(whole) +
                     "\n    " + chunkings[i].name + ":" + Describe(other);
        break;
      }
    }

    size_t first = 0;
    if (v.profile != Profile::kRaw) {
      if (whole.empty() || whole[0].kind != stream::Event::Kind::kStreamOpen) {
        if (obs.broken.empty()) obs.broken = "the standard stream header was not accepted:" + Describe(whole);
      } else {
        first = 1;
      }
    }
    obs.outcome.kind = Outcome::Kind::kAccepted;
    for (size_t i = first; i < whole.size(); ++i) {
      const TraceEvent& e = whole[i];
      if (e.kind == stream::Event::Kind::kError) {
        obs.outcome.kind = Outcome::Kind::kRefused;
        obs.outcome.condition = e.error.condition;
        obs.outcome.offset = static_cast<int64_t>(e.error.offset) - static_cast<int64_t>(prelude.size());
        obs.detail = e.error.detail;
        break;
      }
      obs.events.push_back(e.line);
    }
    return obs;
  }

 private:
  xml::Backend backend_;
};

}  // namespace

std::vector<Chunking> Chunkings(const std::string& id, size_t size) {
  std::vector<Chunking> out;
  out.push_back(Chunking{"whole", 0, {}});
  out.push_back(Chunking{"1-byte", 1, {}});
  out.push_back(Chunking{"2-byte", 2, {}});
  for (uint64_t k = 1; k <= 3; ++k) {
    uint64_t seed = Fnv1a(id) ^ (k * 0x9e3779b97f4a7c15ull);
    // Mostly short pieces that cut tokens apart, sometimes long ones.
    out.push_back(Chunking{"random:" + std::to_string(seed), 0, base::SplitLengths(seed, size, 16, 4096)});
  }
  return out;
}

std::unique_ptr<Target> MakeInprocTarget(xml::Backend backend) { return std::make_unique<InprocTarget>(backend); }

}  // namespace xmppfuzz::conform
