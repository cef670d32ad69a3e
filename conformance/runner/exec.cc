#include "conformance/runner/exec.h"

#include <fcntl.h>
#include <poll.h>
#include <signal.h>
#include <spawn.h>
#include <sys/types.h>
#include <sys/wait.h>
#include <unistd.h>

#include <cerrno>
#include <chrono>
#include <condition_variable>
#include <cstring>
#include <ctime>
#include <mutex>

#include "targets/base/base.h"

extern char** environ;

namespace xmppfuzz::conform {
namespace {

using Clock = std::chrono::steady_clock;

constexpr size_t kExcerpt = 200;      // bytes of a bad line shown in a message
constexpr size_t kStderrTail = 2048;  // bytes of the adapter's stderr kept
constexpr size_t kMaxHandshake = 4096;
constexpr int kMaxFailedStarts = 3;  // consecutive failed (re)starts before giving up

std::string Excerpt(std::string_view bytes) { return "'" + base::EscapeBytes(bytes, kExcerpt) + "'"; }

bool ParseDecimal(std::string_view s, uint64_t* out) {
  if (s.empty() || s.size() > 15) return false;
  uint64_t n = 0;
  for (char c : s) {
    if (c < '0' || c > '9') return false;
    n = n * 10 + static_cast<uint64_t>(c - '0');
  }
  *out = n;
  return true;
}

// WriteNoSigpipe writes to a pipe whose reader may be gone: SIGPIPE is
// blocked in this thread for the write and a SIGPIPE the write raised is
// taken back, so only EPIPE tells.
ssize_t WriteNoSigpipe(int fd, const char* data, size_t size) {
  sigset_t pipe_set, old_mask, pending;
  sigemptyset(&pipe_set);
  sigaddset(&pipe_set, SIGPIPE);
  sigpending(&pending);
  bool was_pending = sigismember(&pending, SIGPIPE) == 1;
  pthread_sigmask(SIG_BLOCK, &pipe_set, &old_mask);
  ssize_t n = ::write(fd, data, size);
  int saved = errno;
  if (n < 0 && saved == EPIPE && !was_pending) {
    struct timespec zero {};
    while (sigtimedwait(&pipe_set, nullptr, &zero) == -1 && errno == EINTR) {
    }
  }
  pthread_sigmask(SIG_SETMASK, &old_mask, nullptr);
  errno = saved;
  return n;
}

std::string DescribeStatus(int status) {
  if (WIFSIGNALED(status)) {
    int sig = WTERMSIG(status);
    return "killed by signal " + std::to_string(sig) + " (" + ::strsignal(sig) + ")";
  }
  if (WIFEXITED(status)) return "exited with status " + std::to_string(WEXITSTATUS(status));
  return "stopped";
}

// Child is one adapter process: /bin/sh -c COMMAND in its own process
// group, stdin/stdout/stderr on non-blocking pipes.
class Child {
 public:
  Child() = default;
  Child(const Child&) = delete;
  Child& operator=(const Child&) = delete;
  ~Child() { Kill(); }

  // Spawn starts the process with |env| added to (or replacing in) the
  // environment. Returns "" or why it could not start.
  std::string Spawn(const std::string& command, const std::vector<std::string>& env) {
    Kill();
    int in[2], out[2], err[2];
    if (::pipe2(in, O_CLOEXEC) != 0) return std::string("pipe: ") + std::strerror(errno);
    if (::pipe2(out, O_CLOEXEC) != 0) {
      CloseAll({in[0], in[1]});
      return std::string("pipe: ") + std::strerror(errno);
    }
    if (::pipe2(err, O_CLOEXEC) != 0) {
      CloseAll({in[0], in[1], out[0], out[1]});
      return std::string("pipe: ") + std::strerror(errno);
    }
    std::vector<std::string> env_strings;
    for (char** e = environ; e != nullptr && *e != nullptr; ++e) {
      std::string_view entry(*e);
      bool replaced = false;
      for (const std::string& add : env) {
        size_t eq = add.find('=');
        if (entry.substr(0, eq + 1) == std::string_view(add).substr(0, eq + 1)) replaced = true;
      }
      if (!replaced) env_strings.emplace_back(entry);
    }
    for (const std::string& add : env) env_strings.push_back(add);
    std::vector<char*> envp;
    for (std::string& s : env_strings) envp.push_back(s.data());
    envp.push_back(nullptr);
    std::string sh = "/bin/sh", dash_c = "-c", cmd = command;
    char* argv[] = {sh.data(), dash_c.data(), cmd.data(), nullptr};

    posix_spawn_file_actions_t actions;
    posix_spawnattr_t attr;
    posix_spawn_file_actions_init(&actions);
    posix_spawnattr_init(&attr);
    posix_spawn_file_actions_adddup2(&actions, in[0], 0);
    posix_spawn_file_actions_adddup2(&actions, out[1], 1);
    posix_spawn_file_actions_adddup2(&actions, err[1], 2);
    sigset_t none, defaults;
    sigemptyset(&none);
    sigemptyset(&defaults);
    // An ignored SIGPIPE would be inherited: the adapter gets the default.
    sigaddset(&defaults, SIGPIPE);
    posix_spawnattr_setsigmask(&attr, &none);
    posix_spawnattr_setsigdefault(&attr, &defaults);
    posix_spawnattr_setpgroup(&attr, 0);
    posix_spawnattr_setflags(&attr, POSIX_SPAWN_SETPGROUP | POSIX_SPAWN_SETSIGMASK | POSIX_SPAWN_SETSIGDEF);
    pid_t pid = -1;
    int rc = ::posix_spawn(&pid, "/bin/sh", &actions, &attr, argv, envp.data());
    posix_spawn_file_actions_destroy(&actions);
    posix_spawnattr_destroy(&attr);
    CloseAll({in[0], out[1], err[1]});
    if (rc != 0) {
      CloseAll({in[1], out[0], err[0]});
      return std::string("posix_spawn /bin/sh: ") + std::strerror(rc);
    }
    pid_ = pid;
    in_ = in[1];
    out_ = out[0];
    err_ = err[0];
    for (int fd : {in_, out_, err_}) ::fcntl(fd, F_SETFL, ::fcntl(fd, F_GETFL) | O_NONBLOCK);
    stderr_tail_.clear();
    exited_ = false;
    status_ = 0;
    return {};
  }

  bool running() const { return pid_ > 0 && !exited_; }
  bool started() const { return pid_ > 0; }

  // Kill ends the whole process group and reaps the process.
  void Kill() {
    // Once reaped (Reap killed the group then), the id may be reused.
    if (pid_ > 0 && !exited_) {
      ::kill(-pid_, SIGKILL);
      int status = 0;
      while (::waitpid(pid_, &status, 0) < 0 && errno == EINTR) {
      }
      status_ = status;
      exited_ = true;
    }
    pid_ = -1;
    CloseIn();
    for (int* fd : {&out_, &err_}) {
      if (*fd >= 0) ::close(*fd);
      *fd = -1;
    }
  }

  // Shutdown closes stdin (a persistent adapter exits 0 at EOF) and gives
  // the process |grace_ms| to exit before the group is killed.
  void Shutdown(int grace_ms) {
    CloseIn();
    for (int waited = 0; running() && !Reap() && waited < grace_ms; waited += 5) ::usleep(5000);
    Kill();
  }

  void CloseIn() {
    if (in_ >= 0) ::close(in_);
    in_ = -1;
  }

  // Reap checks (without blocking) whether the process ended; when it has,
  // the rest of its group is killed and true returned.
  bool Reap() {
    if (pid_ <= 0 || exited_) return exited_;
    siginfo_t info{};
    // WNOWAIT: the group is killed while the zombie still holds its id.
    if (::waitid(P_PID, static_cast<id_t>(pid_), &info, WEXITED | WNOHANG | WNOWAIT) != 0 || info.si_pid == 0) {
      return false;
    }
    ::kill(-pid_, SIGKILL);
    int status = 0;
    while (::waitpid(pid_, &status, 0) < 0 && errno == EINTR) {
    }
    status_ = status;
    exited_ = true;
    return true;
  }

  // What ReadStderr kept: the last bytes the adapter wrote there, escaped.
  std::string StderrTail() const {
    if (stderr_tail_.empty()) return {};
    return " (stderr: '" + base::EscapeBytes(stderr_tail_) + "')";
  }

  void ReadStderr() {
    if (err_ < 0) return;
    char buf[4096];
    while (true) {
      ssize_t n = ::read(err_, buf, sizeof buf);
      if (n < 0 && errno == EINTR) continue;
      if (n <= 0) {
        if (n == 0) {
          ::close(err_);
          err_ = -1;
        }
        return;
      }
      stderr_tail_.append(buf, static_cast<size_t>(n));
      if (stderr_tail_.size() > kStderrTail) stderr_tail_.erase(0, stderr_tail_.size() - kStderrTail);
    }
  }

  int in() const { return in_; }
  int out() const { return out_; }
  int err() const { return err_; }
  void CloseOut() {
    if (out_ >= 0) ::close(out_);
    out_ = -1;
  }
  int status() const { return status_; }
  bool exited() const { return exited_; }

 private:
  static void CloseAll(std::initializer_list<int> fds) {
    for (int fd : fds) ::close(fd);
  }

  pid_t pid_ = -1;
  int in_ = -1, out_ = -1, err_ = -1;
  bool exited_ = false;
  int status_ = 0;
  std::string stderr_tail_;
};

// How an exchange with the adapter ended.
enum class End : uint8_t {
  kLine,      // kFirstLine: a whole line came
  kDone,      // kDoneLine: the "done" line came
  kEof,       // stdout closed (kEof: and the process exited)
  kTimeout,   // the deadline passed
  kFlood,     // the answer or a line outgrew its cap
};

enum class Until : uint8_t { kFirstLine, kDoneLine, kEof };

struct Exchange {
  End end = End::kEof;
  std::string out;     // what the adapter wrote to stdout (up to and excluding the stop line)
  std::string extra;   // kDone: bytes after the done line
  size_t written = 0;  // bytes of the request that went in
};

// Talk writes |request| to the child's stdin (closing it afterwards when
// |close_in|) while reading stdout until |until|, the caps or |deadline|.
Exchange Talk(Child& child, std::string_view request, bool close_in, Until until, Clock::time_point deadline,
              const ExecConfig& config) {
  Exchange x;
  size_t line_start = 0;  // where the line being read begins in x.out
  size_t scanned = 0;
  bool stdin_done = request.empty();
  if (stdin_done && close_in) child.CloseIn();
  while (true) {
    // Whole lines: check each against the caps and the stop line.
    while (true) {
      size_t nl = x.out.find('\n', scanned);
      if (nl == std::string::npos) {
        scanned = x.out.size();
        if (x.out.size() - line_start > config.max_line) {
          x.end = End::kFlood;
          return x;
        }
        break;
      }
      std::string_view line(x.out.data() + line_start, nl - line_start);
      if (line.size() > config.max_line) {
        x.end = End::kFlood;
        return x;
      }
      if (until == Until::kFirstLine) {
        x.extra = x.out.substr(nl + 1);
        x.out.resize(nl);
        x.end = End::kLine;
        return x;
      }
      // "done\r" ends it too: the answer's CR line ends are then reported
      // as a protocol error at once instead of a wait for the deadline.
      if (until == Until::kDoneLine && (line == "done" || line == "done\r")) {
        x.extra = x.out.substr(nl + 1);
        x.out.resize(line_start);
        x.end = End::kDone;
        return x;
      }
      line_start = nl + 1;
      scanned = line_start;
    }
    if (x.out.size() > config.max_answer) {
      x.end = End::kFlood;
      return x;
    }
    if (child.out() < 0) {
      // EOF seen: one-shot answers end when the process has exited too.
      if (until != Until::kEof || child.Reap()) {
        x.end = End::kEof;
        return x;
      }
    }
    auto now = Clock::now();
    if (now >= deadline) {
      x.end = End::kTimeout;
      return x;
    }
    int wait_ms = static_cast<int>(
        std::chrono::duration_cast<std::chrono::milliseconds>(deadline - now).count()) + 1;
    struct pollfd fds[3];
    nfds_t nfds = 0;
    int out_index = -1, err_index = -1, in_index = -1;
    if (child.out() >= 0) {
      out_index = static_cast<int>(nfds);
      fds[nfds++] = {child.out(), POLLIN, 0};
    }
    if (child.err() >= 0) {
      err_index = static_cast<int>(nfds);
      fds[nfds++] = {child.err(), POLLIN, 0};
    }
    if (!stdin_done && child.in() >= 0) {
      in_index = static_cast<int>(nfds);
      fds[nfds++] = {child.in(), POLLOUT, 0};
    }
    // Stdout closed and nothing else to watch: wait for the exit in steps.
    if (child.out() < 0) wait_ms = std::min(wait_ms, 5);
    int ready = ::poll(fds, nfds, wait_ms);
    if (ready < 0 && errno != EINTR) {
      x.end = End::kEof;
      return x;
    }
    if (ready <= 0) continue;
    if (in_index >= 0 && (fds[in_index].revents & (POLLOUT | POLLERR | POLLHUP)) != 0) {
      ssize_t n = WriteNoSigpipe(child.in(), request.data() + x.written,
                                 std::min<size_t>(request.size() - x.written, 1 << 16));
      if (n > 0) {
        x.written += static_cast<size_t>(n);
      } else if (n < 0 && errno != EAGAIN && errno != EINTR) {
        // EPIPE: the adapter stopped reading; what it says (or its death)
        // decides the outcome.
        stdin_done = true;
        child.CloseIn();
      }
      if (x.written == request.size()) {
        stdin_done = true;
        if (close_in) child.CloseIn();
      }
    }
    if (err_index >= 0 && fds[err_index].revents != 0) child.ReadStderr();
    if (out_index >= 0 && fds[out_index].revents != 0) {
      char buf[65536];
      ssize_t n = ::read(child.out(), buf, sizeof buf);
      if (n > 0) {
        x.out.append(buf, static_cast<size_t>(n));
      } else if (n == 0 || (errno != EAGAIN && errno != EINTR)) {
        child.CloseOut();
      }
    }
  }
}

std::string SideWord(Side s) { return s == Side::kClientToServer ? "server" : "client"; }

// Worker is one adapter process of a persistent parser, or the slot of a
// one-shot one.
struct Worker {
  Child child;
  bool up = false;
  int starts = 0;
  int failed_starts = 0;
  std::string down_reason;  // the last start's failure
  std::string name;         // the implementation the handshake named
};

// Failed fills a reply for an adapter that did not answer properly.
ExecReply Failed(ExecReply::Status status, std::string detail) {
  ExecReply r;
  r.status = status;
  r.detail = std::move(detail);
  return r;
}

class ExecParserImpl final : public ExecParser {
 public:
  explicit ExecParserImpl(ExecConfig config) : config_(std::move(config)) {
    for (int i = 0; i < std::max(1, config_.jobs); ++i) {
      workers_.push_back(std::make_unique<Worker>());
      free_.push_back(workers_.back().get());
    }
  }

  ~ExecParserImpl() override {
    for (auto& w : workers_) {
      if (w->up) w->child.Shutdown(1000);
    }
  }

  std::string Spelling() const override {
    return (config_.persistent ? "exec-persistent:" : "exec:") + config_.command;
  }
  const ExecConfig& config() const override { return config_; }

  std::string Implementation() const override {
    std::lock_guard<std::mutex> lock(mutex_);
    return implementation_;
  }

  int Restarts() const override {
    std::lock_guard<std::mutex> lock(mutex_);
    int n = 0;
    for (const auto& w : workers_) n += std::max(0, w->starts - 1);
    return n;
  }

  // Start starts |w|'s process and reads the handshake. Returns "" or why
  // it failed.
  std::string Start(Worker& w) {
    w.up = false;
    ++w.starts;
    std::string error = w.child.Spawn(config_.command, {"XMPPFUZZ_EXEC_PROTOCOL=1"});
    if (error.empty()) {
      ExecConfig handshake = config_;
      handshake.max_line = kMaxHandshake;
      handshake.max_answer = kMaxHandshake;
      Exchange x = Talk(w.child, {}, false, Until::kFirstLine,
                        Clock::now() + std::chrono::milliseconds(config_.start_timeout_ms), handshake);
      switch (x.end) {
        case End::kLine: {
          if (!x.extra.empty()) {
            error = "output after the handshake before any request: " + Excerpt(x.extra);
            break;
          }
          error = ParseExecHandshake(x.out, &w.name);
          break;
        }
        case End::kTimeout:
          error = "no handshake line ('xmppfuzz-exec 1 NAME') within " + std::to_string(config_.start_timeout_ms) +
                  " ms" + (x.out.empty() ? "" : ", only " + Excerpt(x.out));
          break;
        case End::kFlood: error = "the handshake line is longer than " + std::to_string(kMaxHandshake) + " bytes"; break;
        default: {
          w.child.Reap();
          for (int i = 0; i < 100 && !w.child.Reap(); ++i) ::usleep(2000);
          error = "the adapter closed its stdout before the handshake" +
                  (w.child.exited() ? " and " + DescribeStatus(w.child.status()) : std::string()) +
                  (x.out.empty() ? "" : " after " + Excerpt(x.out));
          break;
        }
      }
      if (!error.empty()) {
        w.child.ReadStderr();
        error += w.child.StderrTail();
        w.child.Kill();
      }
    }
    if (error.empty()) {
      w.up = true;
      w.failed_starts = 0;
      std::lock_guard<std::mutex> lock(mutex_);
      implementation_ = w.name;
    } else {
      ++w.failed_starts;
      w.down_reason = error;
    }
    return error;
  }

  ExecReply Parse(Side side, Profile profile, std::string_view bytes) override {
    Worker* w = Acquire();
    ExecReply reply = config_.persistent ? ParsePersistent(*w, side, profile, bytes) : ParseOnce(*w, side, profile, bytes);
    Release(w);
    return reply;
  }

  Worker& first() { return *workers_.front(); }

 private:
  Worker* Acquire() {
    std::unique_lock<std::mutex> lock(mutex_);
    cv_.wait(lock, [this] { return !free_.empty(); });
    Worker* w = free_.back();
    free_.pop_back();
    return w;
  }

  void Release(Worker* w) {
    {
      std::lock_guard<std::mutex> lock(mutex_);
      free_.push_back(w);
    }
    cv_.notify_one();
  }

  // Answered parses a complete answer to |total| bytes: the reply, or a
  // protocol error (kBroken).
  static ExecReply Answered(const std::string& text, size_t total, const std::string& note) {
    ExecReply r;
    std::string error = ParseExecAnswer(text, &r.answer);
    if (error.empty() && r.answer.offset && *r.answer.offset > total) {
      error = "error offset=" + std::to_string(*r.answer.offset) + " is past the " + std::to_string(total) +
              " bytes it was given";
    }
    if (!error.empty()) {
      r.answer = ExecAnswer{};
      r.status = ExecReply::Status::kBroken;
      r.detail = note + "adapter protocol error: " + error;
      return r;
    }
    r.status = ExecReply::Status::kAnswered;
    r.detail = note;
    return r;
  }

  ExecReply ParsePersistent(Worker& w, Side side, Profile profile, std::string_view bytes) {
    std::string note;
    if (w.up && w.child.running() && w.child.Reap()) {
      note = "the adapter had " + DescribeStatus(w.child.status()) + " while idle" + w.child.StderrTail() + "; ";
      w.up = false;
    }
    if (w.up) {
      // Output nobody asked for means the adapter is out of step.
      char probe;
      ssize_t n = ::read(w.child.out(), &probe, 1);
      if (n != -1 || errno != EAGAIN) {
        note = "the adapter wrote between requests (or closed its stdout); ";
        w.child.Kill();
        w.up = false;
      }
    }
    if (!w.up) {
      if (w.failed_starts >= kMaxFailedStarts) {
        return Failed(ExecReply::Status::kBroken, "the adapter is down after " + std::to_string(w.failed_starts) +
                                                      " failed starts: " + w.down_reason);
      }
      bool restart = w.starts > 0;
      std::string error = Start(w);
      if (!error.empty()) {
        return Failed(ExecReply::Status::kBroken,
                      note + "the adapter did not " + (restart ? "restart" : "start") + ": " + error);
      }
      if (restart) note += "adapter restarted before this input (start " + std::to_string(w.starts) + "); ";
    }
    std::string request = "input " + SideWord(side) + " " + std::to_string(bytes.size()) +
                          " profile=" + std::string(ProfileName(profile)) + "\n";
    request.append(bytes);
    Exchange x = Talk(w.child, request, false, Until::kDoneLine,
                      Clock::now() + std::chrono::milliseconds(config_.timeout_ms), config_);
    ExecReply reply;
    switch (x.end) {
      case End::kDone:
        if (!x.extra.empty()) {
          w.child.Kill();
          w.up = false;
          return Failed(ExecReply::Status::kBroken, note + "adapter protocol error: output after 'done': " +
                                                        Excerpt(x.extra) + " (adapter restarted for the next input)");
        }
        reply = Answered(x.out, bytes.size(), note);
        if (reply.status == ExecReply::Status::kBroken) {
          // In step again, but a fresh process is what "restarted after
          // any failure" promises.
          w.child.Kill();
          w.up = false;
          reply.detail += " (adapter restarted for the next input)";
        }
        return reply;
      case End::kTimeout:
        reply = Failed(ExecReply::Status::kHung, note + "no 'done' within " + std::to_string(config_.timeout_ms) +
                                                     " ms; process group killed, restarted for the next input" +
                                                     Partial(x.out));
        break;
      case End::kFlood:
        reply = Failed(ExecReply::Status::kFlooded,
                       note + "answer over the cap (" + std::to_string(config_.max_answer) + " bytes, " +
                           std::to_string(config_.max_line) + " per line); process group killed, restarted for the next input");
        break;
      default: {
        for (int i = 0; i < 100 && !w.child.Reap(); ++i) ::usleep(2000);
        std::string how = w.child.exited() ? DescribeStatus(w.child.status()) : "closed its stdout";
        reply = Failed(ExecReply::Status::kCrashed,
                       note + "the adapter " + how + " before 'done'; restarted for the next input" + Partial(x.out));
        break;
      }
    }
    w.child.ReadStderr();
    reply.detail += w.child.StderrTail();
    w.child.Kill();
    w.up = false;
    return reply;
  }

  ExecReply ParseOnce(Worker& w, Side side, Profile profile, std::string_view bytes) {
    std::string error = w.child.Spawn(config_.command, {"XMPPFUZZ_SIDE=" + SideWord(side),
                                                         "XMPPFUZZ_PROFILE=" + std::string(ProfileName(profile))});
    if (!error.empty()) return Failed(ExecReply::Status::kBroken, "the adapter did not start: " + error);
    Exchange x = Talk(w.child, bytes, true, Until::kEof, Clock::now() + std::chrono::milliseconds(config_.timeout_ms),
                      config_);
    w.child.ReadStderr();
    ExecReply reply;
    switch (x.end) {
      case End::kEof: {
        int status = w.child.status();
        if (WIFEXITED(status) && (WEXITSTATUS(status) == 0 || WEXITSTATUS(status) == 1)) {
          reply = Answered(x.out, bytes.size(), {});
          w.child.Kill();
          return reply;
        }
        reply = Failed(ExecReply::Status::kCrashed, "the adapter " + DescribeStatus(status) + Partial(x.out));
        break;
      }
      case End::kTimeout:
        reply = Failed(ExecReply::Status::kHung, "no EOF and exit within " + std::to_string(config_.timeout_ms) +
                                                     " ms; process group killed" + Partial(x.out));
        break;
      default:
        reply = Failed(ExecReply::Status::kFlooded, "answer over the cap (" + std::to_string(config_.max_answer) +
                                                        " bytes, " + std::to_string(config_.max_line) +
                                                        " per line); process group killed");
        break;
    }
    reply.detail += w.child.StderrTail();
    w.child.Kill();
    return reply;
  }

  static std::string Partial(const std::string& out) {
    if (out.empty()) return "; nothing written";
    return "; it wrote " + Excerpt(out);
  }

  ExecConfig config_;
  std::vector<std::unique_ptr<Worker>> workers_;
  std::vector<Worker*> free_;
  mutable std::mutex mutex_;
  std::condition_variable cv_;
  std::string implementation_;
};

// ExecTarget plays vectors through an ExecParser: the prelude and the
// vector's input as one stream, judged as the in-process target is.
class ExecTarget final : public Target {
 public:
  explicit ExecTarget(std::unique_ptr<ExecParser> parser) : parser_(std::move(parser)) {}

  std::string Name() const override { return parser_->Spelling(); }
  std::string Implementation() const override { return parser_->Implementation(); }
  bool Live() const override { return false; }
  int Jobs() const override { return std::max(1, parser_->config().jobs); }

  std::string NotApplicable(const Vector& v) const override {
    if (v.kind == VectorKind::kXml) return {};
    return "exec targets play the XML vectors only (this is a kind: " + std::string(VectorKindName(v.kind)) +
           " vector)";
  }

  Observation Run(const Vector& v) override {
    std::string prelude = Prelude(v.profile, v.side);
    std::string bytes = prelude + v.input;
    ExecReply reply = parser_->Parse(v.side, v.profile, bytes);
    Observation obs;
    switch (reply.status) {
      case ExecReply::Status::kAnswered: return Judged(v, prelude.size(), reply);
      case ExecReply::Status::kBroken: obs.broken = reply.detail; return obs;
      case ExecReply::Status::kHung: obs.outcome.kind = Outcome::Kind::kHung; break;
      case ExecReply::Status::kFlooded: obs.outcome.kind = Outcome::Kind::kFlooded; break;
      case ExecReply::Status::kCrashed: obs.outcome.kind = Outcome::Kind::kCrashed; break;
    }
    obs.detail = reply.detail;
    return obs;
  }

 private:
  // Judged turns a complete answer into an observation, as the in-process
  // target does: the events after the prelude's stream-open, the error's
  // offset relative to the vector's input.
  static Observation Judged(const Vector& v, size_t prelude_size, const ExecReply& reply) {
    Observation obs;
    const ExecAnswer& answer = reply.answer;
    size_t first = 0;
    if (v.profile != Profile::kRaw) {
      if (answer.events.empty() || answer.events[0].rfind("stream-open ", 0) != 0) {
        std::string got = answer.events.empty()
                              ? (answer.refused ? "error " + std::string(xml::ConditionName(answer.condition)) : "(none)")
                              : Excerpt(answer.events[0]);
        obs.broken = reply.detail + "the standard stream header was not accepted: first event " + got;
        return obs;
      }
      first = 1;
    }
    obs.events.assign(answer.events.begin() + static_cast<std::ptrdiff_t>(first), answer.events.end());
    for (const auto& [index, bytes] : answer.routed) obs.routed.emplace_back(index - first, bytes);
    obs.offset_optional = true;
    obs.outcome.kind = answer.refused ? Outcome::Kind::kRefused : Outcome::Kind::kAccepted;
    if (answer.refused) {
      obs.outcome.condition = answer.condition;
      if (answer.offset) obs.outcome.offset = static_cast<int64_t>(*answer.offset) - static_cast<int64_t>(prelude_size);
    }
    obs.detail = reply.detail;
    for (const std::string& l : answer.logs) obs.detail += "log: " + base::EscapeBytes(l, 4096) + "; ";
    for (const auto& [index, bytes] : answer.routed) {
      obs.detail += "routed after event " + std::to_string(index + 1) + ": " + base::EscapeBytes(bytes, 4096) + "; ";
    }
    while (!obs.detail.empty() && (obs.detail.back() == ' ' || obs.detail.back() == ';')) obs.detail.pop_back();
    return obs;
  }

  std::unique_ptr<ExecParser> parser_;
};

}  // namespace

bool ParseExecTargetName(std::string_view spec, ExecConfig* config, std::string* error) {
  std::string_view rest;
  if (spec.rfind("exec-persistent:", 0) == 0) {
    config->persistent = true;
    rest = spec.substr(16);
  } else if (spec.rfind("exec:", 0) == 0) {
    config->persistent = false;
    rest = spec.substr(5);
  } else {
    return false;
  }
  config->command = std::string(rest);
  if (rest.find_first_not_of(" \t\n") == std::string_view::npos) {
    *error = "target '" + base::EscapeBytes(spec, kExcerpt) + "' names no command (exec:COMMAND, exec-persistent:COMMAND)";
  }
  return true;
}

bool DecodeRouted(std::string_view text, std::string* out, std::string* error) {
  out->clear();
  auto hex = [](char c) -> int {
    if (c >= '0' && c <= '9') return c - '0';
    if (c >= 'a' && c <= 'f') return c - 'a' + 10;
    return -1;
  };
  for (size_t i = 0; i < text.size(); ++i) {
    unsigned char c = static_cast<unsigned char>(text[i]);
    if (c < 0x20 || c == 0x7f) {
      *error = "raw control byte " + base::EscapeBytes(text.substr(i, 1)) + " at byte " + std::to_string(i) +
               " (write it as \\xHH)";
      return false;
    }
    if (c != '\\') {
      out->push_back(static_cast<char>(c));
      continue;
    }
    if (i + 1 < text.size() && text[i + 1] == '\\') {
      out->push_back('\\');
      ++i;
      continue;
    }
    if (i + 3 < text.size() && text[i + 1] == 'x' && hex(text[i + 2]) >= 0 && hex(text[i + 3]) >= 0) {
      out->push_back(static_cast<char>(hex(text[i + 2]) * 16 + hex(text[i + 3])));
      i += 3;
      continue;
    }
    *error = "bad escape at byte " + std::to_string(i) + " (\\\\ or \\xHH with lower-case hex digits)";
    return false;
  }
  return true;
}

std::string ParseExecAnswer(std::string_view text, ExecAnswer* out) {
  *out = ExecAnswer{};
  size_t pos = 0;
  int line_no = 0;
  bool after_stanza = false;  // the last event line was a stanza without its routed line yet
  while (pos < text.size()) {
    ++line_no;
    size_t nl = text.find('\n', pos);
    std::string where = "line " + std::to_string(line_no) + ": ";
    if (nl == std::string_view::npos) {
      return where + "the last line has no newline: " + Excerpt(text.substr(pos));
    }
    std::string_view line = text.substr(pos, nl - pos);
    pos = nl + 1;
    if (line.empty()) return where + "blank line (not allowed)";
    if (line.back() == '\r') return where + "the line ends with CR (lines end with LF alone): " + Excerpt(line);
    size_t sp = line.find(' ');
    std::string_view word = line.substr(0, sp);
    std::string_view rest = sp == std::string_view::npos ? std::string_view() : line.substr(sp + 1);
    if (word == "log") {
      out->logs.emplace_back(rest);
      continue;
    }
    if (word == "routed") {
      if (!after_stanza) return where + "a routed line must follow a stanza line: " + Excerpt(line);
      if (sp == std::string_view::npos || rest.empty()) return where + "routed without bytes: " + Excerpt(line);
      std::string bytes, error;
      if (!DecodeRouted(rest, &bytes, &error)) return where + "routed: " + error + ": " + Excerpt(line);
      out->routed.emplace_back(out->events.size() - 1, std::move(bytes));
      after_stanza = false;
      continue;
    }
    after_stanza = false;
    if (out->refused) return where + "an event after the error line: " + Excerpt(line);
    if (word == "stream-open" || word == "stanza") {
      if (rest.size() < 2 || rest.front() != '<' || rest.back() != '>') {
        return where + std::string(word) + " needs canonical XML ('<...>') after one space: " + Excerpt(line);
      }
      out->events.emplace_back(line);
      after_stanza = word == "stanza";
      continue;
    }
    if (line == "stream-close") {
      out->events.emplace_back(line);
      continue;
    }
    if (word == "error") {
      size_t sp2 = rest.find(' ');
      std::string_view name = rest.substr(0, sp2);
      auto condition = xml::ConditionFromName(name);
      if (!condition || *condition == xml::Condition::kNone) {
        return where + "error needs an RFC 6120 stream error condition: " + Excerpt(line);
      }
      if (sp2 != std::string_view::npos) {
        std::string_view field = rest.substr(sp2 + 1);
        uint64_t offset = 0;
        if (field.rfind("offset=", 0) != 0 || !ParseDecimal(field.substr(7), &offset)) {
          return where + "error takes 'error CONDITION [offset=N]': " + Excerpt(line);
        }
        out->offset = offset;
      }
      out->refused = true;
      out->condition = *condition;
      continue;
    }
    if (line == "done") return where + "'done' is not the last line: " + Excerpt(line);
    return where + "not an answer line (stream-open, stanza, stream-close, error, routed, log): " + Excerpt(line);
  }
  return {};
}

std::string ParseExecHandshake(std::string_view line, std::string* name) {
  std::string expected = "expected the handshake 'xmppfuzz-exec " + std::to_string(kExecProtocolVersion) + " NAME'";
  if (line.rfind("xmppfuzz-exec ", 0) != 0) return expected + ", got " + Excerpt(line);
  std::string_view rest = line.substr(14);
  size_t sp = rest.find(' ');
  if (sp == std::string_view::npos) return expected + ", got " + Excerpt(line);
  std::string_view version = rest.substr(0, sp);
  std::string_view n = rest.substr(sp + 1);
  uint64_t number = 0;
  if (!ParseDecimal(version, &number)) return expected + ", got " + Excerpt(line);
  if (number != static_cast<uint64_t>(kExecProtocolVersion)) {
    return "the adapter speaks protocol version " + base::EscapeBytes(version) + "; xmppfuzz speaks " +
           std::to_string(kExecProtocolVersion);
  }
  if (n.empty() || n.size() > 128) return expected + " (NAME 1 to 128 bytes), got " + Excerpt(line);
  for (char c : n) {
    if (static_cast<unsigned char>(c) <= 0x20 || static_cast<unsigned char>(c) >= 0x7f) {
      return expected + " (NAME printable ASCII without spaces), got " + Excerpt(line);
    }
  }
  *name = std::string(n);
  return {};
}

std::unique_ptr<ExecParser> ExecParser::Make(const ExecConfig& config, std::string* error) {
  if (config.command.find_first_not_of(" \t\n") == std::string::npos) {
    *error = "an exec target needs a command (exec:COMMAND, exec-persistent:COMMAND)";
    return nullptr;
  }
  auto parser = std::make_unique<ExecParserImpl>(config);
  if (config.persistent) {
    std::string why = parser->Start(parser->first());
    if (!why.empty()) {
      *error = parser->Spelling() + ": the adapter did not start: " + why;
      // The message is one line: the command is the user's own text.
      for (char& c : *error) {
        if (c == '\n' || c == '\r') c = ' ';
      }
      return nullptr;
    }
  }
  return parser;
}

std::string_view ExecStatusName(ExecReply::Status status) {
  switch (status) {
    case ExecReply::Status::kAnswered: return "answered";
    case ExecReply::Status::kHung: return "hung";
    case ExecReply::Status::kFlooded: return "flooded";
    case ExecReply::Status::kCrashed: return "crashed";
    case ExecReply::Status::kBroken: return "broken";
  }
  return "?";
}

std::unique_ptr<Target> MakeExecTarget(const ExecConfig& config, std::string* error) {
  std::unique_ptr<ExecParser> parser = ExecParser::Make(config, error);
  if (!parser) return nullptr;
  return std::make_unique<ExecTarget>(std::move(parser));
}

}  // namespace xmppfuzz::conform
