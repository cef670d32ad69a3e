// sasl_policy_fuzzer: fuzzed mechanism lists, XEP-0440 lists and policies.
// Input: three choice bytes, the server's real list (entries from
// kMechanismNames or fuzzed names), then what an attacker removed or added.
// Properties: SelectMechanism on the list the client saw picks exactly what
// ModelChoice says (never PLAIN without TLS unless allowed, never a weak or
// unknown mechanism, never below the strongest allowed offered); a list cut
// down against the pinned one fails with mechanism-downgrade; with XEP-0474
// the client fails with downgrade-hash-mismatch exactly when what it saw
// differs from what the server advertised; the server's OfferFor() and
// ServerAccepts() offer and accept nothing its policy forbids; the offer
// survives the <mechanisms/> / <sasl-channel-binding/> features round trip.
#include <algorithm>

#include "harnesses/sasl_harness.h"

using namespace xmppfuzz;
using namespace xmppfuzz::harness;

namespace {

std::vector<std::string> Types(uint8_t mask) {
  std::vector<std::string> v;
  for (const sasl::ChannelBinding& b : BindingsFrom(mask)) v.emplace_back(sasl::CbTypeName(b.type));
  return v;
}

}  // namespace

extern "C" int LLVMFuzzerTestOneInput(const uint8_t* data, size_t size) {
  FuzzInput in(data, size);
  const std::string_view input(reinterpret_cast<const char*>(data), size);
  const uint8_t c0 = in.Byte(), c1 = in.Byte(), c2 = in.Byte();
  sasl::Offer real;
  for (size_t n = in.Byte() % 13, i = 0; i < n; ++i) {
    const uint8_t b = in.Byte();
    real.mechanisms.emplace_back(b & 0x80 ? in.String(24) : kMechanismNames[b & 15]);
  }
  if (c0 & 32) real.channel_bindings = Types(c1 >> 3);
  sasl::Offer seen = real;  // what reached the client
  const uint32_t drop = in.U32();
  seen.mechanisms.clear();
  for (size_t i = 0; i < real.mechanisms.size(); ++i) {
    if (!(drop >> i & 1)) seen.mechanisms.push_back(real.mechanisms[i]);
  }
  if (const uint8_t add = in.Byte())
    seen.mechanisms.insert(seen.mechanisms.begin(), std::string(kMechanismNames[7 + add % 9]));
  const std::vector<std::string> removed = Types(c2 & 7);
  if (seen.channel_bindings) {
    std::erase_if(*seen.channel_bindings,
                  [&](const std::string& t) { return std::find(removed.begin(), removed.end(), t) != removed.end(); });
  }

  sasl::ClientPolicy policy;
  policy.tls = c0 & 1;
  policy.allow_plain = c0 & 2;
  policy.allow_plain_without_tls = c0 & 4;
  policy.pinned_scram = c0 & 8;
  if (c0 & 16) policy.pinned_mechanisms = real.mechanisms;
  policy.channel_bindings = BindingsFrom(c1 & 7);
  const ExpectedChoice want = ModelChoice(seen, policy);
  sasl::Selection sel;
  sasl::Failure f;
  const bool ok = sasl::SelectMechanism(seen, policy, &sel, &f);
  const std::string got = ok ? std::string(sasl::MechanismName(sel.mechanism)) : "(" + sasl::Describe(f) + ")";
  if (ok) {
    if (std::find(seen.mechanisms.begin(), seen.mechanisms.end(), got) == seen.mechanisms.end())
      Fail("chose a mechanism not offered: " + got, input);
    if (sasl::IsWeakMechanismName(got)) Fail("chose a weak mechanism", input);
    if (got == "PLAIN" && (!policy.allow_plain || (!policy.tls && !policy.allow_plain_without_tls)))
      Fail("PLAIN against the policy", input);
  }
  if (!want.mechanism || want.downgrade) {
    if (ok) Fail("chose " + got + " where nothing is acceptable or the list was cut down", input);
    if (want.downgrade && !want.fallback && f.code != sasl::Error::kMechanismDowngrade)
      Fail("downgrade not reported: " + got, input);
    return 0;
  }
  if (!ok || got != *want.mechanism) Fail("chose " + got + ", the strongest allowed is " + *want.mechanism, input);
  if (sel.channel_binding.has_value() != want.binding.has_value() ||
      (want.binding && sel.channel_binding->type != *want.binding) || sel.no_mutual_cb_fallback != want.fallback ||
      sel.server_offered_plus != want.plus_offered) {
    Fail("wrong binding or fallback for " + got, input);
  }
  // XEP-0474: the server's h= covers what it advertised.
  if ((c2 & 8) && got != "PLAIN") {
    sasl::ScramClientConfig cc;
    sasl::ApplySelection(sel, seen, &cc);
    cc.username = "user";
    cc.password = "pencil";
    cc.fixed_nonce = "abc";
    sasl::ScramClient client(std::move(cc));
    client.Step();
    const sasl::Hash hash = sasl::HashOf(sel.mechanism);
    const sasl::Wait w = client.Step("r=abcdef,s=c2FsdA==,i=4096,h=" + DowngradeHashOf(hash, real));
    const bool tampered = DowngradeHashOf(hash, real) != DowngradeHashOf(hash, seen);
    if (tampered != (w == sasl::Wait::kFailure && client.failure().code == sasl::Error::kDowngradeHashMismatch)) {
      Fail(std::string("XEP-0474 h= ") + (tampered ? "missed a tampered list: " : "refused a true list: ") +
               client.DebugString(),
           input);
    }
  }
  // The server side, with the same bytes as its policy.
  sasl::ServerPolicy sp;
  sp.tls = c0 & 1;
  sp.offer_plain = c0 & 2;
  sp.allow_plain_without_tls = c0 & 4;
  sp.scram_hashes.clear();
  for (int i = 0; i < 3; ++i)
    if (c2 >> (4 + i) & 1) sp.scram_hashes.push_back(HashFrom(static_cast<uint8_t>(i)));
  for (const sasl::ChannelBinding& b : BindingsFrom(c1 >> 3)) sp.channel_bindings.push_back(b.type);
  sp.advertise_channel_bindings = c0 & 128;
  const sasl::Offer offer = sasl::OfferFor(sp);
  for (const std::string& n : offer.mechanisms) {
    if (Rank(n) < 0 || (n == "PLAIN" && !sp.tls && !sp.allow_plain_without_tls) || (n.ends_with("-PLUS") && !sp.tls))
      Fail("offered " + n, input);
  }
  for (std::string_view n : real.mechanisms) {
    sasl::Mechanism m;
    const bool offered = std::find(offer.mechanisms.begin(), offer.mechanisms.end(), n) != offer.mechanisms.end();
    if (sasl::ServerAccepts(sp, n, &m, nullptr) != offered)
      Fail("ServerAccepts disagrees with OfferFor on " + std::string(n), input);
  }
  // Features round trip.
  std::optional<xml::Element> mechs = sasl::BuildMechanismsFeature(offer.mechanisms);
  if (!mechs || offer.mechanisms.empty()) return 0;
  xml::Element features{"http://etherx.jabber.org/streams", "features", {}, {}};
  features.children.push_back(xml::Node{false, "", *mechs});
  if (offer.channel_bindings)
    features.children.push_back(xml::Node{false, "", *sasl::BuildChannelBindingFeature(*offer.channel_bindings)});
  sasl::Offer parsed;
  if (!sasl::ParseFeatures(features, &parsed, &f) || parsed != offer)
    Fail("features round trip: " + sasl::Describe(f), input);
  return 0;
}
