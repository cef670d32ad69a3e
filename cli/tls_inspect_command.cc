// xmppfuzz tls-inspect: reads one direction of a TLS connection (a capture
// of the bytes a peer sent, from the first record on), prints every record,
// every plaintext handshake message and the fields of a ClientHello, or the
// precise error with its offset. Memory stays bounded whatever the file's
// size: the reader holds one record and one handshake message at a time.
#include <cerrno>
#include <cstdio>
#include <cstring>
#include <iostream>
#include <memory>

#include "cli/commands.h"
#include "targets/base/base.h"
#include "targets/tls/tls.h"

namespace xmppfuzz::cli {
namespace {

struct InspectArgs {
  std::string input;
};

int RunInspect(const InspectArgs& args) {
  FILE* in = stdin;
  std::unique_ptr<FILE, int (*)(FILE*)> closer(nullptr, &std::fclose);
  if (args.input != "-") {
    in = std::fopen(args.input.c_str(), "rb");
    if (in == nullptr) return UsageError("cannot open '" + args.input + "': " + std::strerror(errno));
    closer.reset(in);
  }
  tls::Inspector inspector;
  std::vector<char> buffer(64 * 1024);
  auto print = [&] {
    for (const std::string& line : inspector.TakeLines()) std::cout << line << '\n';
  };
  bool ok = true;
  while (ok) {
    size_t n = std::fread(buffer.data(), 1, buffer.size(), in);
    if (n == 0) {
      if (std::ferror(in)) return UsageError("cannot read '" + args.input + "': " + std::strerror(errno));
      break;
    }
    ok = inspector.Feed(std::string_view(buffer.data(), n));
    print();
  }
  if (ok) ok = inspector.Finish();
  print();
  std::cout.flush();
  if (!std::cout) {
    std::cerr << "xmppfuzz: cannot write the output: " << std::strerror(errno) << "\n";
    return 2;
  }
  return ok ? 0 : 1;
}

}  // namespace

Runner AddTlsInspectCommand(CLI::App& app) {
  auto args = std::make_shared<InspectArgs>();
  CLI::App* cmd = app.add_subcommand("tls-inspect", "Print the TLS records and ClientHello fields of a capture");
  cmd->add_option("input", args->input, "Capture of one direction of a TLS connection, or - for standard input")
      ->required();
  return [args] { return RunInspect(*args); };
}

}  // namespace xmppfuzz::cli
