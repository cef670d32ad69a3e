// Mechanism policy for both sides (RFC 6120 6.3.3, RFC 5802 6, XEP-0440,
// XEP-0474 business rules).
#include <algorithm>

#include "targets/sasl/internal.h"
#include "targets/sasl/sasl.h"

namespace xmppfuzz::sasl {

using internal::Fail;

namespace {

constexpr CbType kCbPreference[] = {CbType::kTlsExporter, CbType::kTlsServerEndPoint, CbType::kTlsUnique};

bool Offered(const Offer& offer, std::string_view name) {
  return std::find(offer.mechanisms.begin(), offer.mechanisms.end(), name) != offer.mechanisms.end();
}

// PickBinding returns the client's preferred binding among those the server
// named (all of the client's when the server sent no XEP-0440 list).
std::optional<ChannelBinding> PickBinding(const Offer& offer, const ClientPolicy& policy) {
  for (CbType t : kCbPreference) {
    for (const ChannelBinding& cb : policy.channel_bindings) {
      if (cb.type != t) continue;
      if (offer.channel_bindings &&
          std::find(offer.channel_bindings->begin(), offer.channel_bindings->end(), CbTypeName(t)) ==
              offer.channel_bindings->end()) {
        continue;
      }
      return cb;
    }
  }
  return std::nullopt;
}

}  // namespace

bool SelectMechanism(const Offer& offer, const ClientPolicy& policy, Selection* out, Failure* failure) {
  bool plus_offered = false, weak_offered = false, plain_needs_tls = false, plain_pinned_away = false;
  std::optional<Mechanism> best_plus, best_plain_scram, best_plain;
  for (const std::string& name : offer.mechanisms) {
    if (IsWeakMechanismName(name)) weak_offered = true;
    const std::optional<Mechanism> m = MechanismFromName(name);
    if (!m) continue;
    if (IsPlus(*m)) {
      plus_offered = true;
      if (!best_plus || Strength(*m) > Strength(*best_plus)) best_plus = *m;
    } else if (IsScram(*m)) {
      if (!best_plain_scram || Strength(*m) > Strength(*best_plain_scram)) best_plain_scram = *m;
    } else if (!policy.allow_plain) {
      continue;
    } else if (policy.pinned_scram) {
      plain_pinned_away = true;  // XEP-0474 rules: never back to PLAIN
    } else if (!policy.tls && !policy.allow_plain_without_tls) {
      plain_needs_tls = true;  // RFC 6120 13.8.3: no PLAIN in the clear
    } else {
      best_plain = *m;
    }
  }
  Selection sel;
  sel.server_offered_plus = plus_offered;
  const std::optional<ChannelBinding> binding = PickBinding(offer, policy);
  if (plus_offered && binding) {
    // RFC 5802 6: a client that can bind and sees -PLUS uses -PLUS.
    sel.mechanism = *best_plus;
    sel.channel_binding = binding;
  } else if (plus_offered && !policy.channel_bindings.empty()) {
    // The XEP-0440 list names nothing the client can bind: XEP-0474 new
    // rule 6 (send n, then insist on a verifying h=).
    if (!best_plain_scram) return Fail(failure, Error::kNoMutualChannelBinding, 0);
    sel.mechanism = *best_plain_scram;
    sel.no_mutual_cb_fallback = true;
  } else if (best_plain_scram) {
    sel.mechanism = *best_plain_scram;
    // No -PLUS offered but the client could bind: gs2 'y'.
    if (!policy.channel_bindings.empty()) sel.channel_binding = policy.channel_bindings.front();
  } else if (best_plain) {
    sel.mechanism = *best_plain;
  } else if (plain_pinned_away) {
    return Fail(failure, Error::kMechanismDowngrade, 0);
  } else if (plain_needs_tls) {
    return Fail(failure, Error::kPlainWithoutTls, 0);
  } else if (weak_offered) {
    return Fail(failure, Error::kWeakMechanism, 0);
  } else {
    return Fail(failure, Error::kNoAcceptableMechanism, 0);
  }
  // A pinned mechanism stronger than the choice that is no longer offered
  // means the list was cut down on the way.
  if (policy.pinned_mechanisms) {
    for (const std::string& name : *policy.pinned_mechanisms) {
      const std::optional<Mechanism> m = MechanismFromName(name);
      if (m && Strength(*m) > Strength(sel.mechanism) && !Offered(offer, name)) {
        return Fail(failure, Error::kMechanismDowngrade, 0);
      }
    }
  }
  *out = std::move(sel);
  if (failure != nullptr) *failure = Failure{};
  return true;
}

void ApplySelection(const Selection& selection, const Offer& offer, ScramClientConfig* config) {
  config->mechanism = selection.mechanism;
  config->channel_binding = selection.channel_binding;
  config->server_offered_plus = selection.server_offered_plus;
  config->no_mutual_cb_fallback = selection.no_mutual_cb_fallback;
  config->offer = offer;
}

Offer OfferFor(const ServerPolicy& policy) {
  Offer offer;
  const bool can_bind = policy.tls && !policy.channel_bindings.empty();
  for (Hash h : {Hash::kSha512, Hash::kSha256, Hash::kSha1}) {
    if (std::find(policy.scram_hashes.begin(), policy.scram_hashes.end(), h) == policy.scram_hashes.end()) {
      continue;
    }
    if (can_bind) offer.mechanisms.emplace_back(MechanismName(ScramMechanism(h, true)));
    offer.mechanisms.emplace_back(MechanismName(ScramMechanism(h, false)));
  }
  if (policy.offer_plain && (policy.tls || policy.allow_plain_without_tls)) {
    offer.mechanisms.emplace_back(MechanismName(Mechanism::kPlain));
  }
  if (can_bind && policy.advertise_channel_bindings) {
    offer.channel_bindings.emplace();
    for (CbType t : policy.channel_bindings) offer.channel_bindings->emplace_back(CbTypeName(t));
  }
  return offer;
}

bool ServerAccepts(const ServerPolicy& policy, std::string_view mechanism, Mechanism* out, Failure* failure) {
  if (IsWeakMechanismName(mechanism)) return Fail(failure, Error::kWeakMechanism, 0);
  const std::optional<Mechanism> m = MechanismFromName(mechanism);
  if (!m) return Fail(failure, Error::kUnknownMechanism, 0);
  if (*m == Mechanism::kPlain && policy.offer_plain && !policy.tls && !policy.allow_plain_without_tls) {
    return Fail(failure, Error::kPlainWithoutTls, 0);
  }
  if (!Offered(OfferFor(policy), mechanism)) return Fail(failure, Error::kNoAcceptableMechanism, 0);
  *out = *m;
  if (failure != nullptr) *failure = Failure{};
  return true;
}

}  // namespace xmppfuzz::sasl
