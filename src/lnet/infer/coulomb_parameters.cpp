#include "lnet/infer/coulomb_parameters.hpp"

#include <algorithm>
#include <cctype>
#include <sstream>

#include "lnet/core/error.hpp"
#include "lnet/infer/coulomb_solvers.hpp"

namespace lnet::infer {

std::string method_name(CoulombMethod m) {
  return m == CoulombMethod::Auto ? "auto" : coulomb_solver(m).name;
}

CoulombMethod parse_method(const std::string& text) {
  std::string t = text;
  std::transform(t.begin(), t.end(), t.begin(), [](unsigned char c) { return std::tolower(c); });
  if (t == "auto") return CoulombMethod::Auto;
  std::string names = "auto";
  for (const CoulombSolver& s : coulomb_solvers()) {
    if (t == s.name) return s.method;
    names += std::string(", ") + s.name;
  }
  throw InputError("--method", "unknown electrostatics method '" + text + "' (" + names + ")");
}

void check_settings(const CoulombSettings& s) {
  if (!(s.accuracy > 0 && s.accuracy < 1))
    throw InputError(s.accuracy_setting, "must be in (0, 1), got " + std::to_string(s.accuracy));
  if (s.pme_order < 4 || s.pme_order > 6)
    throw InputError("electrostatics.pme_order",
                     "must be 4, 5 or 6, got " + std::to_string(s.pme_order));
  if (s.alpha && *s.alpha <= 0) throw InputError("electrostatics.alpha", "must be > 0");
  if (s.real_cutoff && *s.real_cutoff <= 0)
    throw InputError("electrostatics.real_cutoff", "must be > 0");
  for (const auto* grid : {&s.kmax, &s.mesh})
    if (*grid && std::any_of((*grid)->begin(), (*grid)->end(), [](int k) { return k < 1; }))
      throw InputError("electrostatics", "kmax and mesh entries must be >= 1");
}

std::string CoulombParameters::describe() const {
  std::ostringstream os;
  os << "method=" << method_name(method);
  if (method == CoulombMethod::Auto) return os.str();
  const CoulombSolver& s = coulomb_solver(method);
  if (s.periodic) {
    os << " alpha=" << alpha << " 1/A real_cutoff=" << real_cutoff << " A";
    s.describe_grid(*this, os);
  }
  return os.str();
}

}  // namespace lnet::infer
