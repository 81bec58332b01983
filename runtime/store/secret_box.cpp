// SecretBox: see secret_box.h.
#include "runtime/store/secret_box.h"

#include <fcntl.h>
#include <sodium.h>
#include <sys/stat.h>
#include <unistd.h>

#include <cerrno>
#include <cstdio>
#include <cstring>
#include <string>

namespace squall::store {
namespace {

constexpr uint8_t kSealVersion = 1;
// crypto_kdf contexts are exactly 8 bytes; the subkey ids only need to differ.
constexpr char kKdfContext[crypto_kdf_CONTEXTBYTES + 1] = "squallsk";
constexpr uint64_t kBoxSubkeyId = 1;
constexpr uint64_t kHashSubkeyId = 2;

static_assert(crypto_kdf_KEYBYTES == SecretBox::kKeyFileBytes);
static_assert(crypto_secretbox_KEYBYTES == 32);
static_assert(crypto_generichash_KEYBYTES == 32);
static_assert(crypto_generichash_BYTES == SecretBox::kHashBytes);

std::string Errno(const std::string& what, const std::filesystem::path& path) {
  return what + " " + path.string() + ": " + std::strerror(errno);
}

std::string OctalMode(mode_t mode) {
  char buffer[8];
  std::snprintf(buffer, sizeof(buffer), "%04o", static_cast<unsigned>(mode & 07777));
  return buffer;
}

bool WriteAll(int fd, const uint8_t* data, size_t size) {
  while (size > 0) {
    const ssize_t n = ::write(fd, data, size);
    if (n < 0 && errno == EINTR) continue;
    if (n <= 0) return false;
    data += n;
    size -= static_cast<size_t>(n);
  }
  return true;
}

// Creates `key_file` with a fresh key unless it exists. The key is written and synced to a
// private temporary file first and then hard-linked into place: link(2) fails with EEXIST when
// another process won the race, and a reader never sees a half-written key. O_EXCL with mode
// 0600 means the file is never readable by anyone else, whatever the umask.
bool CreateKeyFile(const std::filesystem::path& key_file, std::string* error) {
  const std::filesystem::path temp = key_file.string() + ".tmp." + std::to_string(::getpid()) +
                                     "." + std::to_string(randombytes_random());
  const int fd = ::open(temp.c_str(), O_WRONLY | O_CREAT | O_EXCL | O_CLOEXEC | O_NOFOLLOW, 0600);
  if (fd < 0) {
    *error = Errno("cannot create", temp);
    return false;
  }
  std::array<uint8_t, SecretBox::kKeyFileBytes> key;
  crypto_kdf_keygen(key.data());
  const bool written = WriteAll(fd, key.data(), key.size()) && ::fsync(fd) == 0;
  sodium_memzero(key.data(), key.size());
  if (!written) {
    *error = Errno("cannot write", temp);
    ::close(fd);
    ::unlink(temp.c_str());
    return false;
  }
  ::close(fd);
  const bool linked = ::link(temp.c_str(), key_file.c_str()) == 0;
  const int link_errno = errno;
  ::unlink(temp.c_str());
  if (!linked && link_errno != EEXIST) {
    errno = link_errno;
    *error = Errno("cannot create", key_file);
    return false;
  }
  // Make the new directory entry durable too, so a key that sealed data survives a power loss.
  const int dir = ::open(key_file.parent_path().c_str(), O_RDONLY | O_DIRECTORY | O_CLOEXEC);
  if (dir >= 0) {
    ::fsync(dir);
    ::close(dir);
  }
  return true;
}

}  // namespace

std::filesystem::path SecretBox::KeyFilePath(const std::filesystem::path& state_dir) {
  return state_dir / "secret.key";
}

SecretBox::SecretBox() = default;

SecretBox::~SecretBox() {
  sodium_memzero(box_key_.data(), box_key_.size());
  sodium_memzero(hash_key_.data(), hash_key_.size());
}

std::unique_ptr<SecretBox> SecretBox::Load(const std::filesystem::path& key_file, bool create,
                                           std::string* error) {
  if (sodium_init() < 0) {
    *error = "cannot initialise libsodium";
    return nullptr;
  }
  int fd = ::open(key_file.c_str(), O_RDONLY | O_CLOEXEC | O_NOFOLLOW);
  if (fd < 0 && errno == ENOENT && create) {
    if (!CreateKeyFile(key_file, error)) return nullptr;
    fd = ::open(key_file.c_str(), O_RDONLY | O_CLOEXEC | O_NOFOLLOW);
  }
  if (fd < 0) {
    *error = Errno("cannot open the secret key file", key_file);
    return nullptr;
  }
  struct stat st {};
  if (::fstat(fd, &st) != 0) {
    *error = Errno("cannot stat", key_file);
    ::close(fd);
    return nullptr;
  }
  if (!S_ISREG(st.st_mode)) {
    *error = key_file.string() + " is not a regular file";
    ::close(fd);
    return nullptr;
  }
  if ((st.st_mode & 077) != 0) {
    *error = key_file.string() + " has permissions " + OctalMode(st.st_mode) +
             "; the secret key must be readable by its owner only (chmod 600 " + key_file.string() +
             ")";
    ::close(fd);
    return nullptr;
  }
  if (static_cast<size_t>(st.st_size) != kKeyFileBytes) {
    *error = key_file.string() + " is " + std::to_string(st.st_size) + " bytes long, expected " +
             std::to_string(kKeyFileBytes) + " (not a squall secret key file)";
    ::close(fd);
    return nullptr;
  }
  std::array<uint8_t, kKeyFileBytes> master;
  size_t got = 0;
  while (got < master.size()) {
    const ssize_t n = ::read(fd, master.data() + got, master.size() - got);
    if (n < 0 && errno == EINTR) continue;
    if (n <= 0) break;
    got += static_cast<size_t>(n);
  }
  ::close(fd);
  if (got != master.size()) {
    sodium_memzero(master.data(), master.size());
    *error = "cannot read " + key_file.string() + ": short read";
    return nullptr;
  }
  std::unique_ptr<SecretBox> box(new SecretBox());
  crypto_kdf_derive_from_key(box->box_key_.data(), box->box_key_.size(), kBoxSubkeyId, kKdfContext,
                             master.data());
  crypto_kdf_derive_from_key(box->hash_key_.data(), box->hash_key_.size(), kHashSubkeyId,
                             kKdfContext, master.data());
  sodium_memzero(master.data(), master.size());
  return box;
}

std::string SecretBox::Seal(std::string_view plaintext) const {
  std::string sealed(1 + crypto_secretbox_NONCEBYTES + crypto_secretbox_MACBYTES + plaintext.size(),
                     '\0');
  auto* out = reinterpret_cast<uint8_t*>(sealed.data());
  out[0] = kSealVersion;
  uint8_t* nonce = out + 1;
  randombytes_buf(nonce, crypto_secretbox_NONCEBYTES);
  crypto_secretbox_easy(nonce + crypto_secretbox_NONCEBYTES,
                        reinterpret_cast<const uint8_t*>(plaintext.data()), plaintext.size(), nonce,
                        box_key_.data());
  return sealed;
}

std::optional<std::string> SecretBox::Unseal(std::string_view sealed) const {
  constexpr size_t kOverhead = 1 + crypto_secretbox_NONCEBYTES + crypto_secretbox_MACBYTES;
  if (sealed.size() < kOverhead || static_cast<uint8_t>(sealed[0]) != kSealVersion) {
    return std::nullopt;
  }
  const auto* in = reinterpret_cast<const uint8_t*>(sealed.data());
  const uint8_t* nonce = in + 1;
  const uint8_t* box = nonce + crypto_secretbox_NONCEBYTES;
  const size_t box_size = sealed.size() - 1 - crypto_secretbox_NONCEBYTES;
  std::string plaintext(box_size - crypto_secretbox_MACBYTES, '\0');
  if (crypto_secretbox_open_easy(reinterpret_cast<uint8_t*>(plaintext.data()), box, box_size, nonce,
                                 box_key_.data()) != 0) {
    return std::nullopt;
  }
  return plaintext;
}

std::array<uint8_t, SecretBox::kHashBytes> SecretBox::KeyedHash(std::string_view data) const {
  std::array<uint8_t, kHashBytes> hash{};
  crypto_generichash(hash.data(), hash.size(), reinterpret_cast<const uint8_t*>(data.data()),
                     data.size(), hash_key_.data(), hash_key_.size());
  return hash;
}

}  // namespace squall::store
