#include "lnet/util/output_guard.hpp"

#include <filesystem>
#include <system_error>

#include "lnet/core/error.hpp"

namespace lnet {

namespace fs = std::filesystem;

namespace {

// Whether `a` and `b` name the same file; equivalent() follows symlinks and sees hard links.
// A path that does not exist yet is compared by its weakly canonical spelling, so that
// `dir/../in.xyz` or a dangling link still match.
bool same_file(const std::string& a, const std::string& b) {
  std::error_code ec;
  if (fs::exists(a, ec) && fs::exists(b, ec)) return fs::equivalent(a, b, ec) && !ec;
  const fs::path ca = fs::weakly_canonical(a, ec);
  if (ec) return false;
  const fs::path cb = fs::weakly_canonical(b, ec);
  return !ec && ca == cb;
}

}  // namespace

void OutputGuard::check(const std::string& output) const {
  for (const std::string& input : inputs)
    if (same_file(output, input))
      throw InputError(output, "refusing to write here: it is the input file " + input +
                                   " of this run, which would be destroyed; choose another " +
                                   flag);
  std::error_code ec;
  if (!force && (fs::exists(output, ec) || fs::is_symlink(output, ec)))
    throw InputError(output, "exists (from an earlier run?) and would be overwritten; pass " +
                                 force_flag + " to replace it or choose another " + flag);
}

void OutputGuard::check(const std::vector<std::string>& outputs) const {
  for (const std::string& out : outputs) check(out);
}

}  // namespace lnet
