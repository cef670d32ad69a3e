// Private to targets/xml: which characters may appear in element, attribute
// and entity names.
//
// Expat follows the XML 1.0 fourth edition name tables (Appendix B), libxml2
// the fifth edition's wider ranges (section 2.3). A name that one backend
// accepts and the other refuses is a parser differential, so the guard
// accepts only characters both accept: the intersection, measured from the
// libraries by scripts/gen-name-tables into name_tables.inc.
#ifndef XMPPFUZZ_TARGETS_XML_NAME_CHARS_H_
#define XMPPFUZZ_TARGETS_XML_NAME_CHARS_H_

#include <cstdint>

namespace xmppfuzz::xml {

// IsNameStartChar returns true if |cp| may begin a name (or the local part
// after a prefix) on both backends: an ASCII letter, '_' or ':', or a
// non-ASCII character in kNameStartRanges.
bool IsNameStartChar(uint32_t cp);

// IsNameChar returns true if |cp| may follow the first character of a name
// on both backends: an ASCII letter, digit, '_', ':', '-' or '.', or a
// non-ASCII character in kNameRanges.
bool IsNameChar(uint32_t cp);

}  // namespace xmppfuzz::xml

#endif  // XMPPFUZZ_TARGETS_XML_NAME_CHARS_H_
