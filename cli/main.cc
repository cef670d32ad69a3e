#include <cerrno>
#include <cstdio>
#include <cstring>
#include <filesystem>
#include <fstream>
#include <iostream>
#include <map>

#include "cli/commands.h"

namespace xmppfuzz::cli {

int UsageError(const std::string& message) {
  std::cerr << "xmppfuzz: " << message << "\n";
  return 2;
}

bool WriteFile(const std::string& path, const std::string& content) {
  std::ofstream f(path, std::ios::binary | std::ios::trunc);
  f << content;
  f.close();
  return static_cast<bool>(f);
}

std::string DefaultSuite() {
  std::error_code ec;
  if (std::filesystem::is_directory("conformance/vectors", ec)) return "conformance/vectors";
  return XMPPFUZZ_SOURCE_DIR "/conformance/vectors";
}

namespace {
int stdout_errno = 0;
bool stdout_reported = false;
}  // namespace

bool StdoutFailed() {
  errno = 0;
  std::cout.flush();
  bool failed = !std::cout.good() || std::fflush(stdout) != 0 || std::ferror(stdout) != 0;
  if (failed && stdout_errno == 0) stdout_errno = errno != 0 ? errno : EIO;
  return failed;
}

int FinishStdout(int rc) {
  if (!StdoutFailed()) return rc;
  if (stdout_reported) return 2;
  stdout_reported = true;
  return UsageError(std::string("cannot write standard output: ") + std::strerror(stdout_errno));
}

}  // namespace xmppfuzz::cli

int main(int argc, char** argv) {
  using namespace xmppfuzz::cli;
  CLI::App app{"xmppfuzz: fuzzing and conformance harness for XMPP parsers and SASL"};
  app.require_subcommand(1);
  std::map<std::string, Runner> runners;
  runners["parse"] = AddParseCommand(app);
  runners["conform"] = AddConformCommand(app);
  runners["sasl"] = AddSaslCommand(app);
  runners["tls-inspect"] = AddTlsInspectCommand(app);
  runners["report"] = AddReportCommand(app);
  runners["differential"] = AddDifferentialCommand(app);
  try {
    app.parse(argc, argv);
  } catch (const CLI::CallForHelp& e) {
    return app.exit(e);
  } catch (const CLI::CallForAllHelp& e) {
    return app.exit(e);
  } catch (const CLI::ParseError& e) {
    std::string what = e.what();
    return UsageError(what.empty() ? "bad usage (see --help)" : what + " (see --help)");
  }
  for (auto& [name, run] : runners) {
    if (app.got_subcommand(name)) return FinishStdout(run());
  }
  return UsageError("no subcommand given (see --help)");
}
