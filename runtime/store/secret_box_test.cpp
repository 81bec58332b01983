// SecretBox on real key files in a temporary directory.
#include "runtime/store/secret_box.h"

#include <gtest/gtest.h>
#include <sys/stat.h>
#include <sys/wait.h>
#include <unistd.h>

#include <cstdlib>
#include <filesystem>
#include <fstream>
#include <set>
#include <string>

namespace squall::store {
namespace {

namespace fs = std::filesystem;

class TempDir {
 public:
  TempDir() {
    std::string pattern = (fs::temp_directory_path() / "squall-secretbox-XXXXXX").string();
    path_ = ::mkdtemp(pattern.data());
  }
  ~TempDir() {
    std::error_code ec;
    fs::remove_all(path_, ec);
  }
  const fs::path& path() const { return path_; }

 private:
  fs::path path_;
};

mode_t Mode(const fs::path& path) {
  struct stat st {};
  EXPECT_EQ(::stat(path.c_str(), &st), 0) << path;
  return st.st_mode & 07777;
}

TEST(SecretBoxTest, CreatesKeyFileOwnerOnly) {
  TempDir dir;
  const fs::path key = SecretBox::KeyFilePath(dir.path());
  EXPECT_EQ(key, dir.path() / "secret.key");
  // A permissive umask must not matter: the file is created 0600.
  const mode_t old_umask = ::umask(0);
  std::string error;
  auto box = SecretBox::Load(key, /*create=*/true, &error);
  ::umask(old_umask);
  ASSERT_NE(box, nullptr) << error;
  EXPECT_EQ(Mode(key), 0600);
  EXPECT_EQ(fs::file_size(key), SecretBox::kKeyFileBytes);
  // No temporary file is left behind.
  size_t entries = 0;
  for ([[maybe_unused]] const auto& entry : fs::directory_iterator(dir.path())) ++entries;
  EXPECT_EQ(entries, 1u);
}

TEST(SecretBoxTest, MissingKeyFileWithoutCreateFails) {
  TempDir dir;
  std::string error;
  EXPECT_EQ(SecretBox::Load(dir.path() / "secret.key", false, &error), nullptr);
  EXPECT_NE(error.find("secret.key"), std::string::npos) << error;
}

TEST(SecretBoxTest, SealUnsealRoundTrip) {
  TempDir dir;
  std::string error;
  auto box = SecretBox::Load(dir.path() / "secret.key", true, &error);
  ASSERT_NE(box, nullptr) << error;
  const std::string inputs[] = {"", "x", "hunter2", std::string(100000, 'a'),
                                std::string("\0binary\xff", 8)};
  for (const std::string& plaintext : inputs) {
    const std::string sealed = box->Seal(plaintext);
    EXPECT_EQ(sealed.size(), plaintext.size() + 41);
    if (plaintext.size() >= 4) {
      EXPECT_EQ(sealed.find(plaintext), std::string::npos);
    }
    EXPECT_EQ(box->Unseal(sealed), plaintext);
  }
  // A fresh nonce each time.
  EXPECT_NE(box->Seal("same"), box->Seal("same"));
}

TEST(SecretBoxTest, TamperedOrForeignCiphertextIsRejected) {
  TempDir dir;
  std::string error;
  auto box = SecretBox::Load(dir.path() / "a.key", true, &error);
  auto other = SecretBox::Load(dir.path() / "b.key", true, &error);
  ASSERT_NE(box, nullptr);
  ASSERT_NE(other, nullptr);
  const std::string sealed = box->Seal("token=abc");
  EXPECT_EQ(other->Unseal(sealed), std::nullopt);
  for (size_t i = 0; i < sealed.size(); ++i) {
    std::string flipped = sealed;
    flipped[i] = static_cast<char>(flipped[i] ^ 0x01);
    EXPECT_EQ(box->Unseal(flipped), std::nullopt) << "byte " << i;
  }
  EXPECT_EQ(box->Unseal(""), std::nullopt);
  EXPECT_EQ(box->Unseal(sealed.substr(0, 40)), std::nullopt);
  EXPECT_EQ(box->Unseal(sealed.substr(0, sealed.size() - 1)), std::nullopt);
}

TEST(SecretBoxTest, SameKeyFileSameKeys) {
  TempDir dir;
  std::string error;
  auto first = SecretBox::Load(dir.path() / "secret.key", true, &error);
  auto second = SecretBox::Load(dir.path() / "secret.key", true, &error);
  ASSERT_NE(first, nullptr);
  ASSERT_NE(second, nullptr);
  EXPECT_EQ(second->Unseal(first->Seal("shared")), "shared");
  EXPECT_EQ(first->KeyedHash("abc"), second->KeyedHash("abc"));
  EXPECT_NE(first->KeyedHash("abc"), first->KeyedHash("abd"));
  auto other = SecretBox::Load(dir.path() / "other.key", true, &error);
  ASSERT_NE(other, nullptr);
  EXPECT_NE(first->KeyedHash("abc"), other->KeyedHash("abc"));
}

struct BadKeyFileCase {
  const char* name;
  mode_t mode;
  size_t size;
  const char* expected;  // in the error message
};

class BadKeyFileTest : public testing::TestWithParam<BadKeyFileCase> {};

TEST_P(BadKeyFileTest, IsRefusedWithAClearMessage) {
  const BadKeyFileCase& c = GetParam();
  TempDir dir;
  const fs::path key = dir.path() / "secret.key";
  {
    std::ofstream out(key, std::ios::binary);
    out << std::string(c.size, 'k');
  }
  ASSERT_EQ(::chmod(key.c_str(), c.mode), 0);
  std::string error;
  EXPECT_EQ(SecretBox::Load(key, true, &error), nullptr);
  EXPECT_NE(error.find(c.expected), std::string::npos) << error;
  // Never "repaired" behind the operator's back.
  EXPECT_EQ(Mode(key), c.mode);
}

INSTANTIATE_TEST_SUITE_P(
    Cases, BadKeyFileTest,
    testing::Values(
        BadKeyFileCase{.name = "world_readable",
                       .mode = 0644,
                       .size = 32,
                       .expected = "has permissions 0644; the secret key must be readable by its "
                                   "owner only (chmod 600"},
        BadKeyFileCase{
            .name = "group_readable", .mode = 0640, .size = 32, .expected = "has permissions 0640"},
        BadKeyFileCase{
            .name = "other_writable", .mode = 0602, .size = 32, .expected = "has permissions 0602"},
        BadKeyFileCase{.name = "too_short",
                       .mode = 0600,
                       .size = 31,
                       .expected = "is 31 bytes long, expected 32"},
        BadKeyFileCase{.name = "empty", .mode = 0600, .size = 0, .expected = "is 0 bytes long"}),
    [](const testing::TestParamInfo<BadKeyFileCase>& param_info) { return param_info.param.name; });

TEST(SecretBoxTest, DirectoryIsNotAKeyFile) {
  TempDir dir;
  const fs::path key = dir.path() / "secret.key";
  fs::create_directory(key);
  std::string error;
  EXPECT_EQ(SecretBox::Load(key, true, &error), nullptr);
  EXPECT_FALSE(error.empty());
}

TEST(SecretBoxTest, ConcurrentCreatorsAgreeOnOneKey) {
  // Several processes racing to create the key file must all end up with the same key.
  TempDir dir;
  const fs::path key = dir.path() / "secret.key";
  constexpr int kChildren = 6;
  std::string sealed_by_child[kChildren];
  int pipes[kChildren][2];
  pid_t pids[kChildren];
  for (int i = 0; i < kChildren; ++i) {
    ASSERT_EQ(::pipe(pipes[i]), 0);
    pids[i] = ::fork();
    ASSERT_GE(pids[i], 0);
    if (pids[i] == 0) {
      std::string error;
      auto box = SecretBox::Load(key, true, &error);
      if (!box) ::_exit(2);
      const std::string sealed = box->Seal("child");
      const ssize_t n = ::write(pipes[i][1], sealed.data(), sealed.size());
      ::_exit(n == static_cast<ssize_t>(sealed.size()) ? 0 : 3);
    }
    ::close(pipes[i][1]);
  }
  for (int i = 0; i < kChildren; ++i) {
    char buffer[256];
    ssize_t n;
    while ((n = ::read(pipes[i][0], buffer, sizeof(buffer))) > 0) {
      sealed_by_child[i].append(buffer, static_cast<size_t>(n));
    }
    ::close(pipes[i][0]);
    int status = 0;
    ASSERT_EQ(::waitpid(pids[i], &status, 0), pids[i]);
    ASSERT_TRUE(WIFEXITED(status) && WEXITSTATUS(status) == 0) << "child " << i;
  }
  std::string error;
  auto box = SecretBox::Load(key, false, &error);
  ASSERT_NE(box, nullptr) << error;
  for (int i = 0; i < kChildren; ++i) EXPECT_EQ(box->Unseal(sealed_by_child[i]), "child") << i;
}

}  // namespace
}  // namespace squall::store
