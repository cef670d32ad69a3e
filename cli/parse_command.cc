// xmppfuzz parse: plays an XMPP stream through the reference stream parser
// and prints one line per event (the contract in the README).
#include <cerrno>
#include <cstdio>
#include <cstring>
#include <iostream>
#include <memory>
#include <optional>

#include "cli/commands.h"
#include "targets/base/base.h"
#include "targets/stream/stream.h"

namespace xmppfuzz::cli {
namespace {

struct ParseArgs {
  std::string backend = "expat";
  std::string chunk;
  std::string side = "server";
  bool authenticated = false;
  std::string input;
};

// ChunkPlan yields the chunk lengths: whole reads, a fixed size, or a
// pseudo-random sequence fixed by a seed.
class ChunkPlan {
 public:
  static bool Parse(const std::string& spec, ChunkPlan* plan, std::string* error) {
    if (spec.empty()) return true;
    if (spec.rfind("random:", 0) == 0) {
      std::string seed = spec.substr(7);
      char* end = nullptr;
      errno = 0;
      unsigned long long value = std::strtoull(seed.c_str(), &end, 10);
      // Digits only: strtoull would also take blanks, a sign and wrap "-1".
      if (seed.empty() || seed.find_first_not_of("0123456789") != std::string::npos || *end != '\0' || errno != 0) {
        *error = "--chunk random:SEED needs a decimal seed, got '" + seed + "'";
        return false;
      }
      plan->splitter_.emplace(value, 16, 4096);
      return true;
    }
    char* end = nullptr;
    errno = 0;
    unsigned long long value = std::strtoull(spec.c_str(), &end, 10);
    if (spec.find_first_not_of("0123456789") != std::string::npos || *end != '\0' || errno != 0 || value == 0 ||
        value > (1u << 30)) {
      *error = "--chunk takes a positive byte count or random:SEED, got '" + spec + "'";
      return false;
    }
    plan->fixed_ = value;
    return true;
  }

  // Next returns the next chunk length; 0 means "whatever is available".
  // Random chunks are mostly tiny (splitting tokens), sometimes up to 4 KiB.
  size_t Next() {
    if (fixed_ != 0) return fixed_;
    return splitter_ ? splitter_->Next() : 0;
  }

 private:
  size_t fixed_ = 0;
  std::optional<base::ChunkSplitter> splitter_;
};

int RunParse(const ParseArgs& args) {
  stream::Options options;
  auto backend = xml::BackendFromName(args.backend);
  if (!backend) return UsageError("unknown backend '" + args.backend + "' (expat, libxml2, native)");
  options.backend = *backend;
  if (args.side == "server") {
    options.side = stream::Side::kServer;
  } else if (args.side == "client") {
    options.side = stream::Side::kClient;
  } else {
    return UsageError("--side takes server or client, got '" + args.side + "'");
  }
  options.authenticated = args.authenticated;
  ChunkPlan plan;
  std::string plan_error;
  if (!ChunkPlan::Parse(args.chunk, &plan, &plan_error)) return UsageError(plan_error);

  FILE* in = stdin;
  std::unique_ptr<FILE, int (*)(FILE*)> closer(nullptr, &std::fclose);
  if (args.input != "-") {
    in = std::fopen(args.input.c_str(), "rb");
    if (in == nullptr) return UsageError("cannot open '" + args.input + "': " + std::strerror(errno));
    closer.reset(in);
  }

  stream::Parser parser(options);
  std::vector<uint8_t> buffer(64 * 1024);
  std::vector<uint8_t> pending;
  xml::Status status = xml::Status::kNeedMore;
  bool lost = false;
  auto print = [&] {
    for (const stream::Event& e : parser.TakeEvents()) std::cout << e.Line() << '\n';
    if (!std::cout.good()) lost = true;
  };
  size_t want = plan.Next();
  while (status != xml::Status::kError && !lost) {
    size_t n = std::fread(buffer.data(), 1, buffer.size(), in);
    if (n == 0) {
      if (std::ferror(in)) {
        std::cout.flush();
        return UsageError("cannot read '" + args.input + "': " + std::strerror(errno));
      }
      break;
    }
    pending.insert(pending.end(), buffer.begin(), buffer.begin() + n);
    size_t pos = 0;
    while (status != xml::Status::kError && pos < pending.size()) {
      size_t len = want == 0 ? pending.size() - pos : want;
      if (pos + len > pending.size()) break;  // wait for more input
      status = parser.Feed(std::span<const uint8_t>(pending.data() + pos, len));
      pos += len;
      print();
      want = plan.Next();
    }
    pending.erase(pending.begin(), pending.begin() + pos);
  }
  if (status != xml::Status::kError && !pending.empty()) {
    status = parser.Feed(std::span<const uint8_t>(pending.data(), pending.size()));
    print();
  }
  // An unwritable stdout stops the run: main() reports it (exit 2).
  return status == xml::Status::kError ? 1 : 0;
}

}  // namespace

Runner AddParseCommand(CLI::App& app) {
  auto args = std::make_shared<ParseArgs>();
  CLI::App* cmd = app.add_subcommand("parse", "Play an XMPP stream through the reference stream parser");
  cmd->add_option("--backend", args->backend, "Tokenizer backend: expat (default), libxml2 or native");
  cmd->add_option("--chunk", args->chunk, "Feed N bytes at a time, or random:SEED for seeded random splits");
  cmd->add_option("--side", args->side, "server (default): parse what a client sends; client: what a server sends");
  cmd->add_flag("--authenticated", args->authenticated, "Start with the post-authentication stanza limit");
  cmd->add_option("input", args->input, "Input file, or - for standard input")->required();
  return [args] { return RunParse(*args); };
}

}  // namespace xmppfuzz::cli
