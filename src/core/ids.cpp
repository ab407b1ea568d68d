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
  return Base64UrlEncode(raw);
}

std::string Base64UrlEncode(std::string_view data) {
  constexpr int kVariant = sodium_base64_VARIANT_URLSAFE_NO_PADDING;
  std::string out(sodium_base64_ENCODED_LEN(data.size(), kVariant), '\0');
  sodium_bin2base64(out.data(), out.size(), reinterpret_cast<const unsigned char*>(data.data()),
                    data.size(), kVariant);
  out.resize(std::char_traits<char>::length(out.c_str()));
  return out;
}

std::optional<std::string> Base64UrlDecode(std::string_view text) {
  std::string out(text.size() * 3 / 4 + 1, '\0');
  std::size_t length = 0;
  const char* end = nullptr;
  if (sodium_base642bin(reinterpret_cast<unsigned char*>(out.data()), out.size(), text.data(),
                        text.size(), nullptr, &length, &end,
                        sodium_base64_VARIANT_URLSAFE_NO_PADDING) != 0 ||
      end != text.data() + text.size()) {
    return std::nullopt;
  }
  out.resize(length);
  // Two texts must not decode to the same bytes, or a signed value could be re-spelt.
  if (Base64UrlEncode(out) != text) return std::nullopt;
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
