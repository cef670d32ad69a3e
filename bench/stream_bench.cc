// Stream parsing throughput and memory: the reference stream parser on each
// backend against raw Expat, raw libxml2, pugixml and a memchr scan, in one
// binary and one run, on the same bytes and the same chunking (pugixml is a
// DOM parser with no push interface: it always parses the whole input in one
// buffer, whatever the chunk size).
//
// Names are <Scenario>/<implementation>[/<arg>] (see docs/design.md, "Benchmark
// names"). Before a benchmark is timed its implementation is run once on the
// input and checked against the generator's reference answer (and, for ours,
// against the reference canonical event lines); a mismatch skips the
// benchmark with an error instead of timing a wrong answer.
#include <benchmark/benchmark.h>
#include <expat.h>
#include <libxml/parser.h>

#include <pugixml.hpp>

#include <cstring>
#include <functional>
#include <map>
#include <memory>
#include <optional>
#include <string>
#include <string_view>
#include <vector>

#include "bench/heap_counter.h"
#include "bench/stream_gen.h"
#include "targets/stream/stream.h"

namespace xmppfuzz::bench {
namespace {

constexpr size_t kStreamMixBytes = 1 << 20;
constexpr size_t kSweepBytes = 512 << 10;
// What one read() from a socket typically hands a server.
constexpr size_t kDefaultChunk = 4096;
constexpr size_t kIdleStreams = 1000;

// Answer is what one run of an implementation reports.
struct Answer {
  size_t stanzas = 0;
  size_t elements = 0;
  size_t tags = 0;
  size_t open = 0;  // elements still open at the end
  std::string error;
};

template <typename F>
void ForEachChunk(std::string_view bytes, size_t chunk, F f) {
  if (chunk == 0) chunk = bytes.size();
  for (size_t pos = 0; pos < bytes.size(); pos += chunk) {
    if (!f(bytes.substr(pos, std::min(chunk, bytes.size() - pos)))) return;
  }
}

// --- raw Expat: namespace mode, handlers that only count ---------------------

struct Counter {
  size_t depth = 0;
  size_t elements = 0;
  size_t stanzas = 0;
  void Start() {
    if (depth == 1) ++stanzas;
    ++depth;
    ++elements;
  }
  void End() { --depth; }
};

XML_Parser NewRawExpat(Counter* c) {
  // The same namespace separator the Expat backend uses.
  XML_Parser p = XML_ParserCreateNS("UTF-8", '\x01');
  XML_SetUserData(p, c);
  XML_SetElementHandler(
      p, [](void* c, const XML_Char*, const XML_Char**) { static_cast<Counter*>(c)->Start(); },
      [](void* c, const XML_Char*) { static_cast<Counter*>(c)->End(); });
  XML_SetCharacterDataHandler(p, [](void*, const XML_Char*, int) {});
  return p;
}

Answer RawExpat(std::string_view bytes, size_t chunk) {
  Counter c;
  XML_Parser p = NewRawExpat(&c);
  Answer a;
  ForEachChunk(bytes, chunk, [&](std::string_view piece) {
    if (XML_Parse(p, piece.data(), static_cast<int>(piece.size()), XML_FALSE) == XML_STATUS_OK) return true;
    a.error = std::string("expat: ") + XML_ErrorString(XML_GetErrorCode(p));
    return false;
  });
  XML_ParserFree(p);
  a.stanzas = c.stanzas;
  a.elements = c.elements;
  a.open = c.depth;
  return a;
}

// --- raw libxml2: SAX2 push parser, handlers that only count ------------------

struct Libxml2Counter : Counter {
  bool failed = false;
  std::string message;
};

xmlParserCtxtPtr NewRawLibxml2(Libxml2Counter* c) {
  static xmlSAXHandler sax = [] {
    xmlSAXHandler h{};
    h.initialized = XML_SAX2_MAGIC;
    h.startElementNs = [](void* c, const xmlChar*, const xmlChar*, const xmlChar*, int, const xmlChar**, int, int,
                          const xmlChar**) { static_cast<Counter*>(c)->Start(); };
    h.endElementNs = [](void* c, const xmlChar*, const xmlChar*, const xmlChar*) { static_cast<Counter*>(c)->End(); };
    h.characters = [](void*, const xmlChar*, int) {};
    h.serror = [](void* c, xmlErrorPtr e) {
      auto* counter = static_cast<Libxml2Counter*>(c);
      if (e == nullptr || e->level < XML_ERR_ERROR || counter->failed) return;
      counter->failed = true;
      counter->message = e->message == nullptr ? "error" : e->message;
    };
    return h;
  }();
  xmlParserCtxtPtr ctxt = xmlCreatePushParserCtxt(&sax, c, nullptr, 0, nullptr);
  // The options the libxml2 backend uses.
  xmlCtxtUseOptions(ctxt, XML_PARSE_NONET | XML_PARSE_NOCDATA | XML_PARSE_NOWARNING | XML_PARSE_NOENT);
  return ctxt;
}

Answer RawLibxml2(std::string_view bytes, size_t chunk) {
  Libxml2Counter c;
  xmlParserCtxtPtr ctxt = NewRawLibxml2(&c);
  Answer a;
  ForEachChunk(bytes, chunk, [&](std::string_view piece) {
    xmlParseChunk(ctxt, piece.data(), static_cast<int>(piece.size()), 0);
    if (!c.failed && ctxt->wellFormed) return true;
    a.error = "libxml2: " + c.message;
    return false;
  });
  xmlFreeParserCtxt(ctxt);
  a.stanzas = c.stanzas;
  a.elements = c.elements;
  a.open = c.depth;
  return a;
}

// --- pugixml: parse_minimal over the whole input, then a walk that counts ---
//
// parse_minimal builds a DOM without checking names, UTF-8, namespaces,
// references or attribute uniqueness: a fast non-validating DOM parser, the
// speed to compare native with, not a parser that could serve a stream.

void CountPugi(const pugi::xml_node& n, size_t depth, Counter* c) {
  for (pugi::xml_node child = n.first_child(); child; child = child.next_sibling()) {
    if (child.type() != pugi::node_element) continue;
    c->depth = depth;
    c->Start();
    CountPugi(child, depth + 1, c);
  }
}

Answer Pugixml(std::string_view bytes, size_t /*chunk*/) {
  pugi::xml_document doc;
  Answer a;
  pugi::xml_parse_result r = doc.load_buffer(bytes.data(), bytes.size(), pugi::parse_minimal, pugi::encoding_utf8);
  if (!r) {
    a.error = std::string("pugixml: ") + r.description() + " at offset " + std::to_string(r.offset);
    return a;
  }
  Counter c;
  CountPugi(doc, 0, &c);
  a.stanzas = c.stanzas;
  a.elements = c.elements;
  return a;
}

// --- memchr: the floor, finding every '<' ------------------------------------

Answer Memchr(std::string_view bytes, size_t chunk) {
  Answer a;
  ForEachChunk(bytes, chunk, [&](std::string_view piece) {
    const char* p = piece.data();
    const char* end = p + piece.size();
    while ((p = static_cast<const char*>(std::memchr(p, '<', end - p))) != nullptr) {
      ++a.tags;
      ++p;
    }
    return true;
  });
  return a;
}

// --- ours: stream::Parser end to end, events drained after every chunk -------

stream::Options OptionsFor(xml::Backend backend) {
  stream::Options o;
  o.backend = backend;
  o.authenticated = true;
  o.limits.max_stanza_bytes = 1 << 20;
  o.limits.max_text_bytes = 1 << 20;
  o.limits.max_depth = 256;
  o.limits.max_attributes = 1024;
  return o;
}

template <xml::Backend kBackend>
Answer Ours(std::string_view bytes, size_t chunk) {
  static const stream::Options options = OptionsFor(kBackend);
  stream::Parser parser(options);
  Answer a;
  ForEachChunk(bytes, chunk, [&](std::string_view piece) {
    xml::Status status = parser.Feed(piece);
    for (const stream::Event& e : parser.events()) {
      if (e.kind == stream::Event::Kind::kStanza) ++a.stanzas;
    }
    parser.events().clear();
    if (status != xml::Status::kError) return true;
    a.error = "xmppfuzz: " + std::string(xml::ConditionName(parser.error().condition)) + " at offset " +
              std::to_string(parser.error().offset) + ": " + parser.error().detail;
    return false;
  });
  a.open = parser.closed() ? 0 : 1;
  return a;
}

size_t CountElements(const xml::Element& e) {
  size_t n = 1;
  for (const xml::Node& child : e.children) {
    if (!child.is_text) n += CountElements(child.element);
  }
  return n;
}

// OurLines runs the full parser and renders every event; used only to check.
std::vector<std::string> OurLines(xml::Backend backend, std::string_view bytes, size_t chunk, size_t* elements) {
  stream::Parser parser(OptionsFor(backend));
  std::vector<std::string> lines;
  *elements = 0;
  auto drain = [&] {
    for (const stream::Event& e : parser.TakeEvents()) {
      lines.push_back(e.Line());
      if (e.kind == stream::Event::Kind::kStanza) *elements += CountElements(e.element);
      if (e.kind == stream::Event::Kind::kStreamOpen) ++*elements;
    }
  };
  ForEachChunk(bytes, chunk, [&](std::string_view piece) {
    xml::Status status = parser.Feed(piece);
    drain();
    return status != xml::Status::kError;
  });
  return lines;
}

// --- inputs, reference answers, checks ----------------------------------------

struct Input {
  GeneratedStream stream;
  std::optional<std::vector<std::string>> reference_lines;  // expat backend, whole input
};

Input& CachedInput(const std::string& key, const std::function<GeneratedStream()>& make) {
  static std::map<std::string, std::unique_ptr<Input>> cache;
  std::unique_ptr<Input>& slot = cache[key];
  if (slot == nullptr) {
    slot = std::make_unique<Input>();
    slot->stream = make();
  }
  return *slot;
}

const std::vector<std::string>& ReferenceLines(Input& input) {
  if (!input.reference_lines) {
    size_t elements = 0;
    input.reference_lines = OurLines(xml::Backend::kExpat, input.stream.bytes, 0, &elements);
  }
  return *input.reference_lines;
}

using RunFn = Answer (*)(std::string_view, size_t);

struct Implementation {
  const char* name;
  RunFn run;
  std::optional<xml::Backend> ours;  // set for our parser
  bool counts_elements;              // false for memchr
};

// Check runs |impl| once and compares it with the reference answer. Returns
// an empty string when it agrees.
std::string Check(const Implementation& impl, Input& input, size_t chunk) {
  const GeneratedStream& g = input.stream;
  if (!impl.counts_elements) {
    Answer a = impl.run(g.bytes, chunk);
    if (a.tags != g.tags) return "found " + std::to_string(a.tags) + " '<', expected " + std::to_string(g.tags);
    return {};
  }
  Answer a = impl.run(g.bytes, chunk);
  if (!a.error.empty()) return a.error;
  if (a.stanzas != g.stanzas) {
    return "reported " + std::to_string(a.stanzas) + " stanzas, expected " + std::to_string(g.stanzas);
  }
  if (a.open != 0) return "the stream did not close";
  if (!impl.ours) {
    if (a.elements != g.elements) {
      return "reported " + std::to_string(a.elements) + " elements, expected " + std::to_string(g.elements);
    }
    return {};
  }
  size_t elements = 0;
  std::vector<std::string> lines = OurLines(*impl.ours, g.bytes, chunk, &elements);
  if (elements != g.elements) {
    return "built " + std::to_string(elements) + " elements, expected " + std::to_string(g.elements);
  }
  const std::vector<std::string>& reference = ReferenceLines(input);
  if (lines != reference) {
    for (size_t i = 0; i < std::min(lines.size(), reference.size()); ++i) {
      if (lines[i] != reference[i]) return "event " + std::to_string(i) + " differs from the reference: " + lines[i];
    }
    return "gave " + std::to_string(lines.size()) + " events, the reference " + std::to_string(reference.size());
  }
  return {};
}

struct Verdict {
  std::string error;
  int64_t peak_heap = 0;
};

// Verify checks once per benchmark name (Google Benchmark calls a benchmark
// function several times) and measures the heap peak of one run.
const Verdict& Verify(const std::string& name, const Implementation& impl, Input& input, size_t chunk) {
  static std::map<std::string, Verdict> verdicts;
  auto it = verdicts.find(name);
  if (it != verdicts.end()) return it->second;
  Verdict v;
  v.error = Check(impl, input, chunk);
  if (v.error.empty()) {
    HeapMeter meter;
    benchmark::DoNotOptimize(impl.run(input.stream.bytes, chunk));
    v.peak_heap = meter.peak();
  }
  return verdicts.emplace(name, std::move(v)).first->second;
}

void RunThroughput(benchmark::State& state, const std::string& name, const Implementation& impl, Input& input,
                   size_t chunk) {
  const Verdict& v = Verify(name, impl, input, chunk);
  if (!v.error.empty()) {
    state.SkipWithError(v.error.c_str());
    return;
  }
  const std::string& bytes = input.stream.bytes;
  for (auto _ : state) {
    Answer a = impl.run(bytes, chunk);
    benchmark::DoNotOptimize(a);
  }
  state.SetBytesProcessed(static_cast<int64_t>(state.iterations() * bytes.size()));
  state.SetItemsProcessed(static_cast<int64_t>(state.iterations() * input.stream.stanzas));
  state.counters["peak_heap"] = benchmark::Counter(static_cast<double>(v.peak_heap), benchmark::Counter::kDefaults,
                                                   benchmark::Counter::kIs1024);
}

// --- idle streams: memory held by a stream that has only seen its header -----

using Handle = std::unique_ptr<void, void (*)(void*)>;
using OpenFn = Handle (*)(std::string_view header, std::string* error);

Handle OpenRawExpat(std::string_view header, std::string* error) {
  auto* counter = new Counter;
  XML_Parser p = NewRawExpat(counter);
  if (XML_Parse(p, header.data(), static_cast<int>(header.size()), XML_FALSE) != XML_STATUS_OK ||
      counter->elements != 1) {
    *error = "expat refused the stream header";
  }
  return Handle(p, [](void* p) {
    auto parser = static_cast<XML_Parser>(p);
    delete static_cast<Counter*>(XML_GetUserData(parser));
    XML_ParserFree(parser);
  });
}

Handle OpenRawLibxml2(std::string_view header, std::string* error) {
  auto* counter = new Libxml2Counter;
  xmlParserCtxtPtr ctxt = NewRawLibxml2(counter);
  xmlParseChunk(ctxt, header.data(), static_cast<int>(header.size()), 0);
  if (counter->failed || counter->elements != 1) *error = "libxml2 refused the stream header";
  return Handle(ctxt, [](void* p) {
    auto ctxt = static_cast<xmlParserCtxtPtr>(p);
    delete static_cast<Libxml2Counter*>(ctxt->userData);
    xmlFreeParserCtxt(ctxt);
  });
}

template <xml::Backend kBackend>
Handle OpenOurs(std::string_view header, std::string* error) {
  static const stream::Options options = OptionsFor(kBackend);
  auto* parser = new stream::Parser(options);
  parser->Feed(header);
  std::vector<stream::Event> events = parser->TakeEvents();
  if (events.size() != 1 || events[0].kind != stream::Event::Kind::kStreamOpen) {
    *error = "the parser did not report exactly one stream-open for the header";
  }
  return Handle(parser, [](void* p) { delete static_cast<stream::Parser*>(p); });
}

void RunIdle(benchmark::State& state, OpenFn open) {
  std::string header(StreamHeader());
  std::string error;
  std::vector<Handle> streams;
  streams.reserve(kIdleStreams);
  int64_t bytes = 0;
  uint64_t allocations = 0;
  {
    HeapMeter meter;
    for (size_t i = 0; i < kIdleStreams && error.empty(); ++i) streams.push_back(open(header, &error));
    bytes = meter.live();
    allocations = meter.allocations();
  }
  streams.clear();
  if (!error.empty()) {
    state.SkipWithError(error.c_str());
    return;
  }
  for (auto _ : state) {
    Handle h = open(header, &error);
    benchmark::DoNotOptimize(h.get());
  }
  state.SetItemsProcessed(static_cast<int64_t>(state.iterations()));
  state.counters["bytes_per_stream"] = benchmark::Counter(static_cast<double>(bytes) / kIdleStreams,
                                                          benchmark::Counter::kDefaults, benchmark::Counter::kIs1024);
  state.counters["allocs_per_stream"] = static_cast<double>(allocations) / kIdleStreams;
}

// --- registration --------------------------------------------------------------

const std::vector<Implementation>& Implementations() {
  static const std::vector<Implementation> impls = {
      {"raw_expat", &RawExpat, std::nullopt, true},
      {"raw_libxml2", &RawLibxml2, std::nullopt, true},
      {"pugixml", &Pugixml, std::nullopt, true},
      {"memchr", &Memchr, std::nullopt, false},
      {"xmppfuzz_expat", &Ours<xml::Backend::kExpat>, xml::Backend::kExpat, true},
      {"xmppfuzz_libxml2", &Ours<xml::Backend::kLibxml2>, xml::Backend::kLibxml2, true},
      {"xmppfuzz_native", &Ours<xml::Backend::kNative>, xml::Backend::kNative, true},
  };
  return impls;
}

// A Sweep is a scenario whose input depends on the benchmark's argument.
struct Sweep {
  const char* scenario;
  std::vector<int64_t> args;
  std::function<GeneratedStream(int64_t)> make;  // input for an argument
  bool arg_is_chunk;                             // the argument is the chunk size, not an input shape
};

void RegisterAll() {
  for (const Implementation& impl : Implementations()) {
    std::string name = std::string("StreamMix/") + impl.name;
    benchmark::RegisterBenchmark(name.c_str(), [&impl, name](benchmark::State& state) {
      Input& input = CachedInput("mix", [] { return StreamMix(kStreamMixBytes); });
      RunThroughput(state, name, impl, input, kDefaultChunk);
    })->Unit(benchmark::kMillisecond);
  }

  static const std::vector<Sweep> sweeps = {
      {"ChunkSize", {64, 256, 1024, 4096, 16384, 65536}, [](int64_t) { return StreamMix(kStreamMixBytes); }, true},
      {"StanzaSize", {100, 1024, 4096, 16384, 65536},
       [](int64_t n) { return StanzaSizeStream(static_cast<size_t>(n), kSweepBytes); }, false},
      {"NestingDepth", {1, 4, 16, 64, 128}, [](int64_t n) { return NestingStream(static_cast<size_t>(n), kSweepBytes); },
       false},
      {"AttributeCount", {1, 4, 16, 64, 256},
       [](int64_t n) { return AttributeStream(static_cast<size_t>(n), kSweepBytes); }, false},
  };
  for (const Sweep& sweep : sweeps) {
    for (const Implementation& impl : Implementations()) {
      std::string name = std::string(sweep.scenario) + "/" + impl.name;
      auto* b = benchmark::RegisterBenchmark(name.c_str(), [&impl, &sweep, name](benchmark::State& state) {
        int64_t arg = state.range(0);
        std::string key = sweep.arg_is_chunk ? "mix" : std::string(sweep.scenario) + "/" + std::to_string(arg);
        Input& input = CachedInput(key, [&] { return sweep.make(arg); });
        RunThroughput(state, name + "/" + std::to_string(arg), impl, input,
                      sweep.arg_is_chunk ? static_cast<size_t>(arg) : kDefaultChunk);
      });
      for (int64_t arg : sweep.args) b->Arg(arg);
      b->Unit(benchmark::kMicrosecond);
    }
  }

  static const std::vector<std::pair<const char*, OpenFn>> idle = {
      {"raw_expat", &OpenRawExpat},
      {"raw_libxml2", &OpenRawLibxml2},
      {"xmppfuzz_expat", &OpenOurs<xml::Backend::kExpat>},
      {"xmppfuzz_libxml2", &OpenOurs<xml::Backend::kLibxml2>},
      {"xmppfuzz_native", &OpenOurs<xml::Backend::kNative>},
  };
  for (const auto& [impl, open] : idle) {
    std::string name = std::string("IdleStream/") + impl;
    benchmark::RegisterBenchmark(name.c_str(), [open = open](benchmark::State& state) { RunIdle(state, open); })
        ->Unit(benchmark::kMicrosecond);
  }
}

}  // namespace
}  // namespace xmppfuzz::bench

int main(int argc, char** argv) {
  xmlInitParser();
  benchmark::Initialize(&argc, argv);
  if (benchmark::ReportUnrecognizedArguments(argc, argv)) return 2;
  xmppfuzz::bench::RegisterAll();
  benchmark::RunSpecifiedBenchmarks();
  benchmark::Shutdown();
  xmlCleanupParser();
  return 0;
}
