// xmppfuzz differential: the same streams through real implementations'
// parsers (exec adapters) and the reference, and every server adapter's
// routed stanzas through every client adapter (README "Differential
// campaign").
#include <algorithm>
#include <cerrno>
#include <cstring>
#include <filesystem>
#include <iostream>
#include <memory>
#include <string>
#include <vector>

#include "cli/commands.h"
#include "conformance/runner/differential.h"
#include "conformance/runner/exec.h"
#include "conformance/runner/vector.h"
#include "harnesses/harness.h"
#include "targets/base/base.h"

namespace xmppfuzz::cli {
namespace {

struct DifferentialArgs {
  std::vector<std::string> servers;  // NAME=TARGET
  std::vector<std::string> clients;
  std::string suite;
  bool no_suite = false;
  std::vector<std::string> corpora;  // stream fuzzer corpus directories
  std::vector<std::string> inputs;   // raw stream files or directories
  std::string inputs_side = "c2s";
  std::vector<std::string> dicts;
  double seconds = 0;
  uint64_t seed = 1;
  std::string expect;
  std::string out;
  size_t max_input = 65536;
  size_t minimize_tries = 400;
  double minimize_seconds = 30;
  double progress_seconds = 60;
  int exec_timeout_ms = 10000;
  int exec_start_timeout_ms = 10000;
  bool list_kinds = false;
};

// Files under |path| (itself when it is a file), sorted, skipping dot files.
bool Files(const std::string& path, std::vector<std::string>* out, std::string* error) {
  std::error_code ec;
  if (std::filesystem::is_regular_file(path, ec)) {
    out->push_back(path);
    return true;
  }
  if (!std::filesystem::is_directory(path, ec)) {
    *error = "'" + base::EscapeBytes(path, 300) + "' is neither a file nor a directory";
    return false;
  }
  std::vector<std::string> found;
  for (auto it = std::filesystem::recursive_directory_iterator(path, ec);
       !ec && it != std::filesystem::recursive_directory_iterator(); it.increment(ec)) {
    if (it->path().filename().string().rfind('.', 0) == 0) continue;
    if (it->is_regular_file(ec)) found.push_back(it->path().string());
  }
  if (ec) {
    *error = "cannot read '" + base::EscapeBytes(path, 300) + "': " + ec.message();
    return false;
  }
  std::sort(found.begin(), found.end());
  out->insert(out->end(), found.begin(), found.end());
  return true;
}

// Adapter reads NAME=TARGET.
bool ParseAdapter(const std::string& spec, conform::Role role, const DifferentialArgs& args,
                  std::vector<std::unique_ptr<conform::ExecParser>>* owned, conform::DiffAdapter* out,
                  std::string* error) {
  const char* flag = role == conform::Role::kServer ? "--server" : "--client";
  size_t eq = spec.find('=');
  std::string name = eq == std::string::npos ? "" : spec.substr(0, eq);
  bool name_ok = !name.empty() && name.size() <= 40 && name != "reference";
  for (char c : name) {
    name_ok = name_ok && (std::isalnum(static_cast<unsigned char>(c)) || c == '-' || c == '_' || c == '.');
  }
  if (!name_ok) {
    *error = std::string(flag) + " takes NAME=TARGET (NAME: letters, digits, - _ . and not 'reference'), got '" +
             base::EscapeBytes(spec, 300) + "'";
    return false;
  }
  conform::ExecConfig config;
  std::string target = spec.substr(eq + 1);
  std::string why;
  if (!conform::ParseExecTargetName(target, &config, &why)) {
    *error = std::string(flag) + " " + name + ": the target must be exec:COMMAND or exec-persistent:COMMAND, got '" +
             base::EscapeBytes(target, 300) + "'";
    return false;
  }
  if (!why.empty()) {
    *error = why;
    return false;
  }
  config.timeout_ms = args.exec_timeout_ms;
  config.start_timeout_ms = args.exec_start_timeout_ms;
  auto parser = conform::ExecParser::Make(config, &why);
  if (!parser) {
    *error = std::string(flag) + " " + name + ": " + why;
    return false;
  }
  out->name = name;
  out->role = role;
  out->parser = parser.get();
  owned->push_back(std::move(parser));
  return true;
}

int RunDifferential(const DifferentialArgs& args) {
  if (args.list_kinds) {
    for (const auto& [kind, meaning] : conform::DifferenceKinds()) std::cout << kind << "  " << meaning << "\n";
    return FinishStdout(0);
  }
  if (args.servers.empty() && args.clients.empty()) {
    return UsageError("differential needs at least one --server NAME=TARGET or --client NAME=TARGET");
  }
  if (args.seconds < 0 || args.seconds > 7 * 24 * 3600) return UsageError("--time takes 0 to 604800 seconds");
  if (args.max_input < 64 || args.max_input > (16u << 20)) return UsageError("--max-input-bytes takes 64 to 16777216");
  if (args.minimize_seconds < 0 || args.minimize_seconds > 3600) return UsageError("--minimize-seconds takes 0 to 3600");
  if (args.progress_seconds < 1) return UsageError("--progress-seconds takes 1 or more");
  if (args.exec_timeout_ms < 10 || args.exec_timeout_ms > 600000) return UsageError("--exec-timeout-ms takes 10 to 600000");
  if (args.exec_start_timeout_ms < 10 || args.exec_start_timeout_ms > 600000) {
    return UsageError("--exec-start-timeout-ms takes 10 to 600000");
  }
  if (args.inputs_side != "c2s" && args.inputs_side != "s2c") {
    return UsageError("--inputs-side takes c2s or s2c, got '" + args.inputs_side + "'");
  }
  std::string error;
  conform::CampaignConfig config;
  config.seconds = args.seconds;
  config.seed = args.seed;
  config.max_input = args.max_input;
  config.minimize_tries = args.minimize_tries;
  config.minimize_seconds = args.minimize_seconds;
  config.progress_seconds = args.progress_seconds;
  if (!args.expect.empty()) {
    std::string text;
    if (!conform::ReadFile(args.expect, &text)) return UsageError("cannot read '" + args.expect + "'");
    if (!conform::ParseDiffExpectations(args.expect, text, &config.known, &error)) return UsageError(error);
  }
  for (const std::string& d : args.dicts) {
    std::string text;
    if (!conform::ReadFile(d, &text)) return UsageError("cannot read '" + d + "'");
    if (!conform::ParseDictionary(d, text, &config.dictionary, &error)) return UsageError(error);
  }
  if (!args.out.empty()) {
    std::error_code ec;
    std::filesystem::create_directories(args.out, ec);
    if (ec || !std::filesystem::is_directory(args.out, ec)) {
      return UsageError("cannot create the --out directory '" + args.out + "'");
    }
  }

  // Inputs: the XML vectors (prelude + input, their side and profile), the
  // stream fuzzers' corpus files (decoded as the fuzzers decode them) and
  // raw stream files.
  if (!args.no_suite) {
    std::vector<conform::Vector> vectors;
    std::string suite = args.suite.empty() ? DefaultSuite() : args.suite;
    if (!conform::LoadSuite(suite, &vectors, &error)) return UsageError(error);
    for (const conform::Vector& v : vectors) {
      if (v.kind != conform::VectorKind::kXml) continue;
      conform::DiffInput in;
      in.bytes = conform::Prelude(v.profile, v.side) + v.input;
      in.side = v.side;
      in.profile = v.profile;
      in.origin = "vector " + v.id;
      config.seeds.push_back(std::move(in));
    }
  }
  size_t too_big = 0;
  for (const std::string& dir : args.corpora) {
    std::vector<std::string> files;
    if (!Files(dir, &files, &error)) return UsageError("--corpus: " + error);
    for (const std::string& f : files) {
      std::string data;
      if (!conform::ReadFile(f, &data)) return UsageError("cannot read '" + f + "'");
      harness::FuzzInput fuzz(reinterpret_cast<const uint8_t*>(data.data()), data.size());
      bool expand = false;
      stream::Options options = harness::StreamOptions(fuzz, &expand);
      fuzz.U32();  // the split seed
      conform::DiffInput in;
      in.bytes = harness::StreamBytes(fuzz, expand);
      if (in.bytes.size() > args.max_input) {
        ++too_big;
        continue;
      }
      in.side = options.side == stream::Side::kServer ? conform::Side::kClientToServer : conform::Side::kServerToClient;
      in.profile = options.authenticated ? conform::Profile::kAuthenticated : conform::Profile::kRaw;
      in.origin = "corpus " + f;
      config.seeds.push_back(std::move(in));
    }
  }
  for (const std::string& path : args.inputs) {
    std::vector<std::string> files;
    if (!Files(path, &files, &error)) return UsageError("--inputs: " + error);
    for (const std::string& f : files) {
      conform::DiffInput in;
      if (!conform::ReadFile(f, &in.bytes)) return UsageError("cannot read '" + f + "'");
      in.side = args.inputs_side == "c2s" ? conform::Side::kClientToServer : conform::Side::kServerToClient;
      in.profile = conform::Profile::kAuthenticated;
      in.origin = "file " + f;
      config.seeds.push_back(std::move(in));
    }
  }
  // Said, not dropped silently: a corpus file can expand past the cap.
  if (too_big > 0) {
    std::cerr << "differential: " << too_big << " corpus input(s) over --max-input-bytes " << args.max_input
              << " left out" << std::endl;
  }
  if (config.seeds.empty()) return UsageError("no inputs: give --suite, --corpus or --inputs (or drop --no-suite)");

  std::vector<std::unique_ptr<conform::ExecParser>> owned;
  for (const std::string& s : args.servers) {
    conform::DiffAdapter a;
    if (!ParseAdapter(s, conform::Role::kServer, args, &owned, &a, &error)) return UsageError(error);
    config.adapters.push_back(a);
  }
  for (const std::string& c : args.clients) {
    conform::DiffAdapter a;
    if (!ParseAdapter(c, conform::Role::kClient, args, &owned, &a, &error)) return UsageError(error);
    config.adapters.push_back(a);
  }
  for (size_t i = 0; i < config.adapters.size(); ++i) {
    for (size_t j = 0; j < i; ++j) {
      if (config.adapters[i].name == config.adapters[j].name) {
        return UsageError("two adapters are named '" + config.adapters[i].name + "'");
      }
    }
  }
  config.progress = [](const std::string& line) { std::cerr << "differential: " << line << std::endl; };
  std::cerr << "differential: " << config.seeds.size() << " seed inputs, " << config.adapters.size()
            << " adapters, mutants for " << args.seconds << " s" << std::endl;

  conform::CampaignResult result = conform::RunCampaign(config);
  std::string text = conform::DiffTextReport(result);
  if (!args.out.empty()) {
    namespace fs = std::filesystem;
    fs::path out(args.out);
    if (!WriteFile((out / "differential.txt").string(), text) ||
        !WriteFile((out / "differential.json").string(), conform::DiffJsonReport(result)) ||
        !WriteFile((out / "differential.html").string(), conform::DiffHtmlPage(result))) {
      return UsageError("cannot write the reports under '" + args.out + "'");
    }
    // One directory per finding: the minimized and the original input,
    // byte-exact, to replay with `xmppfuzz parse` or the adapter.
    std::error_code ec;
    fs::remove_all(out / "findings", ec);
    size_t n = 0;
    for (const conform::Finding& f : result.findings) {
      std::string slug = f.difference.Key();
      for (char& c : slug) {
        if (!std::isalnum(static_cast<unsigned char>(c)) && c != '-' && c != '.') c = '_';
      }
      char prefix[16];
      std::snprintf(prefix, sizeof prefix, "%03zu-", ++n);
      fs::path dir = out / "findings" / (prefix + slug.substr(0, 100));
      fs::create_directories(dir, ec);
      if (ec || !WriteFile((dir / "minimized.bin").string(), f.minimized) ||
          !WriteFile((dir / "input.bin").string(), f.input.bytes) ||
          !WriteFile((dir / "what.txt").string(), base::EscapeBytes(f.difference.Key(), 400) + "\n" +
                                                     base::EscapeBytes(f.what, 1u << 16) + "\n")) {
        return UsageError("cannot write '" + dir.string() + "'");
      }
    }
  }
  std::cout << text;
  bool any_new = false;
  for (const conform::Finding& f : result.findings) any_new = any_new || f.known.empty();
  return FinishStdout(any_new ? 1 : 0);
}

}  // namespace

Runner AddDifferentialCommand(CLI::App& app) {
  auto args = std::make_shared<DifferentialArgs>();
  CLI::App* cmd = app.add_subcommand(
      "differential",
      "Play streams through real parsers (exec adapters) and the reference, and route each server adapter's "
      "stanzas through every client adapter; report the differences, deduplicated and minimized");
  cmd->add_option("--server", args->servers,
                  "NAME=TARGET: a server implementation's adapter (exec:COMMAND or exec-persistent:COMMAND); it gets "
                  "the c2s inputs and its routed stanzas go to every client; repeatable");
  cmd->add_option("--client", args->clients,
                  "NAME=TARGET: a client implementation's adapter; it gets the s2c inputs and every server's routed "
                  "stanzas; repeatable");
  cmd->add_option("--suite", args->suite, "Vector directory whose XML vectors are seeds (default: conformance/vectors)");
  cmd->add_flag("--no-suite", args->no_suite, "No vectors as seeds (only --corpus and --inputs)");
  cmd->add_option("--corpus", args->corpora,
                  "A stream fuzzer's corpus directory (corpora/stream_parser_fuzzer, ...): files decoded as the "
                  "fuzzer decodes them (options byte, split seed, stream bytes); repeatable");
  cmd->add_option("--inputs", args->inputs, "Raw stream files, or directories of them; repeatable");
  cmd->add_option("--inputs-side", args->inputs_side, "--inputs are c2s (default) or s2c streams");
  cmd->add_option("--dict", args->dicts, "Dictionary of tokens for the mutator (libFuzzer format); repeatable");
  cmd->add_option("--time", args->seconds, "Seconds of mutants after the seeds (default 0: the seeds only)");
  cmd->add_option("--seed", args->seed, "Mutator seed (default 1): the same seed, seeds and adapters repeat a run");
  cmd->add_option("--expect", args->expect, "Known differences: '<key glob> -- <reason>' lines");
  cmd->add_option("--out", args->out,
                  "Directory for differential.{txt,json,html} and findings/NNN-KEY/{minimized,input}.bin");
  cmd->add_option("--max-input-bytes", args->max_input, "Largest input played (default 65536)");
  cmd->add_option("--minimize-tries", args->minimize_tries, "Adapter rounds per finding's minimization (default 400)");
  cmd->add_option("--minimize-seconds", args->minimize_seconds, "Time per finding's minimization (default 30)");
  cmd->add_option("--progress-seconds", args->progress_seconds, "A status line on stderr every N seconds (default 60)");
  cmd->add_option("--exec-timeout-ms", args->exec_timeout_ms,
                  "Deadline of one input per adapter (default 10000; then: hung, the adapter is restarted)");
  cmd->add_option("--exec-start-timeout-ms", args->exec_start_timeout_ms,
                  "exec-persistent: deadline of the handshake at each (re)start (default 10000)");
  cmd->add_flag("--list-kinds", args->list_kinds, "List the kinds of difference and exit");
  return [args] { return RunDifferential(*args); };
}

}  // namespace xmppfuzz::cli
