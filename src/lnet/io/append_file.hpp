// An output file that grows by appending and can be cut back to a size recorded in a
// checkpoint, so that a resumed run continues the files exactly where the checkpoint was taken
// (the byte-identical restart of lnet md).
#pragma once
#include <cstdint>
#include <fstream>
#include <string>

namespace lnet {

class AppendFile {
 public:
  // Creates (truncates) `path`. lnet::Error if it cannot be opened.
  static AppendFile create(const std::string& path);
  // Truncates `path` to `offset` bytes and appends after it. lnet::Error if it is missing or
  // shorter than `offset` (it does not belong to the checkpoint).
  static AppendFile resume(const std::string& path, std::uint64_t offset);

  void write(const std::string& text);
  void flush();
  std::uint64_t bytes() const { return bytes_; }  // the file size once flushed
  const std::string& path() const { return path_; }

 private:
  AppendFile(std::string path, std::uint64_t bytes) : path_(std::move(path)), bytes_(bytes) {}
  std::string path_;
  std::ofstream out_;
  std::uint64_t bytes_ = 0;
};

}  // namespace lnet
