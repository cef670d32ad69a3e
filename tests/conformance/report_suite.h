// A suite of vectors at stable addresses for report tests' results to point
// to (tests/conformance/report_test.cc, report_html_test.cc): every vector
// expects "refused restricted-xml at-or-before 7".
#ifndef XMPPFUZZ_TESTS_CONFORMANCE_REPORT_SUITE_H_
#define XMPPFUZZ_TESTS_CONFORMANCE_REPORT_SUITE_H_

#include <deque>
#include <string>

#include "conformance/runner/vector.h"

namespace xmppfuzz::conform::testing {

class Suite {
 public:
  const Vector* Add(const std::string& category, const std::string& name) {
    Vector v;
    v.id = category + "/" + name;
    v.category = category;
    v.expect.kind = Outcome::Kind::kRefused;
    v.expect.condition = xml::Condition::kRestrictedXml;
    v.expect.offset = 7;
    vectors_.push_back(std::move(v));
    return &vectors_.back();
  }

 private:
  std::deque<Vector> vectors_;
};

}  // namespace xmppfuzz::conform::testing

#endif  // XMPPFUZZ_TESTS_CONFORMANCE_REPORT_SUITE_H_
