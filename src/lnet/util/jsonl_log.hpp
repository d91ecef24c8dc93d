// Training logs as JSON Lines: one object per line, flushed on every write, so that a run
// killed mid-epoch still leaves a log that plotting scripts (and `tail -f`) can read.
#pragma once

#include <fstream>
#include <nlohmann/json.hpp>
#include <string>
#include <vector>

namespace lnet {

class JsonlLog {
 public:
  // Starts `path` afresh with the rows `history` (atomically), then appends. A resumed run passes
  // its checkpoint's history, so rows logged after that checkpoint (by a run killed before its
  // next checkpoint) are dropped instead of appearing twice. lnet::Error naming the path and the
  // reason if it cannot be written.
  explicit JsonlLog(const std::string& path, const std::vector<nlohmann::json>& history = {});

  // Writes `record` as one line and flushes. NaN and infinities become null (JSON has no
  // spelling for them); invalid UTF-8 in strings is replaced rather than thrown on.
  void write(const nlohmann::json& record);

  const std::string& path() const { return path_; }

 private:
  std::string path_;
  std::ofstream out_;
};

}  // namespace lnet
