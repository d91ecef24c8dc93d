#include "lnet/util/directory_lock.hpp"

#include <fcntl.h>
#include <signal.h>
#include <unistd.h>

#include <cerrno>
#include <cstdio>
#include <cstring>
#include <filesystem>
#include <fstream>

#include "lnet/core/error.hpp"

namespace lnet {
namespace {

// The PID in a lock file; 0 if it cannot be read. Lock files appear complete (link() of a
// written file), so an unreadable one is not a live run's.
long read_pid(const std::string& path) {
  std::ifstream in(path);
  long pid = 0;
  return (in >> pid) ? pid : 0;
}

// kill(pid, 0) probes without signalling; EPERM means alive but another user's.
bool alive(long pid) { return pid > 0 && (::kill(pid_t(pid), 0) == 0 || errno == EPERM); }

// Writes our PID to a unique temporary next to `path`; returns its name.
std::string pid_file(const std::string& path) {
  const std::string temp = path + ".tmp." + std::to_string(::getpid());
  std::ofstream out(temp, std::ios::trunc);
  out << ::getpid() << "\n";
  out.close();
  if (!out) throw Error("cannot write lock file '" + temp + "': " + std::strerror(errno));
  return temp;
}

}  // namespace

DirectoryLock::DirectoryLock(const std::string& dir, const std::string& name)
    : path_((std::filesystem::path(dir) / name).string()) {
  const std::string temp = pid_file(path_);
  // link() is atomic and fails if the lock exists, so of two starting runs exactly one wins.
  for (int attempt = 0; attempt < 3; ++attempt) {
    if (::link(temp.c_str(), path_.c_str()) == 0) break;
    const int err = errno;
    if (err != EEXIST) {
      ::unlink(temp.c_str());
      throw Error("cannot create lock file '" + path_ + "': " + std::strerror(err));
    }
    const long owner = read_pid(path_);
    if (alive(owner)) {
      ::unlink(temp.c_str());
      throw InputError(dir, "another lnet run (PID " + std::to_string(owner) +
                                ") is using this output folder (lock file " + path_ +
                                "); wait for it to finish or choose another output folder");
    }
    stale_pid_ = owner;
    ::unlink(path_.c_str());  // the owner is dead: retry
  }
  ::unlink(temp.c_str());
  // Two runs taking over the same stale lock at once: the one whose PID is not there refuses.
  const long owner = read_pid(path_);
  if (owner != ::getpid())
    throw InputError(dir, "another lnet run (PID " + std::to_string(owner) +
                              ") took this output folder's lock " + path_);
}

DirectoryLock::~DirectoryLock() {
  if (read_pid(path_) == ::getpid()) ::unlink(path_.c_str());
}

}  // namespace lnet
