// xmppfuzz conform: plays the conformance vectors against in-process
// targets (the reference stream parser over each backend) and live servers
// on loopback, and reports by category (README "Conformance suite"). With
// --w3c DIR it instead runs the W3C XML Conformance Test Suite through the
// XML layer in document mode.
#include <fnmatch.h>
#include <unistd.h>

#include <cstdlib>
#include <filesystem>
#include <fstream>
#include <iostream>
#include <memory>

#include "cli/commands.h"
#include "conformance/protocol/scenario.h"
#include "conformance/protocol/target.h"
#include "conformance/hostile/hostile.h"
#include "conformance/runner/exec.h"
#include "conformance/runner/inproc.h"
#include "conformance/runner/live.h"
#include "conformance/runner/report.h"
#include "conformance/runner/vector.h"
#include "conformance/runner/w3c.h"

namespace xmppfuzz::cli {
namespace {

struct ConformArgs {
  std::vector<std::string> targets;
  std::string suite;
  std::string filter;
  std::string format = "text";
  std::string out;
  std::string html;          // --html FILE: the HTML page as well, whatever --format says
  std::string write_expect;  // --write-expect FILE: the deviations seen, as an expectations file
  std::vector<std::string> expect;
  std::vector<std::string> labels;  // --label: once per --target, the name reports show
  std::string user;
  std::string password;
  std::string tls = "auto";
  std::string ca;
  std::string mechanism;
  std::string server_config;  // --server-config words, comma-separated
  int jobs = 8;
  int timeout_ms = 2000;
  bool list = false;
  std::string w3c;
  int edition = 0;
  std::string clients;    // client:<library> drivers: DIR/<library>/driver.json
  std::string build_dir;  // {build} in driver.json
  hostile::Limits client_limits;
  int client_memory_mib = 768;
  int exec_timeout_ms = 10000;        // exec targets: one input's deadline
  int exec_start_timeout_ms = 10000;  // exec-persistent: the handshake's deadline
  int exec_max_answer_mib = 64;
  int exec_jobs = 1;
};

std::string Env(const char* name) {
  const char* v = std::getenv(name);
  return v == nullptr ? std::string() : std::string(v);
}

int Emit(const ConformArgs& args, const std::string& report, const std::string& text_summary) {
  if (args.out.empty()) {
    std::cout << report;
    return StdoutFailed() ? FinishStdout(0) : 0;
  }
  if (!WriteFile(args.out, report)) return UsageError("cannot write '" + args.out + "'");
  std::cout << text_summary;
  return StdoutFailed() ? FinishStdout(0) : 0;
}

// SourceDir is the source tree conformance/ is found in: the working
// directory when it has one, else the tree this binary was built from.
std::string SourceDir() {
  std::error_code ec;
  if (std::filesystem::is_directory("conformance/vectors", ec)) return std::filesystem::current_path(ec).string();
  return XMPPFUZZ_SOURCE_DIR;
}

std::unique_ptr<conform::Target> MakeTarget(const ConformArgs& args, const std::string& spec, std::string* error) {
  conform::ExecConfig exec;
  error->clear();
  if (conform::ParseExecTargetName(spec, &exec, error)) {
    if (!error->empty()) return nullptr;
    exec.timeout_ms = args.exec_timeout_ms;
    exec.start_timeout_ms = args.exec_start_timeout_ms;
    exec.max_answer = static_cast<size_t>(args.exec_max_answer_mib) << 20;
    exec.max_line = std::min<size_t>(exec.max_answer, 16u << 20);
    exec.jobs = args.exec_jobs;
    return conform::MakeExecTarget(exec, error);
  }
  if (hostile::IsClientTargetName(spec)) {
    hostile::ClientTargetConfig config;
    std::string src = SourceDir();
    std::string clients = args.clients.empty() ? src + "/conformance/clients" : args.clients;
    // {src} is the tree the drivers live in: a --clients DIR that is some
    // tree's conformance/clients names that tree.
    const std::string suffix = "/conformance/clients";
    std::string trimmed = clients;
    while (trimmed.size() > 1 && trimmed.back() == '/') trimmed.pop_back();
    if (trimmed.size() > suffix.size() && trimmed.compare(trimmed.size() - suffix.size(), suffix.size(), suffix) == 0) {
      src = trimmed.substr(0, trimmed.size() - suffix.size());
    }
    std::string build = args.build_dir.empty() ? std::string(XMPPFUZZ_BINARY_DIR) : args.build_dir;
    if (!hostile::LoadDriver(clients, spec.substr(7), build, src, &config.driver, error)) return nullptr;
    config.jobs = std::min(args.jobs, 4);
    config.limits = args.client_limits;
    config.limits.memory_bytes = static_cast<uint64_t>(args.client_memory_mib) << 20;
    return hostile::MakeClientTarget(std::move(config));
  }
  if (spec.rfind("inproc:", 0) == 0) {
    std::string name = spec.substr(7);
    if (auto target = conform::MakeDefaultParserTarget(name)) return target;
    auto backend = xml::BackendFromName(name);
    if (!backend) {
      *error = "unknown target '" + spec +
               "' (inproc:expat, inproc:libxml2, inproc:native, inproc:expat-default, inproc:libxml2-default, xmpp://HOST:PORT, "
               "client:LIBRARY, exec:COMMAND, exec-persistent:COMMAND)";
      return nullptr;
    }
    protocol::ProtocolTargetOptions po;
    po.backend = *backend;
    return protocol::WithProtocolScenarios(conform::MakeInprocTarget(*backend), po);
  }
  if (spec.rfind("xmpp://", 0) == 0) {
    conform::LiveConfig config;
    if (!conform::ParseLiveUrl(spec, &config, error)) return nullptr;
    config.user = args.user;
    config.password = args.password;
    config.jobs = args.jobs;
    config.timeout_ms = args.timeout_ms;
    config.ca_file = args.ca;
    config.mechanism = args.mechanism;
    if (!conform::ParseLiveTls(args.tls, &config.tls)) {
      *error = "--tls takes auto, required or off, got '" + args.tls + "'";
      return nullptr;
    }
    std::string notice;
    std::string health = conform::CheckLive(config);
    if (health.empty()) health = conform::PrepareLive(&config, &notice);
    if (!health.empty()) {
      *error = "live target " + spec + ": " + health;
      return nullptr;
    }
    if (!notice.empty()) std::cerr << "live target " << spec << ": " << notice << "\n";
    protocol::ProtocolTargetOptions po;
    po.live = true;
    po.host = config.host;
    po.port = config.port;
    po.domain = config.domain;
    po.user = config.user;
    po.password = config.password;
    po.timeout_ms = config.timeout_ms;
    if (!protocol::ParseServerConfig(args.server_config, &po.server_config, error)) return nullptr;
    return protocol::WithProtocolScenarios(conform::MakeLiveTarget(config), po);
  }
  *error = "unknown target '" + spec +
           "' (inproc:expat, inproc:libxml2, inproc:native, inproc:expat-default, inproc:libxml2-default, xmpp://HOST:PORT, "
           "client:LIBRARY, exec:COMMAND, exec-persistent:COMMAND)";
  return nullptr;
}

// DefaultW3cEdition is the XML 1.0 edition whose W3C tests a backend is held
// to. Expat follows the name rules of XML 1.0 up to the fourth edition,
// libxml2 those of the fifth; native accepts only the names both accept
// (targets/xml/name_chars.h), as the guard does for both, and is held to the
// fourth edition's tests like Expat.
int DefaultW3cEdition(xml::Backend backend) {
  switch (backend) {
    case xml::Backend::kExpat: return 4;
    case xml::Backend::kLibxml2: return 5;
    case xml::Backend::kNative: return 4;
  }
  return 5;  // not reached: the switch names every backend
}

int RunW3cMode(const ConformArgs& args) {
  std::vector<conform::W3cTest> tests;
  std::string error;
  if (!conform::LoadW3cCatalog(args.w3c, &tests, &error)) return UsageError(error);
  std::vector<conform::W3cSummary> summaries;
  for (const std::string& spec : args.targets) {
    if (spec.rfind("inproc:", 0) != 0) return UsageError("--w3c runs in-process targets only, not '" + spec + "'");
    auto backend = xml::BackendFromName(spec.substr(7));
    if (!backend) return UsageError("unknown target '" + spec + "' (inproc:expat, inproc:libxml2, inproc:native)");
    int edition = args.edition != 0 ? args.edition : DefaultW3cEdition(*backend);
    summaries.push_back(conform::RunW3c(tests, *backend, edition));
  }
  std::string text = conform::W3cText(summaries);
  std::string report = args.format == "json" ? conform::W3cJson(summaries) : text;
  if (int rc = Emit(args, report, text); rc != 0) return rc;
  for (const conform::W3cSummary& s : summaries) {
    if (!s.failures.empty()) return 1;
  }
  return 0;
}

int RunConform(ConformArgs args) {
  if (args.user.empty()) args.user = Env("XMPPFUZZ_LIVE_USER");
  if (args.password.empty()) args.password = Env("XMPPFUZZ_LIVE_PASSWORD");
  if (args.ca.empty()) args.ca = Env("XMPPFUZZ_LIVE_CERT");
  if (args.targets.empty()) args.targets = {"inproc:expat", "inproc:libxml2"};
  if (args.format != "text" && args.format != "json" && args.format != "junit" && args.format != "html" &&
      args.format != "markdown") {
    return UsageError("--format takes text, json, junit, html or markdown, got '" + args.format + "'");
  }
  if (args.jobs < 1 || args.jobs > 256) return UsageError("--jobs takes 1 to 256");
  if (args.client_limits.wall_ms < 1000 || args.client_limits.wall_ms > 600000) {
    return UsageError("--client-wall-ms takes 1000 to 600000");
  }
  if (args.client_limits.cpu_seconds < 1 || args.client_limits.cpu_seconds > 600) {
    return UsageError("--client-cpu-s takes 1 to 600");
  }
  if (args.client_memory_mib < 64 || args.client_memory_mib > 65536) {
    return UsageError("--client-memory-mib takes 64 to 65536");
  }
  if (args.timeout_ms < 100 || args.timeout_ms > 600000) return UsageError("--timeout-ms takes 100 to 600000");
  if (args.exec_timeout_ms < 10 || args.exec_timeout_ms > 600000) {
    return UsageError("--exec-timeout-ms takes 10 to 600000");
  }
  if (args.exec_start_timeout_ms < 10 || args.exec_start_timeout_ms > 600000) {
    return UsageError("--exec-start-timeout-ms takes 10 to 600000");
  }
  if (args.exec_max_answer_mib < 1 || args.exec_max_answer_mib > 4096) {
    return UsageError("--exec-max-answer-mib takes 1 to 4096");
  }
  if (args.exec_jobs < 1 || args.exec_jobs > 64) return UsageError("--exec-jobs takes 1 to 64");
  // An --out that cannot be written is bad usage, said before a long run
  // (opened for appending: an existing report is only replaced at the end).
  // Checked without creating it: a run refused later leaves nothing behind.
  for (auto [flag, file] : {std::pair<const char*, const std::string*>{"--out", &args.out},
                             {"--html", &args.html}, {"--write-expect", &args.write_expect}}) {
    if (file->empty()) continue;
    std::error_code ec;
    std::filesystem::path out(*file);
    std::filesystem::path parent = out.parent_path().empty() ? std::filesystem::path(".") : out.parent_path();
    bool exists = std::filesystem::exists(out, ec);
    if (exists && std::filesystem::is_directory(out, ec)) {
      return UsageError(std::string(flag) + " '" + *file + "' is a directory");
    }
    if (exists ? ::access(file->c_str(), W_OK) != 0 : ::access(parent.c_str(), W_OK | X_OK) != 0) {
      return UsageError("cannot write '" + *file + "'");
    }
  }
  if (!args.write_expect.empty() && args.targets.size() != 1) {
    return UsageError("--write-expect takes one --target");
  }
  if (!args.w3c.empty()) {
    if (args.format == "junit" || args.format == "html" || !args.html.empty() || !args.write_expect.empty()) {
      return UsageError("--w3c reports as text or json");
    }
    if (args.edition < 0 || args.edition > 5) return UsageError("--edition takes 1 to 5 (the XML 1.0 edition)");
    return RunW3cMode(args);
  }
  if (!args.labels.empty() && args.labels.size() != args.targets.size()) {
    return UsageError("give --label once per --target, in the same order");
  }
  for (const std::string& label : args.labels) {
    if (label.empty() || label.size() > 64 ||
        label.find_first_not_of("abcdefghijklmnopqrstuvwxyzABCDEFGHIJKLMNOPQRSTUVWXYZ0123456789._:+-") !=
            std::string::npos) {
      return UsageError("--label takes 1 to 64 letters, digits and . _ : + -, got '" + label.substr(0, 64) + "'");
    }
  }
  if (!args.expect.empty() && args.expect.size() != 1 && args.expect.size() != args.targets.size()) {
    return UsageError("give --expect once (for every target) or once per --target, in the same order");
  }

  std::string suite = args.suite.empty() ? DefaultSuite() : args.suite;
  std::vector<conform::Vector> all;
  std::string error;
  // --list needs no input bytes: the loader checks and then drops them.
  if (!conform::LoadSuite(suite, &all, &error, /*keep_inputs=*/!args.list)) return UsageError(error);
  std::vector<conform::Vector> vectors;
  for (const conform::Vector& v : all) {
    if (args.filter.empty() || fnmatch(args.filter.c_str(), v.id.c_str(), 0) == 0) vectors.push_back(v);
  }
  if (vectors.empty()) return UsageError("no vector in '" + suite + "' matches '" + args.filter + "'");

  if (args.list) {
    for (const conform::Vector& v : vectors) {
      std::string how;
      switch (v.kind) {
        case conform::VectorKind::kSasl: how = "sasl " + std::string(conform::SaslRoleName(v.sasl.role)); break;
        case conform::VectorKind::kTls: how = "tls"; break;
        case conform::VectorKind::kCertIdentity:
          how = "cert-identity " + std::string(v.cert.s2s ? "s2s" : "c2s");
          break;
        case conform::VectorKind::kTlsPolicy: how = "tls-policy our-" + std::string(conform::SaslRoleName(v.tls.role)); break;
        case conform::VectorKind::kStarttls:
          how = "starttls " + std::string(conform::SaslRoleName(v.tls.role)) +
                (v.tls.require_tls ? " require-tls" : " tls-optional");
          break;
        case conform::VectorKind::kXml:
          how = std::string(conform::SideName(v.side)) + " " + std::string(conform::ProfileName(v.profile));
          break;
        case conform::VectorKind::kProtocol:
          how = "protocol " + std::to_string(v.scenario->steps.size()) + " steps";
          for (const std::string& w : v.scenario->config) how += " " + w;
          break;
        case conform::VectorKind::kClient: how = "client " + v.client.check; break;
      }
      std::string expect = v.expect.Text(true);
      if (!v.sasl.check.empty()) expect += " check=" + v.sasl.check;
      std::cout << v.id << "  " << how << "  " << expect << "  -- " << v.description << "\n";
    }
    return 0;
  }

  // Client targets run inside fresh network and mount namespaces, entered
  // by this process before any thread starts (README "Hostile server"); a
  // live server outside cannot be reached from there.
  bool any_client = false, any_live = false;
  for (const std::string& t : args.targets) {
    any_client = any_client || hostile::IsClientTargetName(t);
    any_live = any_live || t.rfind("xmpp://", 0) == 0;
  }
  if (any_client && any_live) return UsageError("client:<library> targets cannot run with xmpp:// targets in one run");
  if (any_client) hostile::EnterSandbox();

  // Every target and expectations file is checked before the first vector
  // runs: a typo in the last --target must not cost a whole run first.
  std::vector<std::unique_ptr<conform::Target>> targets;
  std::vector<conform::Expectations> known(args.targets.size());
  std::vector<conform::TargetReport> reports(args.targets.size());
  for (size_t i = 0; i < args.targets.size(); ++i) {
    targets.push_back(MakeTarget(args, args.targets[i], &error));
    if (!targets.back()) return UsageError(error);
    conform::TargetReport& report = reports[i];
    report.target = targets.back()->Name();
    if (!args.labels.empty()) report.label = args.labels[i];
    report.live = targets.back()->Live();
    report.implementation = targets.back()->Implementation();
    if (!args.expect.empty()) {
      report.expectations = args.expect.size() == 1 ? args.expect[0] : args.expect[i];
      std::string text;
      std::error_code ec;
      if (std::filesystem::is_directory(report.expectations, ec)) {
        return UsageError("--expect '" + report.expectations + "' is a directory, not an expectations file");
      }
      if (!conform::ReadFile(report.expectations, &text)) return UsageError("cannot read '" + report.expectations + "'");
      if (!conform::ParseExpectations(report.expectations, text, &known[i], &error)) return UsageError(error);
      report.stale_expectations = conform::UnknownIds(known[i], all);
    }
  }
  // kind: client vectors are for client targets only, and the other kinds
  // for the other targets.
  std::vector<conform::Vector> client_vectors, other_vectors;
  for (const conform::Vector& v : vectors) {
    (v.kind == conform::VectorKind::kClient ? client_vectors : other_vectors).push_back(v);
  }
  size_t skipped = 0;
  std::string skip_reason;
  for (size_t i = 0; i < targets.size(); ++i) {
    bool client = hostile::IsClientTargetName(args.targets[i]);
    std::string skip = hostile::SkipReason(*targets[i]);
    if (!skip.empty()) {
      ++skipped;
      skip_reason = targets[i]->Name() + ": " + skip;
    }
    reports[i].results = conform::RunAll(*targets[i], client ? client_vectors : other_vectors,
                                         args.expect.empty() ? nullptr : &known[i]);
  }
  if (any_client) hostile::LeaveSandbox();

  std::string text = conform::TextReport(reports);
  std::string report = args.format == "json"    ? conform::JsonReport(reports)
                       : args.format == "junit" ? conform::JunitReport(reports)
                       : args.format == "html"  ? conform::HtmlReport(reports)
                       : args.format == "markdown" ? conform::MarkdownReport(reports, conform::MarkdownParts{})
                                                : text;
  // The extra files first: Emit's stdout is the last thing written.
  if (!args.html.empty() && !WriteFile(args.html, conform::HtmlReport(reports))) {
    return UsageError("cannot write '" + args.html + "'");
  }
  if (!args.write_expect.empty()) {
    std::string header = "Known deviations of " + reports[0].target +
                         ", written by `xmppfuzz conform --target " + reports[0].target +
                         " --write-expect FILE` (README, \"Real parsers with their default settings\").\n"
                         "Each line is what the parser did with a vector whose expectation it does not meet.";
    if (!WriteFile(args.write_expect, conform::ExpectationsFile(reports[0], header))) {
      return UsageError("cannot write '" + args.write_expect + "'");
    }
  }
  if (int rc = Emit(args, report, text); rc != 0) return rc;
  for (const conform::TargetReport& r : reports) {
    if (conform::Failed(r)) return 1;
  }
  // Every target was a client target that could not run: exit 3 (ctest's
  // SKIP_RETURN_CODE) with the reason, never a pass.
  if (skipped != 0 && skipped == targets.size()) {
    std::cerr << "skipped because: " << skip_reason << "\n";
    return 3;
  }
  return 0;
}

}  // namespace

Runner AddConformCommand(CLI::App& app) {
  auto args = std::make_shared<ConformArgs>();
  CLI::App* cmd = app.add_subcommand("conform", "Run the conformance vectors against targets and report by category");
  cmd->add_option("--target", args->targets,
                  "inproc:expat, inproc:libxml2, inproc:native, inproc:expat-default, inproc:libxml2-default (the real parsers with "
                  "their default settings, no guard; XML vectors only), xmpp://HOST:PORT[/DOMAIN] (loopback only) or "
                  "client:LIBRARY (a client library's driver against the hostile server), exec:COMMAND (one "
                  "`/bin/sh -c COMMAND` per XML vector: the bytes on stdin, `xmppfuzz parse` lines on stdout) or "
                  "exec-persistent:COMMAND (one long-lived adapter speaking the exec protocol; README \"Bring your "
                  "own parser: exec targets\"); repeatable. Default: both in-process targets");
  cmd->add_option("--suite", args->suite, "Vector directory (default: conformance/vectors)");
  cmd->add_option("--filter", args->filter, "Only vectors whose id matches this glob (e.g. 'namespaces/*')");
  cmd->add_option("--format", args->format, "Report format: text (default), json, junit, html or markdown (the README's tables)");
  cmd->add_option("--out", args->out, "Write the report to FILE (the text table still goes to stdout)");
  cmd->add_option("--html", args->html, "Also write the HTML page to FILE, whatever --format says");
  cmd->add_option("--write-expect", args->write_expect,
                  "Write what the one --target did with each vector it did not pass, as an expectations file");
  cmd->add_option("--expect", args->expect,
                  "Known-deviations file: once for every target, or once per --target in order");
  cmd->add_option("--label", args->labels,
                  "Name a target in the reports (once per --target, in order; e.g. prosody-packaged)");
  cmd->add_option("--user", args->user, "Live log-in user (default: $XMPPFUZZ_LIVE_USER)");
  cmd->add_option("--password", args->password, "Live log-in password (default: $XMPPFUZZ_LIVE_PASSWORD)");
  cmd->add_option("--tls", args->tls,
                  "Live: auto (default: STARTTLS whenever the server offers it), required (fail without it) or off "
                  "(cleartext)");
  cmd->add_option("--ca", args->ca,
                  "Live: PEM file of the certificates trusted for the server (default: $XMPPFUZZ_LIVE_CERT, else the "
                  "system store)");
  cmd->add_option("--mechanism", args->mechanism,
                  "Live: SASL mechanism to log in with (default: the strongest SCRAM offered, -PLUS where it can "
                  "bind; PLAIN only when named here)");
  cmd->add_option("--jobs", args->jobs, "Live connections at once (default 8)");
  cmd->add_option("--timeout-ms", args->timeout_ms, "Live: how long to wait for an answer (default 2000); a vector's deadline is 4x this plus 1 ms per 64 input "
                  "bytes, at most 60 s");
  cmd->add_option("--server-config", args->server_config,
                  "Live: what the server is configured to do, comma-separated (starttls-required, starttls-optional, "
                  "direct-tls, alpn, plus, xep-0474); protocol scenarios that need an unstated one are n/a");
  cmd->add_flag("--list", args->list, "List the selected vectors instead of running them");
  cmd->add_option("--w3c", args->w3c, "Run the W3C XML Conformance Test Suite found in DIR instead of the vectors");
  cmd->add_option("--edition", args->edition, "--w3c: hold every backend to this XML 1.0 edition's tests");
  cmd->add_option("--clients", args->clients,
                  "client:LIBRARY targets: the directory of driver directories (default: conformance/clients)");
  cmd->add_option("--client-wall-ms", args->client_limits.wall_ms,
                  "client:LIBRARY: wall-clock limit of one driver run (default 20000; then: hung)");
  cmd->add_option("--client-cpu-s", args->client_limits.cpu_seconds,
                  "client:LIBRARY: CPU limit of one driver run in seconds (default 10; then: cpu-bound)");
  cmd->add_option("--client-memory-mib", args->client_memory_mib,
                  "client:LIBRARY: RSS limit of the driver's process group (default 768; then: memory)");
  cmd->add_option("--exec-timeout-ms", args->exec_timeout_ms,
                  "exec targets: wall-clock deadline of one input (default 10000; then: hung, process group killed)");
  cmd->add_option("--exec-start-timeout-ms", args->exec_start_timeout_ms,
                  "exec-persistent: deadline of the adapter's handshake line at each (re)start (default 10000)");
  cmd->add_option("--exec-max-answer-mib", args->exec_max_answer_mib,
                  "exec targets: cap on one answer in MiB (default 64; a line: at most 16; then: flooded)");
  cmd->add_option("--exec-jobs", args->exec_jobs,
                  "exec targets: adapter processes at once (default 1; exec-persistent: that many long-lived ones)");
  cmd->add_option("--build-dir", args->build_dir, "client:LIBRARY targets: {build} in driver.json (default: this build)");
  return [args] { return RunConform(*args); };
}

}  // namespace xmppfuzz::cli
