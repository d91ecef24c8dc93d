// The output-folder lock: a second run refuses naming the folder and the PID; a stale lock of
// a dead process is taken over; the lock file goes when its owner is done.
#include <gtest/gtest.h>
#include <sys/wait.h>
#include <unistd.h>

#include <filesystem>
#include <fstream>

#include "common/error_of.hpp"
#include "lnet/util/directory_lock.hpp"
#include "temp_dir.hpp"

namespace lnet {
namespace {

TEST(DirectoryLock, SecondLockOnTheFolderRefusesNamingFolderAndPid) {
  testing::TempDir dir;
  {
    DirectoryLock first(dir.path().string(), "train.lock");
    EXPECT_EQ(first.stale_pid(), 0);
    const std::string msg =
        testing::error_of([&] { DirectoryLock second(dir.path().string(), "train.lock"); });
    EXPECT_NE(msg.find(dir.path().string()), std::string::npos) << msg;
    EXPECT_NE(msg.find("PID " + std::to_string(::getpid())), std::string::npos) << msg;
    EXPECT_TRUE(std::filesystem::exists(dir.file("train.lock")));  // the refusal left it alone
  }
  EXPECT_FALSE(std::filesystem::exists(dir.file("train.lock")));
  EXPECT_EQ(std::filesystem::directory_iterator(dir.path()), std::filesystem::directory_iterator())
      << "no temporaries left behind";
}

TEST(DirectoryLock, StaleLockOfADeadProcessIsTakenOver) {
  testing::TempDir dir;
  const pid_t child = ::fork();
  if (child == 0) ::_exit(0);
  ASSERT_GT(child, 0);
  ::waitpid(child, nullptr, 0);  // reaped: its PID names no process now
  dir.write("train.lock", std::to_string(child) + "\n");
  DirectoryLock lock(dir.path().string(), "train.lock");
  EXPECT_EQ(lock.stale_pid(), child);
  std::ifstream in(dir.file("train.lock"));
  long pid = 0;
  in >> pid;
  EXPECT_EQ(pid, ::getpid());
}

}  // namespace
}  // namespace lnet
