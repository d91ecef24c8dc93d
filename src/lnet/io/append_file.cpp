#include "lnet/io/append_file.hpp"

#include <cerrno>
#include <cstring>
#include <filesystem>

#include "lnet/core/error.hpp"

namespace lnet {

AppendFile AppendFile::create(const std::string& path) {
  AppendFile f(path, 0);
  f.out_.open(path, std::ios::binary | std::ios::trunc);
  if (!f.out_) throw Error("cannot write '" + path + "': " + std::strerror(errno));
  return f;
}

AppendFile AppendFile::resume(const std::string& path, std::uint64_t offset) {
  std::error_code ec;
  const auto size = std::filesystem::file_size(path, ec);
  if (ec) throw Error("cannot resume '" + path + "': " + ec.message());
  if (size < offset)
    throw Error("cannot resume '" + path + "': it has " + std::to_string(size) +
                " bytes, the checkpoint expects at least " + std::to_string(offset));
  std::filesystem::resize_file(path, offset, ec);
  if (ec) throw Error("cannot truncate '" + path + "': " + ec.message());
  AppendFile f(path, offset);
  f.out_.open(path, std::ios::binary | std::ios::app);
  if (!f.out_) throw Error("cannot append to '" + path + "': " + std::strerror(errno));
  return f;
}

void AppendFile::write(const std::string& text) {
  out_.write(text.data(), static_cast<std::streamsize>(text.size()));
  bytes_ += text.size();
}

void AppendFile::flush() {
  out_.flush();
  if (!out_) throw Error("cannot write '" + path_ + "': " + std::strerror(errno));
}

}  // namespace lnet
