// Fixture of tests/scripts/mutants_test.py: one site of every operator
// class, and operators inside strings, comments and macros that must not be
// mutated: a < b && c || !d == 1 != true
#include <optional>
#include <string>

#define FIXTURE_LESS(a, b) ((a) < (b))

namespace fixture {

enum class Code { kOk, kBad };

int counter = 0;

void Touch() { counter++; }

bool InRange(int value, int limit) {
  const char* text = "value < limit && true || false == 0";
  (void)text;
  return value >= 0 && value < limit;
}

bool Either(bool a, bool b) { return a || !b; }

Code Check(int n) {
  if (n == 7) return Code::kBad;
  return Code::kOk;
}

std::optional<std::string> Name(bool known) {
  if (!known) return std::nullopt;
  return std::string("name");
}

int Macro(int x) {
  /* x <= 3 is a comment */
  return FIXTURE_LESS(x, 3) ? 1 : 0;
}

void Effects(int& out) {
  Touch();
  out = 0x1F;
  bool flag = true;
  if (flag != false) out += 2;
}

}  // namespace fixture
