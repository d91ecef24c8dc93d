// Labelling for active learning: a DftDriver turns one unlabelled frame into a labelled one by
// running an external program in a folder of its own. Drivers: CommandDriver (any program that
// reads and writes extxyz; the tests' analytic teacher) and QeDriver (qe_driver.hpp).
#pragma once
#include <map>
#include <string>

#include "lnet/core/structure.hpp"

namespace lnet {

class DftDriver {
 public:
  virtual ~DftDriver() = default;
  // Labels `frame` (energy and forces, stress where the method gives it; with `born` also Born
  // charges and epsilon_inf) working in the existing folder `dir`. Returns the frame with its
  // labels. Throws lnet::Error naming the folder, the command and what went wrong.
  virtual Structure label(const Structure& frame, const std::string& dir, bool born) = 0;
};

// `text` with every "{name}" of `values` replaced; InputError naming `where` for a "{...}" that
// is not one of them (a typo in a command template must not reach the shell).
std::string fill_template(const std::string& text, const std::map<std::string, std::string>& values,
                          const std::string& where);

// Runs `command` through /bin/sh in folder `dir`; lnet::Error naming the command, the folder
// and the exit status when it fails.
void run_shell(const std::string& command, const std::string& dir);

// Writes <dir>/input.xyz (the frame, no labels; `born=1` in its info when Born charges are
// wanted), runs the command template with {input}, {output} (<dir>/output.xyz), {dir} and
// {born} (1 or 0), and reads the first frame of the output, which must have the frame's atoms
// in order and an energy and forces (and bec with born).
class CommandDriver : public DftDriver {
 public:
  CommandDriver(std::string command, std::string where)
      : command_(std::move(command)), where_(std::move(where)) {}
  Structure label(const Structure& frame, const std::string& dir, bool born) override;

 private:
  std::string command_, where_;
};

}  // namespace lnet
