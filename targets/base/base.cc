#include "targets/base/base.h"

#include <cstdio>

namespace xmppfuzz::base {

bool SpanReader::PeekU8(uint8_t* out) const {
  if (data_.empty()) return false;
  *out = data_[0];
  return true;
}

template <typename T>
bool SpanReader::GetUint(size_t n, T* out) {
  if (data_.size() < n) return false;
  uint64_t v = 0;
  for (size_t i = 0; i < n; ++i) v = (v << 8) | data_[i];
  *out = static_cast<T>(v);
  data_ = data_.subspan(n);
  offset_ += n;
  return true;
}

template bool SpanReader::GetUint<uint8_t>(size_t, uint8_t*);
template bool SpanReader::GetUint<uint16_t>(size_t, uint16_t*);
template bool SpanReader::GetUint<uint32_t>(size_t, uint32_t*);

bool SpanReader::GetBytes(size_t n, Bytes* out) {
  if (data_.size() < n) return false;
  *out = data_.first(n);
  data_ = data_.subspan(n);
  offset_ += n;
  return true;
}

bool SpanReader::GetSub(size_t n, SpanReader* out) {
  const size_t start = offset_;
  Bytes body;
  if (!GetBytes(n, &body)) return false;
  *out = SpanReader(body, start);
  return true;
}

bool SpanReader::Skip(size_t n) {
  Bytes ignored;
  return GetBytes(n, &ignored);
}

bool SpanReader::GetLengthPrefixed(size_t length_bytes, SpanReader* out) {
  SpanReader copy = *this;
  uint32_t length = 0;
  if (!copy.GetUint(length_bytes, &length) || !copy.GetSub(length, out)) return false;
  *this = copy;
  return true;
}

void SpanWriter::AddUint(uint64_t v, size_t n) {
  for (size_t i = n; i-- > 0;) out_->push_back(static_cast<uint8_t>(v >> (8 * i)));
}

bool SpanWriter::AddLengthPrefixed(size_t length_bytes, const BodyWriter& body) {
  const size_t prefix_at = out_->size();
  AddUint(0, length_bytes);
  const size_t body_at = out_->size();
  const uint64_t max = (uint64_t{1} << (8 * length_bytes)) - 1;
  if (!body(*this) || out_->size() - body_at > max) {
    out_->resize(prefix_at);
    return false;
  }
  const uint64_t length = out_->size() - body_at;
  for (size_t i = 0; i < length_bytes; ++i) {
    (*out_)[prefix_at + i] = static_cast<uint8_t>(length >> (8 * (length_bytes - 1 - i)));
  }
  return true;
}

size_t FirstInvalidUtf8(std::string_view s) {
  uint32_t cp;
  for (size_t pos = 0; pos < s.size();) {
    const size_t length = DecodeUtf8(s, pos, &cp);
    if (length == 0) return pos;
    pos += length;
  }
  return std::string_view::npos;
}

void AppendUtf8(std::string& out, uint32_t cp) {
  if (cp < 0x80) {
    out += static_cast<char>(cp);
    return;
  }
  if (cp < 0x800) {
    out += static_cast<char>(0xC0 | (cp >> 6));
  } else if (cp < 0x10000) {
    out += static_cast<char>(0xE0 | (cp >> 12));
    out += static_cast<char>(0x80 | ((cp >> 6) & 0x3F));
  } else {
    out += static_cast<char>(0xF0 | (cp >> 18));
    out += static_cast<char>(0x80 | ((cp >> 12) & 0x3F));
    out += static_cast<char>(0x80 | ((cp >> 6) & 0x3F));
  }
  out += static_cast<char>(0x80 | (cp & 0x3F));
}

namespace {

void AppendEscaped(std::string_view part, std::string* out) {
  static constexpr char kHex[] = "0123456789ABCDEF";
  for (unsigned char c : part) {
    if (c >= 0x20 && c < 0x7F && c != '\\') {
      *out += static_cast<char>(c);
    } else {
      *out += "\\x";
      *out += kHex[c >> 4];
      *out += kHex[c & 15];
    }
  }
}

}  // namespace

std::string EscapeBytes(std::string_view bytes, size_t max) {
  std::string out;
  if (bytes.size() <= max) {
    AppendEscaped(bytes, &out);
    return out;
  }
  AppendEscaped(bytes.substr(0, max / 2), &out);
  out += "...(" + std::to_string(bytes.size()) + " bytes in all)...";
  AppendEscaped(bytes.substr(bytes.size() - max / 2), &out);
  return out;
}

std::vector<size_t> SplitLengths(uint64_t seed, size_t total, size_t small_max, size_t large_max) {
  ChunkSplitter splitter(seed, small_max, large_max);
  std::vector<size_t> lengths;
  for (size_t covered = 0; covered < total;) {
    lengths.push_back(splitter.Next());
    covered += lengths.back();
  }
  return lengths;
}

}  // namespace xmppfuzz::base
