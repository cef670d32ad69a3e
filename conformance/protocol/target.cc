#include "conformance/protocol/target.h"

#include <algorithm>

#include "conformance/protocol/executor.h"
#include "conformance/protocol/scenario.h"
#include "conformance/protocol/transport.h"

namespace xmppfuzz::protocol {
namespace {

// The reference server's account in process.
constexpr const char* kInprocUser = "xmppfuzz";
constexpr const char* kInprocPassword = "p\xC3\xA9ncil-reference";

class ProtocolTarget final : public conform::Target {
 public:
  ProtocolTarget(std::unique_ptr<conform::Target> inner, ProtocolTargetOptions options)
      : inner_(std::move(inner)), options_(std::move(options)) {}

  std::string Name() const override { return inner_->Name(); }
  bool Live() const override { return inner_->Live(); }
  int Jobs() const override { return inner_->Jobs(); }

  std::string NotApplicable(const conform::Vector& v) const override {
    if (v.kind != conform::VectorKind::kProtocol) return inner_->NotApplicable(v);
    if (!options_.live) return {};
    if (!v.live_skip.empty()) return v.live_skip;
    std::vector<std::string> missing;
    for (const std::string& w : v.scenario->config) {
      if (std::find(options_.server_config.begin(), options_.server_config.end(), w) == options_.server_config.end()) {
        missing.push_back(w);
      }
    }
    if (!missing.empty()) {
      std::string m;
      for (const std::string& w : missing) m += (m.empty() ? "" : ",") + w;
      return "the scenario needs a server configured " + m + "; the target does not state it (--server-config)";
    }
    bool needs_account = std::any_of(v.scenario->steps.begin(), v.scenario->steps.end(), [](const Step& s) {
      return s.verb == Verb::kAuth || s.verb == Verb::kBind || s.verb == Verb::kPing;
    });
    if (needs_account && (options_.user.empty() || options_.password.empty())) {
      return "the scenario logs in; give --user and --password";
    }
    return {};
  }

  conform::Observation Run(const conform::Vector& v) override {
    if (v.kind != conform::VectorKind::kProtocol) return inner_->Run(v);
    const Scenario& s = *v.scenario;
    ExecConfig config;
    Connector connect;
    if (options_.live) {
      config.domain = options_.domain;
      config.user = options_.user;
      config.password = options_.password;
      config.wait_ms = options_.timeout_ms;
      connect = TcpConnector(options_.host, options_.port);
    } else {
      ReferenceConfig rc;
      rc.domain = "localhost";
      rc.user = kInprocUser;
      rc.password = kInprocPassword;
      rc.backend = options_.backend;
      rc.faults = options_.faults;
      rc.direct_tls = std::find(s.config.begin(), s.config.end(), "direct-tls") != s.config.end();
      config.domain = rc.domain;
      config.user = rc.user;
      config.password = rc.password;
      config.wait_ms = 1000;  // a bound only: in process nothing waits
      connect = InprocConnector(rc);
    }
    config.deadline_ms = ScenarioDeadlineMs(s, config.wait_ms);
    return RunScenario(s, connect, config);
  }

 private:
  std::unique_ptr<conform::Target> inner_;
  ProtocolTargetOptions options_;
};

}  // namespace

std::unique_ptr<conform::Target> WithProtocolScenarios(std::unique_ptr<conform::Target> inner,
                                                       ProtocolTargetOptions options) {
  return std::make_unique<ProtocolTarget>(std::move(inner), std::move(options));
}

bool ParseServerConfig(const std::string& text, std::vector<std::string>* out, std::string* error) {
  size_t pos = 0;
  while (pos <= text.size()) {
    size_t comma = text.find(',', pos);
    std::string w = text.substr(pos, comma == std::string::npos ? std::string::npos : comma - pos);
    if (!w.empty()) {
      if (!ValidConfigWord(w)) {
        *error = "unknown --server-config word '" + w +
                 "' (starttls-required, starttls-optional, direct-tls, alpn, plus, xep-0474)";
        return false;
      }
      out->push_back(w);
    }
    if (comma == std::string::npos) break;
    pos = comma + 1;
  }
  return true;
}

}  // namespace xmppfuzz::protocol
