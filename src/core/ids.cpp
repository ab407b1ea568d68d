#include "core/ids.hpp"

#include <sodium.h>

#include "core/result.hpp"

namespace liaison {
namespace {

void EnsureSodium() {
  static const int init = sodium_init();
  LIAISON_CHECK(init >= 0);
}

}  // namespace

std::string NewId(std::string_view prefix) {
  EnsureSodium();
  static constexpr char kAlphabet[] = "abcdefghijklmnopqrstuvwxyz234567";
  unsigned char raw[17];
  randombytes_buf(raw, sizeof raw);
  std::string id(prefix);
  id.push_back('_');
  // 26 characters of 5 bits each carry 130 bits; the top two come from the spare byte.
  unsigned long long acc = 0;
  int bits = 0;
  std::size_t i = 0;
  while (id.size() < prefix.size() + 1 + 26) {
    if (bits < 5) {
      acc = (acc << 8) | raw[i++ % sizeof raw];
      bits += 8;
    }
    id.push_back(kAlphabet[(acc >> (bits - 5)) & 31]);
    bits -= 5;
  }
  return id;
}

std::string RandomHex(std::size_t bytes) {
  EnsureSodium();
  std::string raw(bytes, '\0');
  randombytes_buf(raw.data(), raw.size());
  return ToHex(raw);
}

std::string RandomToken(std::size_t bytes) {
  EnsureSodium();
  std::string raw(bytes, '\0');
  randombytes_buf(raw.data(), raw.size());
  std::string out(sodium_base64_ENCODED_LEN(bytes, sodium_base64_VARIANT_URLSAFE_NO_PADDING), '\0');
  sodium_bin2base64(out.data(), out.size(), reinterpret_cast<const unsigned char*>(raw.data()),
                    raw.size(), sodium_base64_VARIANT_URLSAFE_NO_PADDING);
  out.resize(std::char_traits<char>::length(out.c_str()));
  return out;
}

std::string ToHex(std::string_view data) {
  std::string out(data.size() * 2 + 1, '\0');
  sodium_bin2hex(out.data(), out.size(), reinterpret_cast<const unsigned char*>(data.data()),
                 data.size());
  out.pop_back();
  return out;
}

bool ConstantTimeEquals(std::string_view a, std::string_view b) {
  if (a.size() != b.size()) return false;
  return sodium_memcmp(a.data(), b.data(), a.size()) == 0;
}

}  // namespace liaison
