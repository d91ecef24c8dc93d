// A lock file holding the PID of the process that works in a folder: two training
// runs in one output folder would tear its log and overwrite each other's checkpoints.
#pragma once
#include <string>

namespace lnet {

class DirectoryLock {
 public:
  // Creates `<dir>/<name>` holding this process's PID. If it exists and names a live process,
  // InputError naming the folder and that PID; if the process is gone (a run killed with -9),
  // the stale lock is taken over and stale_pid() says whose it was.
  DirectoryLock(const std::string& dir, const std::string& name);
  ~DirectoryLock();  // removes the lock file if it is still ours
  DirectoryLock(const DirectoryLock&) = delete;
  DirectoryLock& operator=(const DirectoryLock&) = delete;

  long stale_pid() const { return stale_pid_; }  // 0 if none was taken over
  const std::string& path() const { return path_; }

 private:
  std::string path_;
  long stale_pid_ = 0;
};

}  // namespace lnet
