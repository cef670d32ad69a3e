// The RFC 6120 section 6.4 SASL elements and the <mechanisms/> and XEP-0440
// <sasl-channel-binding/> stream features, over the XML layer's tree.
#include <string>

#include "targets/sasl/internal.h"
#include "targets/sasl/sasl.h"

namespace xmppfuzz::sasl {

using internal::Fail;

namespace {

constexpr std::string_view kKindNames[] = {"auth", "challenge", "response", "success", "failure", "abort"};

// ValidMechanismName: RFC 4422 3.1, 1 to 20 of [A-Z0-9-_].
bool ValidMechanismName(std::string_view name) {
  if (name.empty() || name.size() > 20) return false;
  for (char c : name) {
    if (!((c >= 'A' && c <= 'Z') || (c >= '0' && c <= '9') || c == '-' || c == '_')) return false;
  }
  return true;
}

bool IsWhitespace(std::string_view s) {
  return s.find_first_not_of(" \t\r\n") == std::string_view::npos;
}

// ReadData reads the base64 payload of an element: no element children;
// empty means no data, "=" means empty data.
bool ReadData(const xml::Element& e, std::optional<std::string>* data, Failure* failure) {
  if (e.ChildElementCount() != 0) return Fail(failure, Error::kBadElementContent, 0);
  const std::string text = e.Text();
  if (text.empty()) {
    data->reset();
    return true;
  }
  if (text == "=") {
    *data = std::string();
    return true;
  }
  Failure f;
  std::optional<std::string> decoded = Base64Decode(text, &f);
  if (!decoded) return Fail(failure, f.code, f.offset);
  *data = std::move(*decoded);
  return true;
}

}  // namespace

std::string_view ElementKindName(ElementKind k) {
  const size_t i = static_cast<size_t>(k);
  return i < std::size(kKindNames) ? kKindNames[i] : "?";
}

std::optional<xml::Element> BuildElement(const SaslElement& e) {
  xml::Builder b(kSaslNs, ElementKindName(e.kind));
  switch (e.kind) {
    case ElementKind::kAuth:
      if (!ValidMechanismName(e.mechanism)) return std::nullopt;
      b.Attr("mechanism", e.mechanism);
      [[fallthrough]];
    case ElementKind::kChallenge:
    case ElementKind::kResponse:
    case ElementKind::kSuccess:
      if (e.data) b.Text(e.data->empty() ? std::string("=") : Base64Encode(*e.data));
      break;
    case ElementKind::kFailure:
      if (e.condition == Condition::kNone) return std::nullopt;
      b.Child(kSaslNs, ErrorName(e.condition)).Up();
      if (e.text) b.Child(kSaslNs, "text").Text(*e.text).Up();
      break;
    case ElementKind::kAbort:
      break;
  }
  return b.Build();
}

bool ParseElement(const xml::Element& element, SaslElement* out, Failure* failure) {
  if (element.ns != kSaslNs) return Fail(failure, Error::kNotSaslElement, 0);
  SaslElement e;
  size_t kind = 0;
  while (kind < std::size(kKindNames) && kKindNames[kind] != element.name) ++kind;
  if (kind == std::size(kKindNames)) return Fail(failure, Error::kNotSaslElement, 0);
  e.kind = static_cast<ElementKind>(kind);
  switch (e.kind) {
    case ElementKind::kAuth: {
      const std::string* mech = element.Attr("mechanism");
      if (mech == nullptr) return Fail(failure, Error::kMissingMechanismAttr, 0);
      if (!ValidMechanismName(*mech)) return Fail(failure, Error::kBadMechanismName, 0);
      e.mechanism = *mech;
      if (!ReadData(element, &e.data, failure)) return false;
      break;
    }
    case ElementKind::kChallenge:
    case ElementKind::kResponse:
    case ElementKind::kSuccess:
      if (!ReadData(element, &e.data, failure)) return false;
      break;
    case ElementKind::kFailure: {
      bool have_condition = false;
      for (const xml::Node& n : element.children) {
        if (n.is_text) {
          if (!IsWhitespace(n.text)) return Fail(failure, Error::kBadElementContent, 0);
          continue;
        }
        const xml::Element& c = n.element;
        if (c.ns != kSaslNs) return Fail(failure, Error::kBadElementContent, 0);
        if (c.name == "text") {
          if (e.text || c.ChildElementCount() != 0) return Fail(failure, Error::kBadElementContent, 0);
          e.text = c.Text();
          continue;
        }
        const std::optional<Condition> cond = ConditionFromName(c.name);
        if (!cond) return Fail(failure, Error::kUnknownCondition, 0);
        if (have_condition) return Fail(failure, Error::kBadElementContent, 0);
        have_condition = true;
        e.condition = *cond;
      }
      if (!have_condition) return Fail(failure, Error::kUnknownCondition, 0);
      break;
    }
    case ElementKind::kAbort:
      if (element.ChildElementCount() != 0 || !IsWhitespace(element.Text())) {
        return Fail(failure, Error::kBadElementContent, 0);
      }
      break;
  }
  *out = std::move(e);
  if (failure != nullptr) *failure = Failure{};
  return true;
}

std::optional<xml::Element> BuildMechanismsFeature(const std::vector<std::string>& mechanisms) {
  xml::Builder b(kSaslNs, "mechanisms");
  for (const std::string& m : mechanisms) {
    if (!ValidMechanismName(m)) return std::nullopt;
    b.Child(kSaslNs, "mechanism").Text(m).Up();
  }
  return b.Build();
}

std::optional<xml::Element> BuildChannelBindingFeature(const std::vector<std::string>& types) {
  xml::Builder b(kSaslCbNs, "sasl-channel-binding");
  for (const std::string& t : types) b.Child(kSaslCbNs, "channel-binding").Attr("type", t).Up();
  return b.Build();
}

bool ParseFeatures(const xml::Element& features, Offer* out, Failure* failure) {
  Offer offer;
  const xml::Element* mechanisms = features.FirstChild(kSaslNs, "mechanisms");
  if (mechanisms == nullptr) return Fail(failure, Error::kBadFeature, 0);
  size_t index = 0;
  for (const xml::Node& n : mechanisms->children) {
    if (n.is_text) {
      if (!IsWhitespace(n.text)) return Fail(failure, Error::kBadFeature, index);
      continue;
    }
    ++index;
    if (n.element.ns != kSaslNs || n.element.name != "mechanism") continue;  // extensions
    if (n.element.ChildElementCount() != 0 || !ValidMechanismName(n.element.Text())) {
      return Fail(failure, Error::kBadFeature, index);
    }
    offer.mechanisms.push_back(n.element.Text());
  }
  if (offer.mechanisms.empty()) return Fail(failure, Error::kBadFeature, 0);
  if (const xml::Element* cb = features.FirstChild(kSaslCbNs, "sasl-channel-binding")) {
    offer.channel_bindings.emplace();
    index = 0;
    for (const xml::Node& n : cb->children) {
      if (n.is_text) continue;
      ++index;
      if (n.element.ns != kSaslCbNs || n.element.name != "channel-binding") continue;
      const std::string* type = n.element.Attr("type");
      if (type == nullptr || type->empty()) return Fail(failure, Error::kBadFeature, index);
      offer.channel_bindings->push_back(*type);
    }
    // XEP-0440 2: one or more <channel-binding/> elements.
    if (offer.channel_bindings->empty()) return Fail(failure, Error::kBadFeature, 0);
  }
  *out = std::move(offer);
  if (failure != nullptr) *failure = Failure{};
  return true;
}

}  // namespace xmppfuzz::sasl
