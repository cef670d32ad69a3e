// The tokenizer backends on their own (targets/xml/backend.h), below the
// guard: what the Reader cannot show because the guard and the Reader's own
// sticky error stand in front of them.
//  - A sink that stops the backend is not an error: Feed() returns false
//    with condition none and no event after the stop (the contract in
//    backend.h). Through the Reader the listener's error always wins, so only
//    a backend-level test sees the backend's own answer.
//  - Expat's allocation failures (XML_ERROR_NO_MEMORY, the parser's own
//    allocation included) are resource-constraint (RFC 6120 4.9.3.17: the
//    entity lacks the resources to service the stream), never
//    not-well-formed, and leak nothing.
#include <gtest/gtest.h>

#include <cstdlib>
#include <string>
#include <vector>

#include "targets/xml/backend.h"

namespace xmppfuzz::xml {
namespace {

constexpr std::string_view kHeader =
    "<stream:stream xmlns:stream='http://etherx.jabber.org/streams' xmlns='jabber:client' to='example.com'>";
constexpr std::string_view kStanza = "<message to='a@example.com'><body>hi</body></message>";

// Sink records every event; it answers false (stop) at the start tag named
// |stop_at|, if any.
class Sink final : public BackendSink {
 public:
  explicit Sink(std::string stop_at = "") : stop_at_(std::move(stop_at)) {}
  bool OnStart(std::string_view ns, std::string_view name, std::vector<Attribute>&& attributes,
               std::optional<std::string_view> default_ns) override {
    std::string e = "start {" + std::string(ns) + "}" + std::string(name);
    for (const Attribute& a : attributes) e += " {" + a.ns + "}" + a.name + "=" + a.value;
    if (default_ns) e += " default=" + std::string(*default_ns);
    events.push_back(e);
    return name != stop_at_;
  }
  bool OnEnd() override {
    events.push_back("end");
    return true;
  }
  bool OnText(std::string_view text) override {
    // Backends may split a run of text; merge it, as the Reader does.
    if (!events.empty() && events.back().starts_with("text ")) {
      events.back() += text;
    } else {
      events.push_back("text " + std::string(text));
    }
    return true;
  }
  std::vector<std::string> events;

 private:
  std::string stop_at_;
};

const std::vector<std::string> kAllEvents = {
    "start {http://etherx.jabber.org/streams}stream {}to=example.com default=jabber:client",
    "start {jabber:client}message {}to=a@example.com",
    "start {jabber:client}body",
    "text hi",
    "end",
    "end",
};

class BackendTest : public testing::TestWithParam<Backend> {
 protected:
  std::unique_ptr<TokenizerBackend> Make(BackendSink* sink) {
    return GetParam() == Backend::kExpat ? MakeExpatBackend(sink) : MakeLibxml2Backend(sink);
  }
};

TEST_P(BackendTest, WholeTokensGiveEveryEvent) {
  Sink sink;
  auto backend = Make(&sink);
  BackendError error;
  ASSERT_TRUE(backend->Feed(kHeader, &error)) << error.detail;
  ASSERT_TRUE(backend->Feed(kStanza, &error)) << error.detail;
  EXPECT_EQ(sink.events, kAllEvents);
}

// The sink stops at <message>: Feed() is false, the condition none (the
// sink holds the error; where the backend stood is its own business, Expat
// says 28, past the start tag, libxml2 nothing), and the <body> and the end
// tags behind the stop in the same call give no event.
TEST_P(BackendTest, SinkStopIsFalseWithConditionNone) {
  Sink sink("message");
  auto backend = Make(&sink);
  BackendError error;
  ASSERT_TRUE(backend->Feed(kHeader, &error)) << error.detail;
  EXPECT_FALSE(backend->Feed(kStanza, &error));
  EXPECT_EQ(error.condition, Condition::kNone) << error.detail;
  EXPECT_EQ(sink.events, std::vector<std::string>(kAllEvents.begin(), kAllEvents.begin() + 2));
}

// After Reset() a stopped backend parses a new document from its start.
TEST_P(BackendTest, ResetAfterSinkStop) {
  Sink sink("message");
  auto backend = Make(&sink);
  BackendError error;
  ASSERT_TRUE(backend->Feed(kHeader, &error));
  ASSERT_FALSE(backend->Feed(kStanza, &error));
  backend->Reset();
  sink.events.clear();
  EXPECT_TRUE(backend->Feed(kHeader, &error)) << error.detail;
  EXPECT_EQ(sink.events, std::vector<std::string>(kAllEvents.begin(), kAllEvents.begin() + 1));
}

INSTANTIATE_TEST_SUITE_P(Backends, BackendTest, testing::Values(Backend::kExpat, Backend::kLibxml2),
                         [](const testing::TestParamInfo<Backend>& p) { return std::string(BackendName(p.param)); });

// An allocator that fails every allocation after the first |budget|, and
// counts the blocks it has handed out and not yet seen freed.
struct FailingAllocator {
  static inline size_t budget = 0;
  static inline size_t calls = 0;
  static inline long live = 0;
  static void Arm(size_t n) {
    budget = n;
    calls = 0;
  }
  static bool Grant() { return calls++ < budget; }
  static void* Malloc(size_t n) {
    if (!Grant()) return nullptr;
    void* p = std::malloc(n);
    if (p != nullptr) ++live;
    return p;
  }
  static void* Realloc(void* p, size_t n) {
    if (!Grant()) return nullptr;
    void* q = std::realloc(p, n);
    if (p == nullptr && q != nullptr) ++live;
    return q;
  }
  static void Free(void* p) {
    if (p != nullptr) --live;
    std::free(p);
  }
};
const ExpatAllocator kFailing{&FailingAllocator::Malloc, &FailingAllocator::Realloc, &FailingAllocator::Free};

// Every allocation Expat makes for the header and a stanza is made to fail
// in turn (the libexpat tests' allocation-failure loop): each failure is
// resource-constraint, the parser's own allocation ("parser not allocated")
// as well as the ones inside XML_Parse (XML_ERROR_NO_MEMORY, "out of
// memory"), and every block is freed with the backend. With allocations
// enough the same document gives every event.
TEST(ExpatBackendMemory, EachAllocationFailureIsResourceConstraint) {
  size_t in_create = 0, in_parse = 0, budget = 0;
  for (;; ++budget) {
    ASSERT_LT(budget, 10000u) << "Expat never had allocations enough";
    Sink sink;
    BackendError error;
    bool ok;
    {
      FailingAllocator::Arm(budget);
      auto backend = MakeExpatBackend(&sink, &kFailing);
      ok = backend->Feed(kHeader, &error) && backend->Feed(kStanza, &error);
    }
    EXPECT_EQ(FailingAllocator::live, 0) << "budget " << budget;
    if (ok) {
      EXPECT_EQ(sink.events, kAllEvents);
      break;
    }
    EXPECT_EQ(error.condition, Condition::kResourceConstraint) << "budget " << budget << ": " << error.detail;
    if (error.detail == "expat: parser not allocated") {
      ++in_create;
    } else {
      EXPECT_EQ(error.detail, "expat: out of memory") << "budget " << budget;
      ++in_parse;
    }
  }
  EXPECT_GE(in_create, 1u);  // budget 0: the parser itself
  EXPECT_GE(in_parse, 1u);
  EXPECT_EQ(in_create + in_parse, budget);
}

// A backend whose parser could not be allocated gets one at Reset(), when
// memory is there again.
TEST(ExpatBackendMemory, ResetAfterFailedCreation) {
  Sink sink;
  BackendError error;
  FailingAllocator::Arm(0);
  auto backend = MakeExpatBackend(&sink, &kFailing);
  EXPECT_FALSE(backend->Feed(kHeader, &error));
  EXPECT_EQ(error.condition, Condition::kResourceConstraint);
  EXPECT_EQ(error.detail, "expat: parser not allocated");
  FailingAllocator::Arm(100000);
  backend->Reset();
  error = BackendError{};
  EXPECT_TRUE(backend->Feed(kHeader, &error)) << error.detail;
  EXPECT_EQ(sink.events, std::vector<std::string>(kAllEvents.begin(), kAllEvents.begin() + 1));
  backend.reset();
  EXPECT_EQ(FailingAllocator::live, 0);
}

}  // namespace
}  // namespace xmppfuzz::xml
