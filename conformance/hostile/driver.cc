// Client drivers: driver.json (the contract in README "Hostile server:
// client libraries"), and one bounded run of a driver in its own process
// group.
#include <dirent.h>
#include <fcntl.h>
#include <poll.h>
#include <signal.h>
#include <sys/resource.h>
#include <sys/types.h>
#include <sys/wait.h>
#include <unistd.h>

#include <chrono>
#include <cstdio>
#include <cstring>
#include <filesystem>
#include <fstream>
#include <functional>
#include <nlohmann/json.hpp>
#include <sstream>

#include "conformance/hostile/hostile.h"
#include "conformance/hostile/internal.h"

namespace xmppfuzz::hostile {
namespace {

namespace fs = std::filesystem;
using Clock = std::chrono::steady_clock;

constexpr size_t kMaxLine = 16u << 20;  // one printed line kept (a size-flood stanza, escaped)

std::string Replace(std::string s, const std::string& from, const std::string& to) {
  for (size_t at = s.find(from); at != std::string::npos; at = s.find(from, at + to.size())) s.replace(at, from.size(), to);
  return s;
}

// DebianInstalled asks dpkg whether |package| is installed.
bool DebianInstalled(const std::string& package) {
  for (char c : package) {
    bool ok = (c >= 'a' && c <= 'z') || (c >= '0' && c <= '9') || c == '-' || c == '+' || c == '.' || c == ':';
    if (!ok) return false;
  }
  std::ifstream status("/var/lib/dpkg/status");
  std::string line;
  bool in_package = false;
  while (std::getline(status, line)) {
    if (line.rfind("Package: ", 0) == 0) in_package = line.substr(9) == package;
    if (in_package && line.rfind("Status: ", 0) == 0) return line.find(" installed") != std::string::npos &&
                                                              line.find("not-installed") == std::string::npos;
  }
  return false;
}

// NpmPackage reports whether a package name is an npm one ("stanza",
// "@xmpp/client" given as "npm:NAME" or scoped).
bool NpmName(const std::string& p, std::string* name) {
  if (p.rfind("npm:", 0) == 0) {
    *name = p.substr(4);
    return true;
  }
  if (!p.empty() && p[0] == '@') {
    *name = p;
    return true;
  }
  return false;
}

// Ticks of the process group |pgid|: RSS (bytes) and CPU time (s), from /proc.
// Returns how many processes the group has.
int GroupUsage(pid_t pgid, uint64_t* rss, double* cpu) {
  *rss = 0;
  *cpu = 0;
  int members = 0;
  static const long page = ::sysconf(_SC_PAGESIZE);
  static const long hz = ::sysconf(_SC_CLK_TCK);
  DIR* proc = ::opendir("/proc");
  if (proc == nullptr) return 0;
  while (struct dirent* e = ::readdir(proc)) {
    if (e->d_name[0] < '0' || e->d_name[0] > '9') continue;
    char path[300];
    std::snprintf(path, sizeof path, "/proc/%s/stat", e->d_name);
    int fd = ::open(path, O_RDONLY | O_CLOEXEC);
    if (fd < 0) continue;
    char buf[1024];
    ssize_t n = ::read(fd, buf, sizeof buf - 1);
    ::close(fd);
    if (n <= 0) continue;
    buf[n] = 0;
    // Fields after the command (which may hold spaces) start after the last ')'.
    char* p = std::strrchr(buf, ')');
    if (p == nullptr) continue;
    long long f[64] = {0};
    int count = 0;
    char* save = nullptr;
    for (char* tok = ::strtok_r(p + 2, " ", &save); tok != nullptr && count < 64; tok = ::strtok_r(nullptr, " ", &save)) {
      f[count++] = std::atoll(tok);
    }
    // f[0] is field 3 (state); pgrp is field 5, utime 14, stime 15,
    // cutime 16, cstime 17, rss 24.
    if (count < 22 || f[2] != pgid) continue;
    ++members;
    *cpu += static_cast<double>(f[11] + f[12] + f[13] + f[14]) / static_cast<double>(hz);
    *rss += static_cast<uint64_t>(f[21]) * static_cast<uint64_t>(page);
  }
  ::closedir(proc);
  return members;
}

}  // namespace

bool GroupCpuSeconds(pid_t pgid, double* cpu) {
  uint64_t rss = 0;
  return pgid > 0 && GroupUsage(pgid, &rss, cpu) > 0;
}

std::string_view RunStatusName(RunStatus s) {
  switch (s) {
    case RunStatus::kExited: return "exited";
    case RunStatus::kCrashed: return "crashed";
    case RunStatus::kHung: return "hung";
    case RunStatus::kCpuBound: return "cpu-bound";
    case RunStatus::kMemory: return "memory";
    case RunStatus::kNotStarted: return "not-started";
  }
  return "not-started";
}

bool IsClientTargetName(std::string_view spec) { return spec.substr(0, 7) == "client:"; }

bool LoadDriver(const std::string& clients_dir, const std::string& library, const std::string& build_dir,
                const std::string& src_dir, DriverSpec* out, std::string* error) {
  for (char c : library) {
    if (!((c >= 'a' && c <= 'z') || (c >= '0' && c <= '9') || c == '-' || c == '_' || c == '.') || library[0] == '.') {
      *error = "client:" + Escape(library) + ": a library name is [a-z0-9._-]";
      return false;
    }
  }
  if (library.empty()) {
    *error = "client: needs a library name (client:libstrophe)";
    return false;
  }
  std::string dir = clients_dir + "/" + library;
  std::string path = dir + "/driver.json";
  std::ifstream in(path, std::ios::binary);
  if (!in) {
    // Skipped with the reason, not a usage error: the ctest of a library
    // whose driver has not landed shows as skipped, and a misspelt library
    // name says what it looked for.
    out->library = library;
    out->dir = dir;
    out->unavailable = "no driver: " + path + " does not exist";
    return true;
  }
  std::stringstream text;
  text << in.rdbuf();
  nlohmann::json j = nlohmann::json::parse(text.str(), nullptr, /*allow_exceptions=*/false);
  if (!j.is_object() || !j.contains("command") || !j["command"].is_array() || j["command"].empty()) {
    *error = path + ": driver.json needs a \"command\" array (README \"Hostile server\")";
    return false;
  }
  DriverSpec d;
  d.library = j.value("library", library);
  if (!d.library.empty() && !j["library"].is_string()) d.library = library;
  d.dir = dir;
  if (j.contains("packages") && j["packages"].is_array()) {
    for (const auto& p : j["packages"]) {
      if (p.is_string()) d.packages.push_back(p.get<std::string>());
    }
  }
  for (const auto& a : j["command"]) {
    if (!a.is_string()) {
      *error = path + ": every \"command\" element is a string";
      return false;
    }
    d.command.push_back(Replace(Replace(a.get<std::string>(), "{build}", build_dir), "{src}", src_dir));
  }
  d.websocket = j.value("transport", std::string("tcp")) == "websocket";
  // Can it run here? The program, then every package it names.
  std::error_code ec;
  const std::string& program = d.command[0];
  bool program_ok = program.find('/') == std::string::npos || fs::exists(program, ec);
  if (program.find('/') == std::string::npos) {
    // A bare name ("node") is looked up on PATH.
    program_ok = false;
    const char* path_env = std::getenv("PATH");
    std::stringstream dirs(path_env == nullptr ? "/usr/bin:/bin" : path_env);
    std::string p;
    while (std::getline(dirs, p, ':')) program_ok = program_ok || ::access((p + "/" + program).c_str(), X_OK) == 0;
  }
  std::string missing;
  for (const std::string& p : d.packages) {
    std::string npm;
    bool ok = NpmName(p, &npm) ? fs::exists(dir + "/node_modules/" + npm + "/package.json", ec) : DebianInstalled(p);
    if (!ok) missing += (missing.empty() ? "" : ", ") + p;
  }
  if (!program_ok) {
    d.unavailable = "driver not built: " + (missing.empty() ? Escape(program) + " does not exist" : missing + " missing");
  } else if (!missing.empty()) {
    d.unavailable = "package missing: " + missing + " (scripts/clients install)";
  } else {
    for (size_t i = 1; i < d.command.size(); ++i) {
      const std::string& a = d.command[i];
      if (a.rfind(src_dir, 0) == 0 && !fs::exists(a, ec)) d.unavailable = "driver not built: " + Escape(a) + " does not exist";
    }
  }
  *out = std::move(d);
  return true;
}

DriverEvent ParseDriverLine(std::string_view line) {
  DriverEvent e;
  e.line = line;
  nlohmann::json j = nlohmann::json::parse(line.begin(), line.end(), nullptr, /*allow_exceptions=*/false);
  if (!j.is_object() || !j.contains("event") || !j["event"].is_string()) {
    e.event = "unparsed";
    return e;
  }
  e.event = j["event"].get<std::string>();
  auto str = [&](const char* key) -> std::string {
    if (!j.contains(key) || !j[key].is_string()) return {};
    return j[key].get<std::string>();
  };
  for (const char* key : {"text", "xml", "jid", "mechanism", "version"}) {
    if (e.text.empty()) e.text = str(key);
  }
  for (const char* key : {"subscription", "direction", "type"}) {
    if (e.extra.empty()) e.extra = str(key);
  }
  if (e.event == "iq-result") e.text = str("from");
  return e;
}

DriverRun RunDriver(const std::vector<std::string>& command, const Limits& limits,
                    const std::function<void(pid_t)>& on_start) {
  DriverRun run;
  int out_pipe[2], err_pipe[2];
  if (::pipe2(out_pipe, O_CLOEXEC) != 0) {
    run.why = "pipe failed";
    return run;
  }
  if (::pipe2(err_pipe, O_CLOEXEC) != 0) {
    ::close(out_pipe[0]);
    ::close(out_pipe[1]);
    run.why = "pipe failed";
    return run;
  }
  std::vector<char*> argv;
  for (const std::string& a : command) argv.push_back(const_cast<char*>(a.c_str()));
  argv.push_back(nullptr);
  int devnull = ::open("/dev/null", O_RDONLY | O_CLOEXEC);
  struct rlimit cpu {};
  cpu.rlim_cur = static_cast<rlim_t>(limits.cpu_seconds + 1);
  cpu.rlim_max = static_cast<rlim_t>(limits.cpu_seconds + 2);
  auto start = Clock::now();
  pid_t pid = ::fork();
  if (pid == 0) {
    // Only async-signal-safe calls between fork and exec (other threads of
    // the parent may hold locks).
    ::setpgid(0, 0);
    ::setrlimit(RLIMIT_CPU, &cpu);
    ::dup2(devnull, 0);
    ::dup2(out_pipe[1], 1);
    ::dup2(err_pipe[1], 2);
    ::execvp(argv[0], argv.data());
    _exit(127);
  }
  ::close(out_pipe[1]);
  ::close(err_pipe[1]);
  if (devnull >= 0) ::close(devnull);
  if (pid < 0) {
    ::close(out_pipe[0]);
    ::close(err_pipe[0]);
    run.why = "fork failed";
    return run;
  }
  ::setpgid(pid, pid);  // also in the parent: no window where a kill misses
  if (on_start) on_start(pid);
  std::string out, err, partial;
  size_t kept = 0;
  bool out_open = true, err_open = true, exited = false;
  int status = 0;
  RunStatus killed_for = RunStatus::kExited;
  bool line_cut = false;
  auto take_lines = [&](bool final_flush) {
    if (final_flush && !partial.empty()) {
      run.events.push_back(ParseDriverLine(partial));
      partial.clear();
    }
  };
  auto last_poll = Clock::now() - std::chrono::seconds(1);
  Clock::time_point drain_deadline{};
  while (out_open || err_open || !exited) {
    struct pollfd fds[2];
    int nfds = 0;
    if (out_open) fds[nfds++] = {out_pipe[0], POLLIN, 0};
    if (err_open) fds[nfds++] = {err_pipe[0], POLLIN, 0};
    if (nfds > 0) {
      ::poll(fds, static_cast<nfds_t>(nfds), 50);
    } else {
      ::usleep(20000);
    }
    for (int i = 0; i < nfds; ++i) {
      if ((fds[i].revents & (POLLIN | POLLHUP | POLLERR)) == 0) continue;
      char buf[65536];
      ssize_t n = ::read(fds[i].fd, buf, sizeof buf);
      if (n < 0 && errno == EINTR) continue;
      bool is_out = fds[i].fd == out_pipe[0];
      if (n <= 0) {
        (is_out ? out_open : err_open) = false;
        continue;
      }
      if (is_out) {
        // Lines are kept up to kMaxLine bytes each and max_output in all;
        // the rest of a line (or of the output) is read and dropped, so a
        // long line never swallows the events after it.
        std::string_view chunk(buf, static_cast<size_t>(n));
        while (!chunk.empty()) {
          size_t nl = chunk.find('\n');
          std::string_view piece = chunk.substr(0, nl);
          size_t room = std::min(kMaxLine - std::min(kMaxLine, partial.size()),
                                 limits.max_output - std::min(limits.max_output, kept));
          size_t take = std::min(room, piece.size());
          partial.append(piece.substr(0, take));
          kept += take;
          if (take < piece.size()) line_cut = true;
          if (nl == std::string_view::npos) break;
          if (line_cut) {
            DriverEvent e;
            e.event = "unparsed";
            e.line = partial.substr(0, 4096) + "...(line over the output limit, cut)";
            run.events.push_back(std::move(e));
          } else {
            run.events.push_back(ParseDriverLine(partial));
          }
          partial.clear();
          line_cut = false;
          chunk.remove_prefix(nl + 1);
        }
      } else {
        err.append(buf, static_cast<size_t>(n));
        if (err.size() > 8192) err.erase(0, err.size() - 4096);
      }
    }
    auto now = Clock::now();
    if (!exited) {
      pid_t w = ::waitpid(pid, &status, WNOHANG);
      if (w == pid) {
        exited = true;
        // Whatever the driver left behind goes with it; its pipes then close.
        ::kill(-pid, SIGKILL);
        drain_deadline = now + std::chrono::milliseconds(500);
      }
    } else if (now > drain_deadline) {
      break;  // a grandchild holds a pipe open: stop reading
    }
    if (!exited && now - last_poll >= std::chrono::milliseconds(100)) {
      last_poll = now;
      uint64_t rss = 0;
      double cpu_s = 0;
      GroupUsage(pid, &rss, &cpu_s);
      run.peak_rss = std::max(run.peak_rss, rss);
      int64_t wall = std::chrono::duration_cast<std::chrono::milliseconds>(now - start).count();
      RunStatus why = RunStatus::kExited;
      if (rss > limits.memory_bytes) {
        why = RunStatus::kMemory;
        run.why = "process group RSS " + std::to_string(rss >> 20) + " MiB over the " +
                  std::to_string(limits.memory_bytes >> 20) + " MiB limit";
      } else if (cpu_s > limits.cpu_seconds) {
        why = RunStatus::kCpuBound;
        run.why = "used " + std::to_string(static_cast<int>(cpu_s)) + " s of CPU (limit " +
                  std::to_string(limits.cpu_seconds) + " s)";
      } else if (wall > limits.wall_ms) {
        // Out of time: spinning (half the wall clock or more on the CPU,
        // which a busy machine can keep below the CPU limit) or waiting.
        bool spinning = cpu_s * 1000.0 >= 0.5 * static_cast<double>(wall);
        why = spinning ? RunStatus::kCpuBound : RunStatus::kHung;
        run.why = "still running after " + std::to_string(limits.wall_ms) + " ms (wall-clock limit), " +
                  std::to_string(static_cast<int>(cpu_s)) + " s of CPU" + (spinning ? ": spinning" : "");
      }
      if (why != RunStatus::kExited && killed_for == RunStatus::kExited) {
        killed_for = why;
        ::kill(-pid, SIGKILL);
      }
    }
  }
  if (!exited) {
    ::kill(-pid, SIGKILL);
    ::waitpid(pid, &status, 0);
  }
  ::kill(-pid, SIGKILL);
  ::close(out_pipe[0]);
  ::close(err_pipe[0]);
  take_lines(true);
  run.wall_ms = std::chrono::duration_cast<std::chrono::milliseconds>(Clock::now() - start).count();
  run.stderr_tail = err.size() > 2048 ? err.substr(err.size() - 2048) : err;
  if (killed_for != RunStatus::kExited) {
    run.status = killed_for;
  } else if (WIFSIGNALED(status)) {
    int sig = WTERMSIG(status);
    run.signal = sig;
    run.status = sig == SIGXCPU ? RunStatus::kCpuBound : RunStatus::kCrashed;
    run.why = sig == SIGXCPU ? "killed by RLIMIT_CPU" : std::string("killed by signal ") + ::strsignal(sig);
  } else {
    run.exit_code = WEXITSTATUS(status);
    if (run.exit_code == 127 && run.events.empty()) {
      run.status = RunStatus::kNotStarted;
      run.why = "could not execute " + Escape(command[0]);
    } else if (run.exit_code != 0) {
      run.status = RunStatus::kCrashed;
      run.why = "exited with status " + std::to_string(run.exit_code);
    } else {
      run.status = RunStatus::kExited;
    }
  }
  return run;
}

}  // namespace xmppfuzz::hostile
