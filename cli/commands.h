// xmppfuzz command-line subcommands. Each Add*Command registers one
// subcommand on |app|; when it is selected, main() calls the returned runner,
// whose result is the process exit status (0 ok, 1 failure found, 2 usage or
// input error).
#ifndef XMPPFUZZ_CLI_COMMANDS_H_
#define XMPPFUZZ_CLI_COMMANDS_H_

#include <functional>

#include <CLI/CLI.hpp>

namespace xmppfuzz::cli {

using Runner = std::function<int()>;

Runner AddParseCommand(CLI::App& app);
Runner AddConformCommand(CLI::App& app);
Runner AddSaslCommand(CLI::App& app);
Runner AddTlsInspectCommand(CLI::App& app);
Runner AddReportCommand(CLI::App& app);
Runner AddDifferentialCommand(CLI::App& app);

// WriteFile replaces |path| with |content|; false when it cannot be
// written completely.
bool WriteFile(const std::string& path, const std::string& content);

// DefaultSuite is conformance/vectors under the working directory, else the
// one in the source tree this binary was built from.
std::string DefaultSuite();

// UsageError prints "xmppfuzz: <message>" on stderr and returns 2.
int UsageError(const std::string& message);

// StdoutFailed reports whether standard output could not take what was
// written so far (closed, full, a broken pipe); it flushes first.
bool StdoutFailed();

// FinishStdout flushes standard output and returns |rc|, or prints
// "xmppfuzz: cannot write standard output: <why>" and returns 2 when any
// write to it failed: no command exits 0 with its output lost.
int FinishStdout(int rc);

}  // namespace xmppfuzz::cli

#endif  // XMPPFUZZ_CLI_COMMANDS_H_
