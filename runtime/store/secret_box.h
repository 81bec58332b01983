// SecretBox: authenticated encryption of secrets at rest under the state directory's key file,
// and a keyed hash for values that must be verifiable but not recoverable (webhook API keys).
//
// The key file (`<state_dir>/secret.key`) holds 32 random bytes, the master key. It is created
// on first open with mode 0600 (written to a temporary 0600 file and hard-linked into place, so
// no reader ever sees a partial key and no other user can ever read it), and a key file that
// grants any permission to group or others is refused. Two subkeys are derived from the master
// key with crypto_kdf (BLAKE2b): one for crypto_secretbox (XSalsa20-Poly1305), one for the
// keyed BLAKE2b hash (crypto_generichash). The master key itself is not kept in memory.
//
// Sealed format: 1 version byte (1), a random 24-byte nonce, then the secretbox output (16-byte
// MAC followed by the ciphertext). A fresh nonce per Seal, so sealing the same plaintext twice
// gives different bytes.
//
// Thread safety: a SecretBox is immutable after Load; every const member may be called from any
// thread at once.
#pragma once

#include <array>
#include <cstdint>
#include <filesystem>
#include <memory>
#include <optional>
#include <string>
#include <string_view>

namespace squall::store {

class SecretBox {
 public:
  static constexpr size_t kKeyFileBytes = 32;
  static constexpr size_t kHashBytes = 32;

  // The key file of a state directory: `<state_dir>/secret.key`.
  static std::filesystem::path KeyFilePath(const std::filesystem::path& state_dir);

  // Reads `key_file`, creating it first (0600, fresh random key) when it does not exist and
  // `create` is true. Null and `*error` set when the file cannot be created or read, is not a
  // regular file of exactly 32 bytes, or has group/other permissions (the message says how to
  // fix it). Also fails when libsodium cannot initialise.
  static std::unique_ptr<SecretBox> Load(const std::filesystem::path& key_file, bool create,
                                         std::string* error);

  SecretBox(const SecretBox&) = delete;
  SecretBox& operator=(const SecretBox&) = delete;
  ~SecretBox();  // wipes the subkeys

  // Encrypts and authenticates `plaintext` (any bytes). The result is binary (store it as a
  // blob); it is plaintext.size() + 41 bytes long.
  std::string Seal(std::string_view plaintext) const;
  // The plaintext of a Seal output; nullopt when `sealed` is malformed, was sealed under another
  // key, or was modified.
  std::optional<std::string> Unseal(std::string_view sealed) const;

  // Keyed BLAKE2b-256 of `data` under the hash subkey: equal inputs give equal outputs under the
  // same key file; without the key file the hash reveals nothing and cannot be recomputed.
  std::array<uint8_t, kHashBytes> KeyedHash(std::string_view data) const;

 private:
  SecretBox();

  // crypto_secretbox_KEYBYTES and crypto_generichash_KEYBYTES are both 32.
  std::array<uint8_t, 32> box_key_{};
  std::array<uint8_t, 32> hash_key_{};
};

}  // namespace squall::store
