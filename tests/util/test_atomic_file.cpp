#include <gmock/gmock.h>
#include <gtest/gtest.h>
#include <sys/stat.h>
#include <unistd.h>

#include <filesystem>

#include "common/small_disk.hpp"
#include "lnet/core/error.hpp"
#include "lnet/util/atomic_file.hpp"
#include "util/temp_dir.hpp"

namespace lnet {
namespace {

using ::testing::HasSubstr;
namespace fs = std::filesystem;

TEST(AtomicFile, WritesAndReadsBackBinaryBytes) {
  testing::TempDir dir;
  const std::string path = dir.file("model.bin");
  std::string bytes = "header\n";
  bytes.push_back('\0');
  bytes += std::string(200000, 'x');  // larger than one read buffer
  write_file_atomic(path, bytes);
  EXPECT_EQ(read_file(path), bytes);
}

TEST(AtomicFile, ReplacesExistingFileAndLeavesNoTemporaries) {
  testing::TempDir dir;
  const std::string path = dir.write("ckpt.json", "old contents that are longer");
  write_file_atomic(path, "new");
  EXPECT_EQ(read_file(path), "new");
  int entries = 0;
  for (const auto& entry : fs::directory_iterator(dir.path())) {
    ++entries;
    EXPECT_EQ(entry.path().filename(), "ckpt.json");
  }
  EXPECT_EQ(entries, 1);
}

// A full disk: the error names the file and the system's reason, the previous file is kept and
// no temporary is left behind.
TEST(AtomicFile, FullDiskNamesPathAndReasonAndKeepsOldFile) {
  testing::SmallDisk disk("atomic", 64 * 1024);
  if (!disk.mounted()) GTEST_SKIP() << disk.reason();
  const std::string path = (disk.path() / "model.bin").string();
  write_file_atomic(path, "good model");
  try {
    write_file_atomic(path, std::string(256 * 1024, 'x'));
    ADD_FAILURE() << "a 256 KiB write into a 64 KiB file system succeeded";
  } catch (const Error& e) {
    EXPECT_THAT(e.what(), HasSubstr(path));
    EXPECT_THAT(e.what(), HasSubstr("No space left on device"));
  }
  EXPECT_EQ(read_file(path), "good model");
  EXPECT_EQ(disk.entries(), 1u) << "a temporary file was left behind";
}

TEST(AtomicFile, FailureNamesPathAndReasonAndKeepsOldFile) {
  if (::geteuid() == 0) GTEST_SKIP() << "root ignores directory permissions";
  testing::TempDir dir;
  fs::create_directories(dir.file("locked"));
  const std::string kept = dir.write("locked/model.bin", "good model");
  ::chmod(dir.file("locked").c_str(), 0555);
  try {
    write_file_atomic(kept, "half");
    ADD_FAILURE() << "expected an error";
  } catch (const Error& e) {
    EXPECT_THAT(e.what(), HasSubstr(kept));
    EXPECT_THAT(e.what(), HasSubstr("Permission denied"));
  }
  ::chmod(dir.file("locked").c_str(), 0755);
  EXPECT_EQ(read_file(kept), "good model");
}

// Works as root too: renaming a file over a directory fails after the temporary is written,
// so this also checks the temporary is cleaned up.
TEST(AtomicFile, RenameFailureRemovesTemporary) {
  testing::TempDir dir;
  const std::string target = dir.file("out");
  fs::create_directories(fs::path(target) / "child");
  try {
    write_file_atomic(target, "data");
    ADD_FAILURE() << "expected an error";
  } catch (const Error& e) {
    EXPECT_THAT(e.what(), HasSubstr("cannot write '" + target + "'"));
    EXPECT_THAT(e.what(), HasSubstr("Is a directory"));
  }
  int entries = 0;
  for ([[maybe_unused]] const auto& entry : fs::directory_iterator(dir.path())) ++entries;
  EXPECT_EQ(entries, 1);  // only "out" itself
}

TEST(AtomicFile, MissingDirectoryIsAnError) {
  testing::TempDir dir;
  const std::string path = dir.file("no/such/dir/model.bin");
  try {
    write_file_atomic(path, "x");
    ADD_FAILURE() << "expected an error";
  } catch (const Error& e) {
    EXPECT_THAT(e.what(), HasSubstr(path));
    EXPECT_THAT(e.what(), HasSubstr("No such file or directory"));
  }
}

TEST(ReadFile, MissingFileIsInputErrorNamingPath) {
  testing::TempDir dir;
  const std::string path = dir.file("absent.yaml");
  try {
    read_file(path);
    ADD_FAILURE() << "expected an error";
  } catch (const InputError& e) {
    EXPECT_THAT(e.what(), HasSubstr(path + ": cannot open"));
    EXPECT_THAT(e.what(), HasSubstr("No such file or directory"));
  }
}

TEST(ReadFile, DirectoryIsInputError) {
  testing::TempDir dir;
  EXPECT_THROW(read_file(dir.path().string()), InputError);
}

TEST(EnsureDirectory, CreatesNestedAndAcceptsExisting) {
  testing::TempDir dir;
  const std::string nested = dir.file("a/b/c");
  ensure_directory(nested);
  EXPECT_TRUE(fs::is_directory(nested));
  EXPECT_NO_THROW(ensure_directory(nested));
  EXPECT_NO_THROW(ensure_directory(""));
}

TEST(EnsureDirectory, ExistingFileIsAnError) {
  testing::TempDir dir;
  const std::string file = dir.write("plain", "x");
  try {
    ensure_directory(file);
    ADD_FAILURE() << "expected an error";
  } catch (const Error& e) {
    EXPECT_THAT(e.what(), HasSubstr(file));
  }
}

}  // namespace
}  // namespace lnet
