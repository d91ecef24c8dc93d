#include "lnet/util/jsonl_log.hpp"

#include <cerrno>
#include <cstring>

#include "lnet/core/error.hpp"

namespace lnet {

JsonlLog::JsonlLog(const std::string& path, bool append)
    : path_(path), out_(path, append ? std::ios::app : std::ios::trunc) {
  if (!out_) throw Error("cannot open log '" + path + "': " + std::strerror(errno));
}

void JsonlLog::write(const nlohmann::json& record) {
  out_ << record.dump(-1, ' ', false, nlohmann::json::error_handler_t::replace) << '\n';
  out_.flush();
  if (!out_) throw Error("cannot write log '" + path_ + "': " + std::strerror(errno));
}

}  // namespace lnet
