#include "lnet/learn/dft_driver.hpp"

#include <sys/wait.h>

#include <cmath>
#include <cstdlib>
#include <filesystem>

#include "lnet/core/error.hpp"
#include "lnet/io/extxyz.hpp"

namespace lnet {

namespace fs = std::filesystem;

std::string fill_template(const std::string& text, const std::map<std::string, std::string>& values,
                          const std::string& where) {
  std::string out;
  std::size_t i = 0;
  while (i < text.size()) {
    if (text[i] != '{') {
      out += text[i++];
      continue;
    }
    const std::size_t close = text.find('}', i);
    if (close == std::string::npos)
      throw InputError(where, "unclosed '{' in the command template: " + text);
    const std::string name = text.substr(i + 1, close - i - 1);
    auto it = values.find(name);
    if (it == values.end()) {
      std::string known;
      for (const auto& [k, v] : values) known += (known.empty() ? "{" : ", {") + k + "}";
      throw InputError(where, "unknown placeholder {" + name +
                                  "} in the command template (known: " + known + ")");
    }
    out += it->second;
    i = close + 1;
  }
  return out;
}

void run_shell(const std::string& command, const std::string& dir) {
  // Single quotes around the folder: the shell sees it as one word whatever it holds, except a
  // single quote itself, which is closed, escaped and reopened.
  std::string quoted = "'";
  for (char ch : dir) quoted += ch == '\'' ? std::string("'\\''") : std::string(1, ch);
  quoted += "'";
  const std::string full = "cd " + quoted + " && ( " + command + " )";
  const int status = std::system(full.c_str());
  if (status == -1) throw Error("could not start a shell for: " + command);
  if (!WIFEXITED(status) || WEXITSTATUS(status) != 0) {
    const std::string how = WIFEXITED(status) ? "exit status " + std::to_string(WEXITSTATUS(status))
                                              : "killed by a signal";
    throw Error(dir + ": the command failed (" + how + "): " + command);
  }
}

Structure CommandDriver::label(const Structure& frame, const std::string& dir, bool born) {
  // Absolute: the command runs inside `dir`, where a path relative to ours would not resolve.
  const fs::path base = fs::absolute(dir);
  const std::string input = (base / "input.xyz").string();
  const std::string output = (base / "output.xyz").string();
  Structure bare;
  bare.numbers = frame.numbers;
  bare.positions = frame.positions;
  bare.cell = frame.cell;
  bare.pbc = frame.pbc;
  bare.info["born"] = born ? "1" : "0";
  write_extxyz(input, {bare});
  fs::remove(output);
  run_shell(
      fill_template(
          command_,
          {{"input", input}, {"output", output}, {"dir", dir}, {"born", born ? "1" : "0"}}, where_),
      dir);
  if (!fs::exists(output)) throw Error(dir + ": the command wrote no " + output);
  const std::vector<Structure> got = read_extxyz(output);
  if (got.empty()) throw Error(output + ": no frame");
  Structure s = got.front();
  if (s.numbers != frame.numbers) throw Error(output + ": the atoms differ from those of " + input);
  for (std::size_t i = 0; i < s.size(); ++i)
    if ((s.positions[i] - frame.positions[i]).norm() > 1e-6)
      throw Error(output + ": atom " + std::to_string(i + 1) +
                  " moved; a label must keep the frame");
  if (!s.energy || !s.forces) throw Error(output + ": no energy or forces");
  if (born && !s.bec) throw Error(output + ": Born charges (bec) were asked for, none came back");
  s.info.erase("born");
  return s;
}

}  // namespace lnet
