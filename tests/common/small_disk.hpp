// A nearly full file system for tests of write errors: a tmpfs of a few KiB mounted on a fresh
// folder (needs root or CAP_SYS_ADMIN, as in CI). Tests skip with reason() when it cannot be had.
#pragma once

#include <sys/mount.h>
#include <unistd.h>

#include <cerrno>
#include <cstring>
#include <filesystem>
#include <string>

namespace lnet::testing {

class SmallDisk {
 public:
  SmallDisk(const std::string& name, std::size_t bytes)
      : path_(std::filesystem::temp_directory_path() /
              ("lnet_small_disk_" + name + "_" + std::to_string(::getpid()))) {
    std::error_code ec;
    std::filesystem::create_directories(path_, ec);
    const std::string options = "size=" + std::to_string(bytes);
    if (::mount("tmpfs", path_.c_str(), "tmpfs", 0, options.c_str()) != 0)
      reason_ = std::string("cannot mount a small tmpfs here: ") + std::strerror(errno);
  }
  ~SmallDisk() {
    if (reason_.empty()) ::umount2(path_.c_str(), MNT_DETACH);
    std::error_code ec;
    std::filesystem::remove_all(path_, ec);
  }
  SmallDisk(const SmallDisk&) = delete;
  SmallDisk& operator=(const SmallDisk&) = delete;

  bool mounted() const { return reason_.empty(); }
  const std::string& reason() const { return reason_; }
  const std::filesystem::path& path() const { return path_; }
  // Every entry left in the folder (temporaries that should have been cleaned up).
  std::size_t entries() const {
    std::size_t n = 0;
    for ([[maybe_unused]] const auto& e : std::filesystem::directory_iterator(path_)) ++n;
    return n;
  }

 private:
  std::filesystem::path path_;
  std::string reason_;
};

}  // namespace lnet::testing
