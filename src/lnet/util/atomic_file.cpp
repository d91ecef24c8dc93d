#include "lnet/util/atomic_file.hpp"

#include <fcntl.h>
#include <sys/stat.h>
#include <unistd.h>

#include <atomic>
#include <cerrno>
#include <cstring>
#include <filesystem>
#include <system_error>

#include "lnet/core/error.hpp"

namespace lnet {
namespace {

std::string reason(int err) { return std::strerror(err); }

// Closes a descriptor on scope exit unless released.
struct Fd {
  int fd = -1;
  ~Fd() {
    if (fd >= 0) ::close(fd);
  }
};

// Unique per process and call, so that concurrent writers (threads or processes) of the same
// path never share a temporary.
std::string temp_name(const std::string& path) {
  static std::atomic<unsigned long> counter{0};
  return path + ".tmp." + std::to_string(::getpid()) + "." + std::to_string(counter++);
}

// 0 on success, else errno.
int write_all(int fd, const std::string& bytes) {
  const char* data = bytes.data();
  std::size_t left = bytes.size();
  while (left > 0) {
    const ssize_t n = ::write(fd, data, left);
    if (n < 0) {
      if (errno == EINTR) continue;
      return errno;
    }
    data += n;
    left -= static_cast<std::size_t>(n);
  }
  return 0;
}

// Writes, syncs and closes `file`, then renames `temp` to `path`. 0 on success, else errno.
int write_sync_rename(Fd& file, const std::string& bytes, const std::string& temp,
                      const std::string& path) {
  if (const int err = write_all(file.fd, bytes)) return err;
  // fsync before rename: otherwise a crash can leave the new name pointing at empty data.
  if (::fsync(file.fd) != 0) return errno;
  const int fd = file.fd;
  file.fd = -1;
  if (::close(fd) != 0) return errno;  // NFS reports write errors only here
  if (::rename(temp.c_str(), path.c_str()) != 0) return errno;
  return 0;
}

}  // namespace

void write_file_atomic(const std::string& path, const std::string& bytes) {
  const std::string temp = temp_name(path);
  Fd file;
  file.fd = ::open(temp.c_str(), O_WRONLY | O_CREAT | O_EXCL | O_CLOEXEC, 0666);
  if (file.fd < 0) {
    throw Error("cannot write '" + path + "': cannot create temporary file '" + temp +
                "': " + reason(errno));
  }
  if (const int err = write_sync_rename(file, bytes, temp, path)) {
    ::unlink(temp.c_str());
    throw Error("cannot write '" + path + "': " + reason(err));
  }
  // Make the rename itself durable; best effort, the data is already safe under some name.
  std::string dir = std::filesystem::path(path).parent_path().string();
  if (dir.empty()) dir = ".";
  Fd dir_fd;
  dir_fd.fd = ::open(dir.c_str(), O_RDONLY | O_DIRECTORY | O_CLOEXEC);
  if (dir_fd.fd >= 0) ::fsync(dir_fd.fd);
}

std::string read_file(const std::string& path) {
  Fd file;
  file.fd = ::open(path.c_str(), O_RDONLY | O_CLOEXEC);
  if (file.fd < 0) throw InputError(path, "cannot open: " + reason(errno));
  struct stat info {};
  if (::fstat(file.fd, &info) == 0 && S_ISDIR(info.st_mode)) {
    throw InputError(path, "cannot read: it is a directory");
  }
  std::string out;
  if (info.st_size > 0) out.reserve(static_cast<std::size_t>(info.st_size));
  char buffer[1 << 16];
  for (;;) {
    const ssize_t n = ::read(file.fd, buffer, sizeof buffer);
    if (n == 0) break;
    if (n < 0) {
      if (errno == EINTR) continue;
      throw InputError(path, "cannot read: " + reason(errno));
    }
    out.append(buffer, static_cast<std::size_t>(n));
  }
  return out;
}

void ensure_directory(const std::string& dir) {
  if (dir.empty()) return;
  std::error_code ec;
  std::filesystem::create_directories(dir, ec);
  if (ec) throw Error("cannot create directory '" + dir + "': " + ec.message());
  if (!std::filesystem::is_directory(dir, ec)) {
    throw Error("cannot create directory '" + dir + "': a file of that name exists");
  }
}

}  // namespace lnet
