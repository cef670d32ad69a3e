// The SCRAM client (RFC 5802 section 5, RFC 7677) as an explicit state
// machine: one function per state, a driver loop in Run().
#include <string>

#include "targets/sasl/internal.h"
#include "targets/sasl/sasl.h"

namespace xmppfuzz::sasl {

using internal::SecretString;

namespace {
constexpr size_t kNonceChars = 24;
}  // namespace

struct ScramClient::Impl {
  using State = ScramClient::State;

  explicit Impl(ScramClientConfig c) : config(std::move(c)) {
    random = config.random;
#ifdef FUZZING_BUILD_MODE_UNSAFE_FOR_PRODUCTION
    if (random == nullptr) random = &own_random;  // per exchange: replays identically
#endif
    if (random == nullptr) random = &DefaultRandom();
  }
  ~Impl() { internal::Cleanse(config.password); }

  // Each Do* function handles one state. A read state returns kNeedMessage
  // while no message is there; a send state fills |output| and returns kSend;
  // otherwise it sets the next state and returns nullopt (continue).
  std::optional<Wait> DoSendClientFirst();
  std::optional<Wait> DoReadServerFirst(std::string_view msg);
  std::optional<Wait> DoSendClientFinal();
  std::optional<Wait> DoReadServerFinal(std::string_view msg);
  Wait Run(std::optional<std::string_view> message);
  Wait Fail(Error code, size_t offset, ServerError server_error = ServerError::kNone) {
    failure = Failure{code, server_error, offset};
    state = State::kFailed;
    output.clear();
    internal::Cleanse(password.value);
    internal::Cleanse(server_signature.value);
    return Wait::kFailure;
  }

  ScramClientConfig config;
  SeededRandom own_random{1};
  Random* random = nullptr;
  State state = State::kSendClientFirst;
  std::string output;
  Failure failure;
  DowngradeStatus downgrade = DowngradeStatus::kNotOffered;
  std::string nonce;
  std::string gs2_header;
  std::string client_first_bare;
  std::string server_first;
  ServerFirst parsed_server_first;
  SecretString password;          // SASLprep'ed, until the proof is made
  SecretString server_signature;  // what v= must be
};

std::optional<Wait> ScramClient::Impl::DoSendClientFirst() {
  if (!IsScram(config.mechanism)) return Fail(Error::kUnknownMechanism, 0);
  const bool plus = IsPlus(config.mechanism);
  std::string flag;
  if (plus) {
    if (!config.channel_binding) return Fail(Error::kChannelBindingDataMissing, 0);
    flag = "p=" + std::string(CbTypeName(config.channel_binding->type));
  } else if (config.channel_binding && config.server_offered_plus && !config.no_mutual_cb_fallback) {
    // RFC 5802 6: a client that can bind and saw -PLUS must use it; sending
    // n or y here would let a mechanism-stripping attacker win.
    return Fail(Error::kPlusOfferedNotUsed, 0);
  } else if (config.channel_binding && !config.server_offered_plus && !config.no_mutual_cb_fallback) {
    flag = "y";
  } else {
    flag = "n";
  }
  Failure f;
  std::string authz;
  if (!config.authzid.empty()) {
    size_t bad = 0;
    if (!internal::ValidUtf8(config.authzid, &bad)) return Fail(Error::kBadUtf8, bad);
    authz = "a=" + SaslnameEncode(config.authzid);
  }
  std::optional<std::string> user = Saslprep(config.username, SaslprepMode::kQuery, &f);
  if (!user) return Fail(f.code, f.offset);
  if (user->empty()) return Fail(Error::kSaslnameEmpty, 0);
  std::optional<std::string> prepared = Saslprep(config.password, SaslprepMode::kQuery, &f);
  if (!prepared) return Fail(f.code, f.offset);
  password.value = std::move(*prepared);
  internal::Cleanse(config.password);
  if (!config.client_final_extensions.empty()) {
    if (config.client_final_extensions[0] != ',') return Fail(Error::kBadExtension, 0);
    // Checked with the same grammar the server will use.
    ClientFinal probe;
    const std::string sample = "c=biws,r=x" + config.client_final_extensions + ",p=" +
                               Base64Encode(std::string(HashSize(HashOf(config.mechanism)), '\0'));
    if (!ParseClientFinal(sample, HashOf(config.mechanism), &probe, &f)) {
      return Fail(Error::kBadExtension, 0);
    }
  }
  if (!config.fixed_nonce.empty()) {
    size_t bad = 0;
    if (!internal::IsPrintableNonce(config.fixed_nonce, &bad)) return Fail(Error::kBadNonce, bad);
    nonce = config.fixed_nonce;
  } else if (!internal::RandomPrintable(*random, kNonceChars, &nonce)) {
    return Fail(Error::kNoResources, 0);
  }
  gs2_header = flag + "," + authz + ",";
  client_first_bare = "n=" + SaslnameEncode(*user) + ",r=" + nonce;
  output = gs2_header + client_first_bare;
  state = State::kReadServerFirst;
  return Wait::kSend;
}

std::optional<Wait> ScramClient::Impl::DoReadServerFirst(std::string_view msg) {
  if (msg.size() > config.max_message_bytes) return Fail(Error::kMessageTooLong, config.max_message_bytes);
  Failure f;
  ServerFirst sf;
  if (!ParseServerFirst(msg, &sf, &f)) return Fail(f.code, f.offset);
  // r= comes first, so the server nonce starts at offset 2.
  if (!sf.nonce.starts_with(nonce)) return Fail(Error::kNonceNotPrefixed, 2);
  if (sf.nonce.size() == nonce.size()) return Fail(Error::kNonceNotExtended, 2 + nonce.size());
  const size_t i_offset = msg.find(",i=") + 3;  // r= and s= values hold no ','
  if (sf.iterations < kMinIterations) return Fail(Error::kIterationsTooLow, i_offset);
  if (sf.iterations > config.max_iterations) return Fail(Error::kIterationsTooHigh, i_offset);
  if (sf.downgrade_hash) {
    const size_t h_offset = msg.find(",h=") + 3;
    if (!config.offer) {
      downgrade = DowngradeStatus::kNotChecked;
    } else {
      std::optional<std::string> got = Base64Decode(*sf.downgrade_hash);
      const std::string want =
          internal::Digest(HashOf(config.mechanism), DowngradeHashInput(*config.offer));
      if (!got || !internal::Equal(*got, want)) return Fail(Error::kDowngradeHashMismatch, h_offset);
      downgrade = DowngradeStatus::kVerified;
    }
  } else if (sf.old_downgrade) {
    downgrade = DowngradeStatus::kOldForm;  // recognised, never verified
  }
  if ((config.require_downgrade_hash || config.no_mutual_cb_fallback) &&
      downgrade != DowngradeStatus::kVerified) {
    return Fail(Error::kDowngradeHashMissing, msg.size());
  }
  server_first = std::string(msg);
  parsed_server_first = std::move(sf);
  state = State::kSendClientFinal;
  return std::nullopt;
}

std::optional<Wait> ScramClient::Impl::DoSendClientFinal() {
  const Hash hash = HashOf(config.mechanism);
  std::string cbind_input = gs2_header;
  if (IsPlus(config.mechanism)) cbind_input += config.channel_binding->data;
  const std::string without_proof = "c=" + Base64Encode(cbind_input) + ",r=" +
                                    parsed_server_first.nonce + config.client_final_extensions;
  const std::string auth_message = client_first_bare + "," + server_first + "," + without_proof;
  SecretString salted(internal::Hi(hash, password.value, parsed_server_first.salt,
                                   parsed_server_first.iterations));
  internal::Cleanse(password.value);
  if (salted.value.empty()) return Fail(Error::kNoResources, 0);
  SecretString client_key(internal::Hmac(hash, salted.value, "Client Key"));
  SecretString stored_key(internal::Digest(hash, client_key.value));
  SecretString client_signature(internal::Hmac(hash, stored_key.value, auth_message));
  SecretString server_key(internal::Hmac(hash, salted.value, "Server Key"));
  server_signature.value = internal::Hmac(hash, server_key.value, auth_message);
  SecretString proof(client_key.value);
  internal::XorInto(proof.value, client_signature.value);
  output = without_proof + ",p=" + Base64Encode(proof.value);
  state = State::kReadServerFinal;
  return Wait::kSend;
}

std::optional<Wait> ScramClient::Impl::DoReadServerFinal(std::string_view msg) {
  if (msg.size() > config.max_message_bytes) return Fail(Error::kMessageTooLong, config.max_message_bytes);
  // RFC 6120 6.3.10: <success/> must carry the server-final; without a
  // valid v= the server was never authenticated.
  if (msg.empty()) return Fail(Error::kMissingServerSignature, 0);
  Failure f;
  ServerFinal sf;
  if (!ParseServerFinal(msg, HashOf(config.mechanism), &sf, &f)) return Fail(f.code, f.offset);
  if (sf.error != ServerError::kNone) return Fail(Error::kServerErrorReceived, 2, sf.error);
  if (!sf.verifier) return Fail(Error::kMissingServerSignature, 0);
  if (!internal::Equal(*sf.verifier, server_signature.value)) {
    return Fail(Error::kServerSignatureMismatch, 2);
  }
  internal::Cleanse(server_signature.value);
  state = State::kDone;
  return std::nullopt;
}

Wait ScramClient::Impl::Run(std::optional<std::string_view> message) {
  while (true) {
    std::optional<Wait> wait;
    switch (state) {
      case State::kSendClientFirst:
        if (message) return Fail(Error::kUnexpectedMessage, 0);
        wait = DoSendClientFirst();
        break;
      case State::kReadServerFirst:
        if (!message) return Wait::kNeedMessage;
        wait = DoReadServerFirst(*message);
        message.reset();
        break;
      case State::kSendClientFinal:
        wait = DoSendClientFinal();
        break;
      case State::kReadServerFinal:
        if (!message) return Wait::kNeedMessage;
        wait = DoReadServerFinal(*message);
        message.reset();
        break;
      case State::kDone:
        return Wait::kSuccess;
      case State::kFailed:
        return Wait::kFailure;
    }
    if (wait) return *wait;
  }
}

ScramClient::ScramClient(ScramClientConfig config) : impl_(std::make_unique<Impl>(std::move(config))) {}
ScramClient::~ScramClient() = default;

Wait ScramClient::Step() {
  if (impl_->state == State::kDone) return Wait::kSuccess;
  if (impl_->state == State::kFailed) return Wait::kFailure;
  impl_->output.clear();
  return impl_->Run(std::nullopt);
}

Wait ScramClient::Step(std::string_view message) {
  if (impl_->state == State::kDone) return Wait::kSuccess;
  if (impl_->state == State::kFailed) return Wait::kFailure;
  impl_->output.clear();
  return impl_->Run(message);
}

void ScramClient::Abort() {
  if (impl_->state != State::kDone && impl_->state != State::kFailed) impl_->Fail(Error::kAborted, 0);
}

const std::string& ScramClient::output() const { return impl_->output; }
ScramClient::State ScramClient::state() const { return impl_->state; }
const Failure& ScramClient::failure() const { return impl_->failure; }
DowngradeStatus ScramClient::downgrade_status() const { return impl_->downgrade; }
const std::string& ScramClient::nonce() const { return impl_->nonce; }

std::string ScramClient::DebugString() const {
  std::string out = "scram-client state=";
  out += StateName(impl_->state);
  out += " mechanism=";
  out += MechanismName(impl_->config.mechanism);
  if (!impl_->gs2_header.empty()) {
    out += " gs2=";
    out += impl_->gs2_header[0];
  }
  out += " downgrade=";
  out += DowngradeStatusName(impl_->downgrade);
  if (!impl_->failure.ok()) {
    out += " failure=";
    out += Describe(impl_->failure);
  }
  return out;
}

std::string_view StateName(ScramClient::State s) {
  switch (s) {
    case ScramClient::State::kSendClientFirst:
      return "send-client-first";
    case ScramClient::State::kReadServerFirst:
      return "read-server-first";
    case ScramClient::State::kSendClientFinal:
      return "send-client-final";
    case ScramClient::State::kReadServerFinal:
      return "read-server-final";
    case ScramClient::State::kDone:
      return "done";
    case ScramClient::State::kFailed:
      return "failed";
  }
  return "?";
}

}  // namespace xmppfuzz::sasl
