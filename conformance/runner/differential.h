// The differential campaign (README "Differential campaign: one stream,
// several real parsers"): the same bytes through real implementations'
// parsers (exec adapters) and the reference stream parser, and the stanzas
// a server adapter routes through every client adapter.
//
// Two comparisons per input:
//   reference vs adapter A  what A made of a stream next to what the
//                           reference made of it (extra or missing stanzas,
//                           changed stanzas, a refusal only one side makes);
//   server S -> client C    S's routed bytes (its `routed` lines, the
//                           re-serialisation it would forward), in a stream
//                           from a server, through C (and through the
//                           reference as a client): every stanza C delivers
//                           must be one S routed, unchanged. An extra
//                           stanza or a changed to/from is smuggling (the
//                           bug class of CVE-2022-22784).
// Differences are deduplicated by a key (KIND SUBJECT [DETAIL]), each key's
// smallest input is minimized, and known, harmless keys are listed with a
// reason in an expectations file.
#ifndef XMPPFUZZ_CONFORMANCE_RUNNER_DIFFERENTIAL_H_
#define XMPPFUZZ_CONFORMANCE_RUNNER_DIFFERENTIAL_H_

#include <cstddef>
#include <cstdint>
#include <functional>
#include <map>
#include <optional>
#include <string>
#include <string_view>
#include <vector>

#include "conformance/runner/exec.h"
#include "conformance/runner/vector.h"
#include "targets/xml/xml.h"

namespace xmppfuzz::conform {

enum class Role : uint8_t { kServer, kClient };

// DiffAdapter is one implementation in the campaign.
struct DiffAdapter {
  std::string name;  // short, no spaces: "prosody", "gloox"
  Role role = Role::kServer;
  ExecParser* parser = nullptr;  // not owned
};

// DiffInput is one stream: the bytes as sent (header included), which side
// of a connection they arrive on (c2s: server adapters; s2c: client
// adapters) and where they came from (a file, a vector id, "mutant of ...").
struct DiffInput {
  std::string bytes;
  Side side = Side::kClientToServer;
  Profile profile = Profile::kRaw;
  std::string origin;
};

// Reading is what one parser made of one stream.
struct Reading {
  // "answered", or the adapter's failure (ExecStatusName: hung, flooded,
  // crashed, broken).
  std::string status = "answered";
  bool opened = false;  // a stream-open event came
  bool refused = false;
  xml::Condition condition = xml::Condition::kNone;
  std::vector<std::string> stanzas;  // canonical stanzas, without "stanza "
  // routed[i]: the bytes routed for stanzas[i] (exec adapters' `routed`
  // lines; none for a stanza the implementation would not route).
  std::vector<std::optional<std::string>> routed;
  std::string detail;  // the adapter's failure or notes, escaped
  bool Answered() const { return status == "answered"; }
  // Verdict is "accepted" or "refused CONDITION".
  std::string Verdict() const;
};

// ReferenceReading parses |bytes| with the reference stream parser (Expat
// backend, default limits) as |side| receives them.
Reading ReferenceReading(std::string_view bytes, Side side, Profile profile);

// AdapterReading sends |bytes| to |parser| and reads its answer.
Reading AdapterReading(ExecParser& parser, std::string_view bytes, Side side, Profile profile);

// Routed is what a server adapter forwards to another user: its routable
// stanzas (message, presence and iq in jabber:client that have routed
// bytes; RFC 6120 8: a server routes only these), as it parsed them and as
// it wrote them.
struct Routed {
  std::vector<std::string> stanzas;  // canonical, as the server parsed them
  std::vector<std::string> bytes;    // its re-serialisation of each
};
Routed RoutedOf(const Reading& server);

// RoutedStream is what a client receives when the server forwards
// |routed|: a server's stream header (jabber:client, no xml:lang), then each
// stanza's bytes in order (no footer: the stream stays open).
std::string RoutedStream(const Routed& routed);

// StanzaField names the first thing that differs between two canonical
// stanzas: "name", "to", "from", "type", "id", "attributes" or "payload".
std::string StanzaField(std::string_view a, std::string_view b);

// One difference seen in one comparison.
struct Difference {
  std::string kind;     // see DifferenceKinds()
  std::string subject;  // "prosody" (vs the reference) or "prosody>gloox"
  std::string detail;   // a condition or a field; may be ""
  // Smuggling: a client delivered a stanza the server did not route (an
  // extra one, or one with another name, to, from or type).
  bool smuggling = false;
  std::string what;  // one line for people: what each side made of it
  std::string Key() const;  // "KIND SUBJECT[ DETAIL]"
};

// DifferenceKinds lists every kind with its one-line meaning (the README
// table and `xmppfuzz differential --list-kinds`).
const std::vector<std::pair<std::string, std::string>>& DifferenceKinds();

// CompareWithReference compares an adapter's reading with the reference's
// on the same input; nothing when they agree.
std::optional<Difference> CompareWithReference(const std::string& adapter, const Reading& reference,
                                               const Reading& reading);

// CompareRouted compares |client|'s reading of RoutedStream(|routed|) with
// |want|, under |subject| ("prosody>gloox"). Two uses:
//   S>reference  |want| is what S parsed (the routed stanzas): does S's
//                re-serialisation say what S understood?
//   S>C          |want| is the reference's reading of the same routed bytes:
//                does C read S's bytes as a correct parser does?
// Nothing when they agree. A stanza more than |want| has, or one with
// another name, to, from or type, is smuggling.
std::optional<Difference> CompareRouted(const std::string& subject, const Reading& want, const Routed& routed,
                                        const Reading& client);

// DiffExpectations: known differences, one per line:
//   # comment
//   <key glob>  -- <reason>
// where the glob (fnmatch, on the whole key) is e.g. "condition-differs
// prosody *". Returns false with "FILE:LINE: message".
struct KnownDifference {
  std::string glob;
  std::string reason;
  int line = 0;
};
bool ParseDiffExpectations(const std::string& path, std::string_view text, std::vector<KnownDifference>* out,
                           std::string* error);

// Finding is one deduplicated difference.
struct Finding {
  Difference difference;
  size_t count = 0;        // inputs that showed it
  DiffInput input;         // the smallest input that showed it
  std::string minimized;   // |input.bytes| minimized (same side and profile)
  size_t minimize_tries = 0;
  std::string what;        // |difference.what| on the minimized input
  std::string known;       // the expectations file's reason, when listed
  std::string first_seen;  // origin of the first input that showed it
  double first_seconds = 0;  // seconds into the campaign
};

struct AdapterStats {
  std::string name;
  Role role = Role::kServer;
  std::string implementation;  // the handshake NAME
  uint64_t inputs = 0;         // streams it parsed (routed streams included)
  double busy_seconds = 0;     // wall-clock time spent waiting for it
  uint64_t failures = 0;       // hung, flooded, crashed, broken
  int restarts = 0;
};

struct CampaignConfig {
  std::vector<DiffAdapter> adapters;
  std::vector<DiffInput> seeds;                // replayed first, then mutated
  std::vector<std::string> dictionary;         // tokens the mutator inserts
  double seconds = 0;                          // mutation phase (0: seeds only)
  uint64_t seed = 1;                           // mutator seed
  size_t max_input = 65536;                    // bytes of a generated input
  size_t minimize_tries = 400;                 // per finding
  double minimize_seconds = 30;                // per finding
  std::vector<KnownDifference> known;
  // Called every |progress_seconds| with a one-line status.
  double progress_seconds = 60;
  std::function<void(const std::string&)> progress;
};

struct CampaignResult {
  std::vector<Finding> findings;  // by key
  std::vector<AdapterStats> adapters;
  uint64_t inputs = 0;      // inputs played (seeds and mutants)
  uint64_t seed_inputs = 0;
  double seconds = 0;
  std::vector<std::string> unused_known;  // expectation globs no finding matched
};

// RunCampaign plays the seeds, then mutants of them until |seconds| have
// passed, through every adapter (by side) and every server>client pair
// (servers' c2s inputs), collecting findings. Adapter failures are
// findings too (adapter-crashed, ...), never a stop.
CampaignResult RunCampaign(const CampaignConfig& config);

// Minimize shrinks |input| while |still| holds (chunk deletion, halves down
// to single bytes), at most |max_tries| calls and |max_seconds|.
std::string Minimize(const std::string& input, const std::function<bool(const std::string&)>& still,
                     size_t max_tries, double max_seconds, size_t* tries);

// Mutate returns a mutant of |base| (1 to 4 stacked edits: token
// insertion, range deletion or duplication, byte changes, a splice with
// |other|), at most |max_size| bytes. Deterministic for a given |rng| state.
std::string Mutate(const std::string& base, const std::string& other, const std::vector<std::string>& dictionary,
                   size_t max_size, uint64_t* rng);

// ParseDictionary reads a libFuzzer/AFL dictionary ("name=\"token\"" or
// "\"token\"" lines, \xHH and \\ \" escapes). Returns false with
// "FILE:LINE: message".
bool ParseDictionary(const std::string& path, std::string_view text, std::vector<std::string>* out,
                     std::string* error);

// Reports: text for people, JSON for machines, one self-contained HTML
// page (or its section for `xmppfuzz report`). Every byte an adapter or an
// input contributed is escaped.
std::string DiffTextReport(const CampaignResult& result);
std::string DiffJsonReport(const CampaignResult& result);
std::string DiffHtmlSection(const std::string& json_text, std::string* error);
std::string DiffHtmlPage(const CampaignResult& result);

}  // namespace xmppfuzz::conform

#endif  // XMPPFUZZ_CONFORMANCE_RUNNER_DIFFERENTIAL_H_
