// base64_fuzzer: strict RFC 4648 base64 against OpenSSL's EVP coder.
// Input: arbitrary bytes, decoded as text and encoded as data.
// Properties: Base64Decode accepts exactly the canonical encodings, i.e.
// the texts that EVP_DecodeBlock reads and EVP_EncodeBlock writes back byte
// for byte (no whitespace, padding only at the end, zero padding bits);
// what it accepts equals EVP_DecodeBlock's bytes and re-encodes to exactly
// the input; a refusal is a kBase64* code at an offset inside the text;
// Base64Encode equals EVP_EncodeBlock and decodes back to the data.
#include "harnesses/sasl_harness.h"

using namespace xmppfuzz;
using namespace xmppfuzz::harness;

extern "C" int LLVMFuzzerTestOneInput(const uint8_t* data, size_t size) {
  const std::string_view text(reinterpret_cast<const char*>(data), size);
  sasl::Failure f;
  const std::optional<std::string> ours = sasl::Base64Decode(text, &f);
  const std::optional<std::string> openssl = OsslUnbase64(text);
  const bool canonical = openssl && OsslBase64(*openssl) == text;
  if (ours.has_value() != canonical) {
    Fail(ours ? "accepted a text that is not a canonical encoding"
              : "refused a canonical encoding: " + sasl::Describe(f),
         text);
  }
  if (ours && (*ours != *openssl || sasl::Base64Encode(*ours) != text))
    Fail("decoded bytes differ from OpenSSL's", text);
  if (!ours) {
    const bool base64_code = f.code == sasl::Error::kBase64Length || f.code == sasl::Error::kBase64BadChar ||
                             f.code == sasl::Error::kBase64BadPadding || f.code == sasl::Error::kBase64NonCanonical;
    if (!base64_code || f.offset >= text.size())
      Fail("refusal " + sasl::Describe(f) + " is not a base64 code inside the text", text);
  }
  const std::string encoded = sasl::Base64Encode(text);
  if (encoded != OsslBase64(text)) Fail("Base64Encode differs from EVP_EncodeBlock", text);
  if (sasl::Base64Decode(encoded) != std::string(text)) Fail("Base64Decode(Base64Encode(x)) != x", text);
  return 0;
}
