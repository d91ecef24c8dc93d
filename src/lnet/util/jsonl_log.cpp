#include "lnet/util/jsonl_log.hpp"

#include <cerrno>
#include <cstring>

#include "lnet/core/error.hpp"
#include "lnet/util/atomic_file.hpp"

namespace lnet {

namespace {
std::string line(const nlohmann::json& record) {
  return record.dump(-1, ' ', false, nlohmann::json::error_handler_t::replace) + '\n';
}
}  // namespace

JsonlLog::JsonlLog(const std::string& path, const std::vector<nlohmann::json>& history)
    : path_(path) {
  std::string text;
  for (const auto& row : history) text += line(row);
  try {
    write_file_atomic(path, text);
  } catch (const std::exception& e) {
    throw Error("cannot write log '" + path + "': " + e.what());
  }
  out_.open(path, std::ios::app);
  if (!out_) throw Error("cannot open log '" + path + "': " + std::strerror(errno));
}

void JsonlLog::write(const nlohmann::json& record) {
  out_ << line(record);
  out_.flush();
  if (!out_) throw Error("cannot write log '" + path_ + "': " + std::strerror(errno));
}

}  // namespace lnet
