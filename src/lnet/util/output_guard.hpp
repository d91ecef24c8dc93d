// Outputs must never destroy a user's data: no command writes over a file it reads
// in the same run, and an existing output (from an earlier run) is replaced only on request.
#pragma once
#include <string>
#include <vector>

namespace lnet {

// What a command reads and what it is about to write; check() throws lnet::InputError before
// anything is written:
//  - an output that is the same file as an input (also through symlinks or hard links, or
//    spelled differently) is refused whatever `force` says, naming both paths and `flag`;
//  - an output that already exists is refused unless `force`, naming the path and
//    `force_flag`.
struct OutputGuard {
  std::vector<std::string> inputs;
  std::string flag = "-o/--output";    // the option that chooses the outputs
  std::string force_flag = "--force";  // the option that allows replacing old outputs
  bool force = false;

  void check(const std::string& output) const;
  void check(const std::vector<std::string>& outputs) const;
};

}  // namespace lnet
