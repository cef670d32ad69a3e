#include "conformance/protocol/transport.h"

#include <arpa/inet.h>
#include <fcntl.h>
#include <netinet/in.h>
#include <netinet/tcp.h>
#include <poll.h>
#include <sys/socket.h>
#include <unistd.h>

#include <algorithm>
#include <cerrno>
#include <cstring>

namespace xmppfuzz::protocol {
namespace {

int RemainingMs(Clock::time_point deadline) {
  auto left = std::chrono::duration_cast<std::chrono::milliseconds>(deadline - Clock::now()).count();
  return left <= 0 ? 0 : static_cast<int>(std::min<int64_t>(left, 60000));
}

// TcpTransport is a non-blocking socket; every wait is a poll() bounded by
// the caller's deadline.
class TcpTransport final : public Transport {
 public:
  explicit TcpTransport(int fd) : fd_(fd) {}
  ~TcpTransport() override { ::close(fd_); }

  bool Write(std::string_view bytes, Clock::time_point deadline) override {
    while (!bytes.empty()) {
      ssize_t n = ::send(fd_, bytes.data(), bytes.size(), MSG_NOSIGNAL);
      if (n > 0) {
        bytes.remove_prefix(static_cast<size_t>(n));
        continue;
      }
      if (n < 0 && errno == EINTR) continue;
      if (n < 0 && (errno == EAGAIN || errno == EWOULDBLOCK)) {
        if (Clock::now() >= deadline) return false;
        pollfd p{fd_, POLLOUT, 0};
        if (::poll(&p, 1, RemainingMs(deadline)) < 0 && errno != EINTR) return false;
        continue;
      }
      return false;
    }
    return true;
  }

  ReadStatus Read(std::string* out, size_t max, Clock::time_point deadline) override {
    if (eof_) return ReadStatus::kClosed;
    while (true) {
      char buf[16384];
      ssize_t n = ::recv(fd_, buf, std::min(sizeof buf, std::max<size_t>(max, 1)), 0);
      if (n > 0) {
        out->append(buf, static_cast<size_t>(n));
        return ReadStatus::kData;
      }
      if (n == 0) {
        eof_ = true;
        return ReadStatus::kClosed;
      }
      if (errno == EINTR) continue;
      if (errno != EAGAIN && errno != EWOULDBLOCK) {
        eof_ = true;
        return ReadStatus::kClosed;
      }
      if (Clock::now() >= deadline) return ReadStatus::kTimeout;
      pollfd p{fd_, POLLIN, 0};
      int r = ::poll(&p, 1, RemainingMs(deadline));
      if (r == 0) return ReadStatus::kTimeout;
      if (r < 0 && errno != EINTR) return ReadStatus::kClosed;
    }
  }

  void Shutdown() override { ::shutdown(fd_, SHUT_WR); }

 private:
  int fd_;
  bool eof_ = false;
};

std::unique_ptr<Transport> ConnectTcp(const std::string& host, uint16_t port, Clock::time_point deadline,
                                      std::string* error) {
  sockaddr_storage addr{};
  socklen_t len = 0;
  int family = AF_INET;
  auto* v4 = reinterpret_cast<sockaddr_in*>(&addr);
  auto* v6 = reinterpret_cast<sockaddr_in6*>(&addr);
  if (inet_pton(AF_INET, host.c_str(), &v4->sin_addr) == 1) {
    v4->sin_family = AF_INET;
    v4->sin_port = htons(port);
    len = sizeof *v4;
  } else if (inet_pton(AF_INET6, host.c_str(), &v6->sin6_addr) == 1) {
    family = AF_INET6;
    v6->sin6_family = AF_INET6;
    v6->sin6_port = htons(port);
    len = sizeof *v6;
  } else {
    *error = "not a numeric address";
    return nullptr;
  }
  int fd = ::socket(family, SOCK_STREAM | SOCK_NONBLOCK | SOCK_CLOEXEC, 0);
  if (fd < 0) {
    *error = std::string("socket: ") + std::strerror(errno);
    return nullptr;
  }
  int one = 1;
  ::setsockopt(fd, IPPROTO_TCP, TCP_NODELAY, &one, sizeof one);
  if (::connect(fd, reinterpret_cast<sockaddr*>(&addr), len) != 0 && errno != EINPROGRESS) {
    *error = std::string("connect: ") + std::strerror(errno);
    ::close(fd);
    return nullptr;
  }
  pollfd p{fd, POLLOUT, 0};
  int r;
  do r = ::poll(&p, 1, RemainingMs(deadline));
  while (r < 0 && errno == EINTR);
  int so_error = 0;
  socklen_t so_len = sizeof so_error;
  if (r <= 0 || ::getsockopt(fd, SOL_SOCKET, SO_ERROR, &so_error, &so_len) != 0 || so_error != 0) {
    *error = r == 0 ? "connect: timed out" : std::string("connect: ") + std::strerror(so_error ? so_error : errno);
    ::close(fd);
    return nullptr;
  }
  return std::make_unique<TcpTransport>(fd);
}

// InprocTransport feeds a ReferenceServer. The server answers at once, so a
// read finds everything there is to find without waiting.
class InprocTransport final : public Transport {
 public:
  explicit InprocTransport(const ReferenceConfig& config) : server_(config) {}

  bool Write(std::string_view bytes, Clock::time_point) override {
    if (server_.closed() || shut_) return false;
    server_.Feed(bytes);
    return true;
  }

  ReadStatus Read(std::string* out, size_t max, Clock::time_point) override {
    pending_ += server_.TakeOutput();
    if (!pending_.empty()) {
      size_t n = std::min(pending_.size(), std::max<size_t>(max, 1));
      out->append(pending_, 0, n);
      pending_.erase(0, n);
      return ReadStatus::kData;
    }
    return server_.closed() ? ReadStatus::kClosed : ReadStatus::kTimeout;
  }

  void Shutdown() override {
    shut_ = true;
    server_.FeedEof();
  }

 private:
  ReferenceServer server_;
  std::string pending_;
  bool shut_ = false;
};

}  // namespace

Connector TcpConnector(std::string host, uint16_t port) {
  return [host = std::move(host), port](Clock::time_point deadline, std::string* error) {
    return ConnectTcp(host, port, deadline, error);
  };
}

Connector InprocConnector(ReferenceConfig config) {
  return [config = std::move(config)](Clock::time_point, std::string*) -> std::unique_ptr<Transport> {
    return std::make_unique<InprocTransport>(config);
  };
}

}  // namespace xmppfuzz::protocol
