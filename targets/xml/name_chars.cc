#include "targets/xml/name_chars.h"

#include <algorithm>
#include <iterator>

namespace xmppfuzz::xml {
namespace {

struct CodePointRange {
  uint32_t first;
  uint32_t last;
};

#include "targets/xml/name_tables.inc"

bool IsAsciiLetter(uint32_t cp) { return (cp >= 'a' && cp <= 'z') || (cp >= 'A' && cp <= 'Z'); }

// InRanges: true if some range of the sorted, disjoint |ranges| holds |cp|.
template <size_t N>
bool InRanges(const CodePointRange (&ranges)[N], uint32_t cp) {
  const CodePointRange* it = std::lower_bound(std::begin(ranges), std::end(ranges), cp,
                                              [](const CodePointRange& r, uint32_t value) { return r.last < value; });
  return it != std::end(ranges) && it->first <= cp;
}

}  // namespace

bool IsNameStartChar(uint32_t cp) {
  if (cp < 0x80) return IsAsciiLetter(cp) || cp == '_' || cp == ':';
  return InRanges(kNameStartRanges, cp);
}

bool IsNameChar(uint32_t cp) {
  if (cp < 0x80) return IsAsciiLetter(cp) || (cp >= '0' && cp <= '9') || cp == '_' || cp == ':' || cp == '-' || cp == '.';
  return InRanges(kNameRanges, cp);
}

}  // namespace xmppfuzz::xml
