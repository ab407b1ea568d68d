#include "notify/openpgp.hpp"

#include <gpgme.h>
#include <stdlib.h>
#include <sys/stat.h>

#include <filesystem>
#include <mutex>
#include <vector>

namespace liaison::notify {
namespace {

// GPGME requires gpgme_check_version once before any other call.
bool InitGpgme() {
  static const bool ok = [] {
    if (gpgme_check_version(nullptr) == nullptr) return false;
    return gpgme_engine_check_version(GPGME_PROTOCOL_OpenPGP) == GPG_ERR_NO_ERROR;
  }();
  return ok;
}

std::string GpgError(gpgme_error_t err) {
  char buffer[256];
  gpgme_strerror_r(err, buffer, sizeof buffer);
  return buffer;
}

// Owns a gpgme_ctx_t set to OpenPGP, ASCII armour, and `home` as the keyring.
class Context {
 public:
  ~Context() {
    if (ctx_) gpgme_release(ctx_);
  }
  gpgme_error_t Init(const std::string& home) {
    gpgme_error_t err = gpgme_new(&ctx_);
    if (err) return err;
    err = gpgme_set_protocol(ctx_, GPGME_PROTOCOL_OpenPGP);
    if (err) return err;
    err = gpgme_ctx_set_engine_info(ctx_, GPGME_PROTOCOL_OpenPGP, nullptr, home.c_str());
    if (err) return err;
    gpgme_set_armor(ctx_, 1);
    return GPG_ERR_NO_ERROR;
  }
  gpgme_ctx_t get() const { return ctx_; }

 private:
  gpgme_ctx_t ctx_ = nullptr;
};

// Owns a gpgme_data_t.
class Data {
 public:
  ~Data() {
    if (data_) gpgme_data_release(data_);
  }
  gpgme_data_t* out() { return &data_; }
  gpgme_data_t get() const { return data_; }

 private:
  gpgme_data_t data_ = nullptr;
};

}  // namespace

Result<std::unique_ptr<OpenPgpEncryptor>> OpenPgpEncryptor::Create(const std::string& gnupg_home) {
  if (!InitGpgme()) return Error::Unavailable("GPGME cannot find a usable gpg engine");
  if (!gnupg_home.empty()) {
    std::error_code ec;
    std::filesystem::create_directories(gnupg_home, ec);
    ::chmod(gnupg_home.c_str(), 0700);
    return std::unique_ptr<OpenPgpEncryptor>(new OpenPgpEncryptor(gnupg_home, false));
  }
  std::string pattern = (std::filesystem::temp_directory_path() / "liaison-gnupg-XXXXXX").string();
  std::vector<char> buffer(pattern.begin(), pattern.end());
  buffer.push_back('\0');
  if (::mkdtemp(buffer.data()) == nullptr) {
    return Error::Unavailable("cannot create a temporary GnuPG home directory");
  }
  return std::unique_ptr<OpenPgpEncryptor>(new OpenPgpEncryptor(buffer.data(), true));
}

OpenPgpEncryptor::~OpenPgpEncryptor() {
  if (temporary_) {
    std::error_code ec;
    std::filesystem::remove_all(home_, ec);
  }
}

Result<std::string> OpenPgpEncryptor::Encrypt(std::string_view armored_public_key,
                                              std::string_view plaintext) {
  Context ctx;
  if (gpgme_error_t err = ctx.Init(home_)) {
    return Error::Unavailable("GPGME: " + GpgError(err));
  }
  Data key_data;
  if (gpgme_error_t err = gpgme_data_new_from_mem(key_data.out(), armored_public_key.data(),
                                                  armored_public_key.size(), 1)) {
    return Error::Internal("GPGME: " + GpgError(err));
  }
  if (gpgme_error_t err = gpgme_op_import(ctx.get(), key_data.get())) {
    return Error::InvalidArgument("the OpenPGP key does not import: " + GpgError(err),
                                  "openpgp_key");
  }
  gpgme_import_result_t imported = gpgme_op_import_result(ctx.get());
  if (imported == nullptr || imported->imports == nullptr || imported->imports->fpr == nullptr) {
    return Error::InvalidArgument("the OpenPGP key block holds no usable key", "openpgp_key");
  }
  // The primary key's fingerprint; GPGME chooses its encryption subkey.
  std::string fingerprint = imported->imports->fpr;
  gpgme_key_t key = nullptr;
  if (gpgme_error_t err = gpgme_get_key(ctx.get(), fingerprint.c_str(), &key, 0)) {
    return Error::InvalidArgument("the imported OpenPGP key cannot be found: " + GpgError(err),
                                  "openpgp_key");
  }
  gpgme_key_t recipients[2] = {key, nullptr};
  Data plain;
  Data cipher;
  gpgme_error_t err = gpgme_data_new_from_mem(plain.out(), plaintext.data(), plaintext.size(), 1);
  if (!err) err = gpgme_data_new(cipher.out());
  if (!err) {
    err = gpgme_op_encrypt(ctx.get(), recipients, GPGME_ENCRYPT_ALWAYS_TRUST, plain.get(),
                           cipher.get());
  }
  gpgme_key_unref(key);
  if (err) {
    return Error::InvalidArgument("cannot encrypt to the OpenPGP key: " + GpgError(err),
                                  "openpgp_key");
  }
  std::size_t size = 0;
  char* bytes = gpgme_data_release_and_get_mem(cipher.get(), &size);
  *cipher.out() = nullptr;
  std::string armored(bytes ? bytes : "", size);
  gpgme_free(bytes);
  return armored;
}

}  // namespace liaison::notify
