// Training logs as JSON Lines: one object per line, flushed on every write, so that a run
// killed mid-epoch still leaves a log that plotting scripts (and `tail -f`) can read.
#pragma once

#include <fstream>
#include <nlohmann/json.hpp>
#include <string>

namespace lnet {

class JsonlLog {
 public:
  // Opens `path`, truncating it unless `append` (resuming a run from a checkpoint).
  // lnet::Error naming the path and the reason if it cannot be opened.
  JsonlLog(const std::string& path, bool append);

  // Writes `record` as one line and flushes. NaN and infinities become null (JSON has no
  // spelling for them); invalid UTF-8 in strings is replaced rather than thrown on.
  void write(const nlohmann::json& record);

  const std::string& path() const { return path_; }

 private:
  std::string path_;
  std::ofstream out_;
};

}  // namespace lnet
