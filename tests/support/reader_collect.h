// A xml::Reader::Listener that keeps what it is told, for tests that look at
// the XML layer below the stream rules (trees, offsets, restarts).
#ifndef XMPPFUZZ_TESTS_SUPPORT_READER_COLLECT_H_
#define XMPPFUZZ_TESTS_SUPPORT_READER_COLLECT_H_

#include <algorithm>
#include <string>
#include <string_view>
#include <vector>

#include "targets/xml/xml.h"

namespace xmppfuzz::streamtest {

struct Collector : xml::Reader::Listener {
  std::vector<xml::Element> headers;
  std::vector<std::string> content_ns;
  std::vector<xml::Element> stanzas;
  std::vector<uint64_t> stanza_offsets;
  int closes = 0;
  bool allow_restart = false;

  xml::Error OnStreamOpen(xml::Element header, std::string ns, uint64_t) override {
    headers.push_back(std::move(header));
    content_ns.push_back(std::move(ns));
    return {};
  }
  xml::Error OnStanza(xml::Element stanza, uint64_t offset) override {
    stanzas.push_back(std::move(stanza));
    stanza_offsets.push_back(offset);
    return {};
  }
  xml::Error OnStreamClose(uint64_t) override {
    ++closes;
    return {};
  }
  bool AllowInbandRestart() override { return allow_restart; }
};

// ReadStanzas feeds |bytes| to a fresh Reader in chunks of |chunk| bytes (0:
// whole) and returns the collector; |error| receives the reader's error.
inline Collector ReadStanzas(xml::Backend backend, std::string_view bytes, size_t chunk, xml::Error* error,
                             xml::Limits limits = {}) {
  Collector c;
  xml::Reader reader(backend, limits, &c);
  reader.SetAuthenticated(true);
  size_t step = chunk == 0 ? std::max<size_t>(bytes.size(), 1) : chunk;
  for (size_t pos = 0; pos < bytes.size(); pos += step) {
    if (reader.Feed(bytes.substr(pos, step)) == xml::Status::kError) break;
  }
  *error = reader.error();
  return c;
}

}  // namespace xmppfuzz::streamtest

#endif  // XMPPFUZZ_TESTS_SUPPORT_READER_COLLECT_H_
