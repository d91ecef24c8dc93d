// Exceptions carrying context (file, line, field, value). The CLI prints what() and exits 1.
#pragma once
#include <stdexcept>
#include <string>

namespace lnet {

class Error : public std::runtime_error {
 public:
  using std::runtime_error::runtime_error;
};

// An error in user input: `where` names the file and line or the config field.
class InputError : public Error {
 public:
  InputError(const std::string& where, const std::string& what)
      : Error(where.empty() ? what : where + ": " + what) {}
};

}  // namespace lnet
