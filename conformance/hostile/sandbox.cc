// The sandbox of hostile-server runs (README "Hostile server: client
// libraries", "Isolation"): one network and mount namespace for the conform
// process and every driver it starts, the test CA as the only trust anchor.
#include <arpa/inet.h>
#include <fcntl.h>
#include <net/if.h>
#include <openssl/pem.h>
#include <openssl/rand.h>
#include <openssl/x509.h>
#include <sched.h>
#include <sys/ioctl.h>
#include <sys/mount.h>
#include <sys/socket.h>
#include <unistd.h>

#include <cerrno>
#include <cstdio>
#include <cstdlib>
#include <cstring>
#include <ctime>
#include <filesystem>
#include <fstream>
#include <mutex>

#include "conformance/hostile/hostile.h"
#include "conformance/hostile/internal.h"
#include "targets/base/base.h"

namespace xmppfuzz::hostile {
namespace {

namespace fs = std::filesystem;
namespace tt = tls::testing;

Sandbox& State() {
  static Sandbox* s = new Sandbox;
  return *s;
}

std::string Pem(X509* cert) {
  BIO* bio = BIO_new(BIO_s_mem());
  PEM_write_bio_X509(bio, cert);
  char* data = nullptr;
  long n = BIO_get_mem_data(bio, &data);
  std::string out(data, static_cast<size_t>(n));
  BIO_free(bio);
  return out;
}

bool WriteText(const std::string& path, const std::string& text) {
  std::ofstream out(path, std::ios::binary | std::ios::trunc);
  out << text;
  out.close();
  return static_cast<bool>(out);
}

std::string Errno(const std::string& what) { return what + ": " + std::strerror(errno); }

// LoopbackUp sets IFF_UP on lo (what `ip link set lo up` does).
bool LoopbackUp(std::string* error) {
  int fd = ::socket(AF_INET, SOCK_DGRAM | SOCK_CLOEXEC, 0);
  if (fd < 0) {
    *error = Errno("socket");
    return false;
  }
  struct ifreq ifr {};
  std::strncpy(ifr.ifr_name, "lo", IFNAMSIZ - 1);
  bool ok = ::ioctl(fd, SIOCGIFFLAGS, &ifr) == 0;
  if (ok) {
    ifr.ifr_flags |= IFF_UP | IFF_RUNNING;
    ok = ::ioctl(fd, SIOCSIFFLAGS, &ifr) == 0;
  }
  if (!ok) *error = Errno("bringing lo up");
  ::close(fd);
  return ok;
}

}  // namespace

std::string Escape(std::string_view bytes, size_t max) { return base::EscapeBytes(bytes, max); }

const HostilePki& Pki() {
  static const HostilePki* pki = [] {
    auto* p = new HostilePki;
    const int64_t now = static_cast<int64_t>(std::time(nullptr));
    auto around_now = [now](tt::CertSpec spec) {
      spec.not_before = now - tt::kDay;
      spec.not_after = now + 30 * tt::kDay;
      return spec;
    };
    p->ca = tt::Issue(around_now(tt::CaSpec("xmppfuzz hostile-server test CA")), nullptr);
    p->other_ca = tt::Issue(around_now(tt::CaSpec("xmppfuzz untrusted CA")), nullptr);
    const std::string domain(kDomain);
    long serial = 10;
    auto leaf = [&](std::vector<tt::San> sans) {
      tt::CertSpec spec = around_now(tt::LeafSpec(std::move(sans)));
      spec.serial = serial++;
      return spec;
    };
    p->leaves["valid"] = tt::Issue(leaf({tt::Dns(domain)}), &p->ca);
    p->leaves["self-signed"] = tt::Issue(leaf({tt::Dns(domain)}), nullptr);
    p->leaves["other-name"] = tt::Issue(leaf({tt::Dns("other.example")}), &p->ca);
    tt::CertSpec expired = leaf({tt::Dns(domain)});
    expired.not_before = now - 60 * tt::kDay;
    expired.not_after = now - tt::kDay;
    p->leaves["expired"] = tt::Issue(expired, &p->ca);
    p->leaves["unknown-ca"] = tt::Issue(leaf({tt::Dns(domain)}), &p->other_ca);
    tt::CertSpec eku = leaf({tt::Dns(domain)});
    eku.ext_key_usage = "clientAuth";
    p->leaves["wrong-eku"] = tt::Issue(eku, &p->ca);
    p->leaves["address-only"] =
        tt::Issue(leaf({tt::Dns("localhost"), tt::Dns("127.0.0.1"), tt::San{tt::San::kIp, std::string("\x7f\0\0\x01", 4)}}),
                  &p->ca);
    p->ca_pem = Pem(p->ca.cert.get());
    return p;
  }();
  return *pki;
}

bool CertNameValid(const std::string& name) { return Pki().leaves.count(name) != 0; }

const Sandbox& CurrentSandbox() { return State(); }

Sandbox& EnterSandbox() {
  Sandbox& s = State();
  if (s.entered || !s.reason.empty()) return s;
  auto fail = [&](std::string why) -> Sandbox& {
    s.reason = "no sandbox: " + why + " (client targets run only inside fresh network and mount namespaces; run as root)";
    return s;
  };
  const HostilePki& pki = Pki();
  char tmpl[] = "/tmp/xmppfuzz-hostile-XXXXXX";
  if (::mkdtemp(tmpl) == nullptr) return fail(Errno("mkdtemp"));
  s.dir = tmpl;
  std::error_code ec;
  fs::create_directory(s.dir + "/certs", ec);
  fs::permissions(s.dir, fs::perms::owner_all | fs::perms::group_read | fs::perms::group_exec |
                             fs::perms::others_read | fs::perms::others_exec, ec);
  s.ca_file = s.dir + "/certs/ca-certificates.crt";
  char hashed[32];
  std::snprintf(hashed, sizeof hashed, "%08lx.0", X509_NAME_hash_ex(X509_get_subject_name(pki.ca.cert.get()), nullptr, nullptr, nullptr));
  unsigned char random[12];
  RAND_bytes(random, sizeof random);
  s.canary_token = "XF-FILE-CANARY-";
  for (unsigned char c : random) {
    static constexpr char kHex[] = "0123456789abcdef";
    s.canary_token += kHex[c >> 4];
    s.canary_token += kHex[c & 15];
  }
  s.canary_file = s.dir + "/canary.txt";
  if (!WriteText(s.ca_file, pki.ca_pem) || !WriteText(s.dir + "/certs/" + hashed, pki.ca_pem) ||
      !WriteText(s.canary_file, s.canary_token + "\n")) {
    return fail("cannot write the CA bundle under " + s.dir);
  }
  if (::unshare(CLONE_NEWNET | CLONE_NEWNS) != 0) return fail(Errno("unshare(CLONE_NEWNET|CLONE_NEWNS)"));
  // From here on the process is in the new namespaces: a failure leaves it
  // in an empty network namespace, which is still isolated.
  if (::mount(nullptr, "/", nullptr, MS_REC | MS_PRIVATE, nullptr) != 0) return fail(Errno("making mounts private"));
  std::string error;
  if (!LoopbackUp(&error)) return fail(error);
  if (::mount((s.dir + "/certs").c_str(), "/etc/ssl/certs", nullptr, MS_BIND, nullptr) != 0) {
    return fail(Errno("bind-mounting the test CA over /etc/ssl/certs"));
  }
  // The JID domain resolves to loopback (for wss:// URLs, which browsers'
  // TLS checks against the URL's host); no other name resolves at all.
  if (!WriteText(s.dir + "/hosts", "127.0.0.1 localhost " + std::string(kDomain) + "\n::1 localhost\n") ||
      ::mount((s.dir + "/hosts").c_str(), "/etc/hosts", nullptr, MS_BIND, nullptr) != 0) {
    return fail(Errno("bind-mounting a hosts file over /etc/hosts"));
  }
  ::setenv("SSL_CERT_FILE", "/etc/ssl/certs/ca-certificates.crt", 1);
  ::setenv("SSL_CERT_DIR", "/etc/ssl/certs", 1);
  ::setenv("NODE_EXTRA_CA_CERTS", "/etc/ssl/certs/ca-certificates.crt", 1);
  ::setenv("PYTHONDONTWRITEBYTECODE", "1", 1);  // drivers leave nothing in the source tree
  // Nothing may leave the machine: no proxy settings reach a driver.
  for (const char* name : {"http_proxy", "https_proxy", "HTTP_PROXY", "HTTPS_PROXY", "ALL_PROXY", "all_proxy"}) {
    ::unsetenv(name);
  }
  s.entered = true;
  return s;
}

void LeaveSandbox() {
  Sandbox& s = State();
  if (s.dir.empty()) return;
  if (s.entered) {
    ::umount2("/etc/ssl/certs", MNT_DETACH);
    ::umount2("/etc/hosts", MNT_DETACH);
  }
  std::error_code ec;
  fs::remove_all(s.dir, ec);
  s.dir.clear();
}

}  // namespace xmppfuzz::hostile
