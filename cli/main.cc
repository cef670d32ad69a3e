#include <cstdio>
#include <iostream>
#include <map>

#include "cli/commands.h"

namespace xmppfuzz::cli {

int UsageError(const std::string& message) {
  std::cerr << "xmppfuzz: " << message << "\n";
  return 2;
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
    if (app.got_subcommand(name)) return run();
  }
  return UsageError("no subcommand given (see --help)");
}
