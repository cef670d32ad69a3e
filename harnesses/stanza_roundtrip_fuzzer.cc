// stanza_roundtrip_fuzzer: a stanza built with xml::Builder from untrusted
// strings, serialised canonically and parsed back (on both backends) is the
// same stanza: construction cannot inject markup. Builder refusals are
// checked too: plain printable ASCII is never refused.
#include "harnesses/harness.h"

namespace {

using namespace xmppfuzz;

constexpr std::string_view kNames[] = {"message", "body", "presence", "iq", "query", "item", "x", "status", "thread"};
constexpr std::string_view kNamespaces[] = {"", "jabber:client", "urn:xmpp:test", "jabber:iq:roster",
                                            "http://www.w3.org/XML/1998/namespace"};

bool PrintableAscii(std::string_view s) {
  for (char c : s) {
    if (c < 0x20 || c > 0x7E) return false;
  }
  return true;
}

}  // namespace

extern "C" int LLVMFuzzerTestOneInput(const uint8_t* data, size_t size) {
  harness::FuzzInput in(data, size);
  const char* top[] = {"message", "presence", "iq"};
  xml::Builder builder("jabber:client", top[in.Byte() % 3]);
  builder.Attr("id", "x");
  bool must_succeed = true;
  size_t depth = 0;
  for (int op = 0; op < 24 && !in.empty(); ++op) {
    uint8_t choice = in.Byte();
    switch (choice % 5) {
      case 0: {  // text
        std::string_view text = in.String(64);
        must_succeed &= PrintableAscii(text);
        builder.Text(text);
        break;
      }
      case 1: {  // attribute with a fuzzed value (names from a list: unique per element not tracked)
        std::string name = "a" + std::to_string(op);
        std::string_view value = in.String(64);
        must_succeed &= PrintableAscii(value);
        builder.AttrNs(kNamespaces[choice / 5 % 5], name, value);
        break;
      }
      case 2:  // child element
        if (depth < 6) {
          builder.Child(kNamespaces[choice / 5 % 4], kNames[choice / 20 % 9]);
          ++depth;
        }
        break;
      case 3:
        if (depth > 0) {
          builder.Up();
          --depth;
        }
        break;
      case 4: {  // a fuzzed element name: refusal is fine, a bad name accepted is checked below
        std::string_view name = in.String(16);
        must_succeed = must_succeed && xml::IsValidName(name);
        builder.Child("urn:xmpp:test", name);
        ++depth;
        break;
      }
    }
  }
  std::optional<xml::Element> built = builder.Build();
  if (!built) {
    if (must_succeed) harness::Fail("builder refused printable input: " + builder.error(), in.Rest());
    return 0;
  }
  std::string wire = stream::ClientHeader() + xml::Canonical(*built);
  for (xml::Backend backend : xml::kBackends) {
    stream::Options options;
    options.backend = backend;
    options.authenticated = true;
    options.limits.max_depth = 64;
    stream::Parser parser(options);
    parser.Feed(wire);
    std::vector<stream::Event> events = parser.TakeEvents();
    // A built iq may break RFC 6120 iq rules; anything else must be accepted.
    if (events.size() == 2 && events[1].kind == stream::Event::Kind::kError &&
        events[1].error.condition == xml::Condition::kBadFormat && built->name == "iq") {
      continue;
    }
    if (events.size() != 2 || events[1].kind != stream::Event::Kind::kStanza) {
      harness::Fail("built stanza did not parse back: " + (events.empty() ? "" : events.back().Line()), wire);
    }
    if (!(events[1].element == *built)) harness::Fail("built stanza changed on the way back", wire);
  }
  return 0;
}
