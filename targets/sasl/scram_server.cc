// The SCRAM server (RFC 5802 section 5, RFC 7677) as an explicit state
// machine. It holds only stored credentials (salt, iteration count,
// StoredKey, ServerKey), never a password.
#include <mutex>
#include <string>

#include "targets/sasl/internal.h"
#include "targets/sasl/sasl.h"

namespace xmppfuzz::sasl {

using internal::SecretString;

namespace {

constexpr size_t kNonceChars = 24;
constexpr size_t kFakeSaltBytes = 16;

// FakeSalt gives an unknown user a salt that is stable for the life of the
// process (so repeated tries do not reveal that the user does not exist)
// and unpredictable without the process key.
std::string FakeSalt(Random& random, std::string_view username) {
  static std::once_flag once;
  static std::string key;
  std::call_once(once, [&] {
    key.assign(32, '\0');
    if (!random.Fill(std::span<uint8_t>(reinterpret_cast<uint8_t*>(key.data()), key.size()))) {
      key = "xmppfuzz unknown-user salt key";
    }
  });
  return internal::Hmac(Hash::kSha256, key, username).substr(0, kFakeSaltBytes);
}

}  // namespace

struct ScramServer::Impl {
  using State = ScramServer::State;

  explicit Impl(ScramServerConfig c) : config(std::move(c)) {
    random = config.random;
#ifdef FUZZING_BUILD_MODE_UNSAFE_FOR_PRODUCTION
    if (random == nullptr) random = &own_random;
#endif
    if (random == nullptr) random = &DefaultRandom();
  }
  ~Impl() {
    internal::Cleanse(credentials.stored_key);
    internal::Cleanse(credentials.server_key);
  }

  std::optional<Wait> DoReadClientFirst(std::string_view msg);
  std::optional<Wait> DoSendServerFirst();
  std::optional<Wait> DoReadClientFinal(std::string_view msg);
  std::optional<Wait> DoSendServerFinal();
  Wait Run(std::optional<std::string_view> message);

  // Fail ends the exchange; output() is the server-final with e=.
  Wait Fail(Error code, size_t offset, std::optional<ServerError> server_error = std::nullopt) {
    const ServerError e = server_error.value_or(ServerErrorFor(code));
    failure = Failure{code, e, offset};
    state = State::kFailed;
    output = "e=" + std::string(ErrorName(e));
    internal::Cleanse(credentials.stored_key);
    internal::Cleanse(credentials.server_key);
    internal::Cleanse(server_signature.value);
    return Wait::kFailure;
  }

  ScramServerConfig config;
  SeededRandom own_random{2};
  Random* random = nullptr;
  State state = State::kReadClientFirst;
  std::string output;
  Failure failure;
  ClientFirst client_first;
  std::string username;
  std::string authzid;
  std::string binding_data;  // the data c= must carry after the gs2 header
  std::string combined_nonce;
  std::string server_first;
  StoredCredentials credentials;
  bool unknown_user = false;
  SecretString server_signature;
};

std::optional<Wait> ScramServer::Impl::DoReadClientFirst(std::string_view msg) {
  if (msg.size() > config.max_message_bytes) return Fail(Error::kMessageTooLong, config.max_message_bytes);
  Failure f;
  ClientFirst cf;
  if (!ParseClientFirst(msg, &cf, &f)) {
    // A user name that is not UTF-8 is a username encoding problem.
    const size_t user_at = msg.find(",n=");
    if (f.code == Error::kBadUtf8 && user_at != std::string_view::npos && f.offset > user_at) {
      return Fail(f.code, f.offset, ServerError::kInvalidUsernameEncoding);
    }
    return Fail(f.code, f.offset);
  }
  // gs2-cbind-flag against the chosen mechanism and what the server offers.
  const bool plus = IsPlus(config.mechanism);
  switch (cf.gs2.flag) {
    case Gs2Flag::kNo:
      if (plus) return Fail(Error::kGs2FlagWithPlus, 0);
      break;
    case Gs2Flag::kYes:
      if (plus) return Fail(Error::kGs2FlagWithPlus, 0);
      // RFC 5802 6: the client believes we cannot bind, but we offered
      // -PLUS, so somebody removed it from the list.
      if (config.offers_plus) return Fail(Error::kClientThinksNoPlus, 0);
      break;
    case Gs2Flag::kPlus: {
      if (!plus) return Fail(Error::kPlusFlagWithoutPlus, 0);
      if (config.channel_bindings.empty()) return Fail(Error::kChannelBindingNotSupported, 2);
      const std::optional<CbType> type = CbTypeFromName(cf.gs2.cb_name);
      const ChannelBinding* found = nullptr;
      for (const ChannelBinding& cb : config.channel_bindings) {
        if (type && cb.type == *type) found = &cb;
      }
      if (found == nullptr) return Fail(Error::kUnsupportedCbType, 2);
      binding_data = found->data;
      break;
    }
  }
  const size_t user_offset = cf.gs2.raw.size() + 2;
  std::optional<std::string> user = Saslprep(cf.username, SaslprepMode::kQuery, &f);
  if (!user) return Fail(f.code, user_offset + f.offset, ServerError::kInvalidUsernameEncoding);
  username = std::move(*user);
  if (cf.gs2.authzid) authzid = *cf.gs2.authzid;
  std::optional<StoredCredentials> creds;
  if (config.lookup) creds = config.lookup(username, HashOf(config.mechanism));
  if (!creds || creds->hash != HashOf(config.mechanism) || creds->salt.empty() ||
      creds->iterations == 0 || creds->stored_key.size() != HashSize(creds->hash) ||
      creds->server_key.size() != HashSize(creds->hash)) {
    // Carry on with a fake salt: the refusal comes at client-final.
    unknown_user = true;
    credentials = StoredCredentials{};
    credentials.hash = HashOf(config.mechanism);
    credentials.salt = FakeSalt(*random, username);
    credentials.iterations = config.unknown_user_iterations;
  } else {
    credentials = std::move(*creds);
  }
  std::string server_nonce;
  if (!config.fixed_nonce.empty()) {
    size_t bad = 0;
    if (!internal::IsPrintableNonce(config.fixed_nonce, &bad)) return Fail(Error::kBadNonce, 0, ServerError::kOtherError);
    server_nonce = config.fixed_nonce;
  } else if (!internal::RandomPrintable(*random, kNonceChars, &server_nonce)) {
    return Fail(Error::kNoResources, 0);
  }
  combined_nonce = cf.nonce + server_nonce;
  client_first = std::move(cf);
  state = State::kSendServerFirst;
  return std::nullopt;
}

std::optional<Wait> ScramServer::Impl::DoSendServerFirst() {
  server_first = "r=" + combined_nonce + ",s=" + Base64Encode(credentials.salt) +
                 ",i=" + std::to_string(credentials.iterations);
  if (config.offer) server_first += ",h=" + DowngradeHash(HashOf(config.mechanism), *config.offer);
  output = server_first;
  state = State::kReadClientFinal;
  return Wait::kSend;
}

std::optional<Wait> ScramServer::Impl::DoReadClientFinal(std::string_view msg) {
  if (msg.size() > config.max_message_bytes) return Fail(Error::kMessageTooLong, config.max_message_bytes);
  const Hash hash = HashOf(config.mechanism);
  Failure f;
  ClientFinal cf;
  if (!ParseClientFinal(msg, hash, &cf, &f)) return Fail(f.code, f.offset);
  // c= must repeat the gs2 header and, for p=, the binding data.
  if (!internal::Equal(cf.channel_binding, client_first.gs2.raw + binding_data)) {
    return Fail(Error::kChannelBindingMismatch, 2);
  }
  const size_t r_offset = msg.find(",r=") + 3;
  if (cf.nonce != combined_nonce) return Fail(Error::kNonceMismatch, r_offset);
  if (unknown_user) return Fail(Error::kUnknownUser, 0);
  const std::string auth_message = client_first.bare + "," + server_first + "," + cf.without_proof;
  SecretString client_signature(internal::Hmac(hash, credentials.stored_key, auth_message));
  SecretString client_key(cf.proof);
  internal::XorInto(client_key.value, client_signature.value);
  const SecretString candidate(internal::Digest(hash, client_key.value));
  if (!internal::Equal(candidate.value, credentials.stored_key)) {
    return Fail(Error::kProofMismatch, cf.without_proof.size() + 3);
  }
  if (!authzid.empty() && (!config.authorize || !config.authorize(authzid, username))) {
    return Fail(Error::kAuthzidRefused, 0);
  }
  server_signature.value = internal::Hmac(hash, credentials.server_key, auth_message);
  state = State::kSendServerFinal;
  return std::nullopt;
}

std::optional<Wait> ScramServer::Impl::DoSendServerFinal() {
  output = "v=" + Base64Encode(server_signature.value);
  internal::Cleanse(server_signature.value);
  internal::Cleanse(credentials.stored_key);
  internal::Cleanse(credentials.server_key);
  state = State::kDone;
  return Wait::kSend;
}

Wait ScramServer::Impl::Run(std::optional<std::string_view> message) {
  while (true) {
    std::optional<Wait> wait;
    switch (state) {
      case State::kReadClientFirst:
        if (!message) return Wait::kNeedMessage;
        wait = DoReadClientFirst(*message);
        message.reset();
        break;
      case State::kSendServerFirst:
        wait = DoSendServerFirst();
        break;
      case State::kReadClientFinal:
        if (!message) return Wait::kNeedMessage;
        wait = DoReadClientFinal(*message);
        message.reset();
        break;
      case State::kSendServerFinal:
        wait = DoSendServerFinal();
        break;
      case State::kDone:
        return Wait::kSuccess;
      case State::kFailed:
        return Wait::kFailure;
    }
    if (wait) return *wait;
  }
}

ScramServer::ScramServer(ScramServerConfig config) : impl_(std::make_unique<Impl>(std::move(config))) {}
ScramServer::~ScramServer() = default;

Wait ScramServer::Step() {
  if (impl_->state == State::kFailed) return Wait::kFailure;
  impl_->output.clear();
  return impl_->Run(std::nullopt);
}

Wait ScramServer::Step(std::string_view message) {
  if (impl_->state == State::kFailed) return Wait::kFailure;
  if (impl_->state == State::kDone) return Wait::kSuccess;
  impl_->output.clear();
  return impl_->Run(message);
}

void ScramServer::Abort() {
  if (impl_->state != State::kDone && impl_->state != State::kFailed) impl_->Fail(Error::kAborted, 0);
}

const std::string& ScramServer::output() const { return impl_->output; }
ScramServer::State ScramServer::state() const { return impl_->state; }
const Failure& ScramServer::failure() const { return impl_->failure; }
const std::string& ScramServer::username() const { return impl_->username; }
const std::string& ScramServer::authzid() const { return impl_->authzid; }

std::string ScramServer::DebugString() const {
  std::string out = "scram-server state=";
  out += StateName(impl_->state);
  out += " mechanism=";
  out += MechanismName(impl_->config.mechanism);
  if (!impl_->client_first.gs2.raw.empty()) {
    out += " gs2=";
    out += impl_->client_first.gs2.raw[0];
  }
  if (!impl_->failure.ok()) {
    out += " failure=";
    out += Describe(impl_->failure);
  }
  return out;
}

std::string_view StateName(ScramServer::State s) {
  switch (s) {
    case ScramServer::State::kReadClientFirst:
      return "read-client-first";
    case ScramServer::State::kSendServerFirst:
      return "send-server-first";
    case ScramServer::State::kReadClientFinal:
      return "read-client-final";
    case ScramServer::State::kSendServerFinal:
      return "send-server-final";
    case ScramServer::State::kDone:
      return "done";
    case ScramServer::State::kFailed:
      return "failed";
  }
  return "?";
}

}  // namespace xmppfuzz::sasl
