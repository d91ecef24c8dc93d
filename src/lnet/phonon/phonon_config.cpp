#include "lnet/phonon/phonon_config.hpp"

#include <Eigen/Eigenvalues>
#include <cmath>
#include <filesystem>
#include <functional>

#include "lnet/core/elements.hpp"
#include "lnet/core/error.hpp"
#include "lnet/util/atomic_file.hpp"
#include "lnet/util/yaml_section.hpp"

namespace lnet {
namespace {

// A key given as `none` / `false` switches a section off.
bool switched_off(const YamlSection& s, const std::string& key) {
  const YAML::Node n = s.node()[key];
  if (!n || !n.IsScalar()) return false;
  const std::string v = n.Scalar();
  return v == "none" || v == "false" || v == "off";
}

// Numbers of a flat or nested list (`[2, 2, 2]`, `[[1, 0, 0], [0, 1, 0], ...]`), flattened.
std::vector<double> numbers(const YamlSection& s, const std::string& key) {
  std::vector<double> out;
  std::function<void(const YAML::Node&)> walk = [&](const YAML::Node& n) {
    if (n.IsSequence()) {
      for (const auto& e : n) walk(e);
      return;
    }
    try {
      out.push_back(n.as<double>());
    } catch (const YAML::Exception&) {
      throw s.error(key, "expected numbers, got '" +
                             (n.IsScalar() ? n.Scalar() : std::string("a mapping")) + "'");
    }
  };
  const YAML::Node n = s.node()[key];
  if (!n || n.IsNull()) throw s.error(key, "has no value");
  walk(n);
  return out;
}

Vec3 vector3(const YamlSection& s, const std::string& key) {
  const auto v = numbers(s, key);
  if (v.size() != 3) throw s.error(key, "expected 3 numbers");
  const Vec3 out(v[0], v[1], v[2]);
  if (!out.allFinite()) throw s.error(key, "must be finite");
  return out;
}

Mat3 tensor(const YamlSection& s, const std::string& key) {
  const auto v = numbers(s, key);
  Mat3 m = Mat3::Zero();
  if (v.size() == 1)
    m = v[0] * Mat3::Identity();
  else if (v.size() == 3)
    m = Vec3(v[0], v[1], v[2]).asDiagonal();
  else if (v.size() == 9)
    for (int i = 0; i < 9; ++i) m(i / 3, i % 3) = v[i];
  else
    throw s.error(key, "expected 1 (isotropic), 3 (diagonal) or 9 (row-major) numbers, got " +
                           std::to_string(v.size()));
  return m;
}

void read_supercell(const YamlSection& s, PhononConfig& c) {
  s.check_keys({"matrix", "min_length"});
  if (s.has("matrix") == s.has("min_length"))
    throw InputError(s.where(), "supercell: give exactly one of matrix and min_length");
  if (s.has("matrix")) {
    c.supercell_matrix =
        supercell_matrix_from_numbers(numbers(s, "matrix"), s.where() + ": supercell.matrix");
    if (c.supercell_matrix->determinant() == 0)
      throw s.error("matrix",
                    "singular (det = 0): the supercell does not contain the primitive cell");
  } else {
    c.min_length = s.required<double>("min_length");
    if (!(*c.min_length > 0) || *c.min_length > 200)
      throw s.error("min_length", "must be in (0, 200] Å");
  }
}

void read_nac(const YamlSection& s, PhononConfig& c, const std::string& dir) {
  s.check_keys({"method", "epsilon_inf", "born", "born_asr"});
  const std::string method = s.get("method", std::string("gonze"));
  if (method == "gonze")
    c.nac = NacMethod::gonze;
  else if (method == "wang")
    c.nac = NacMethod::wang;
  else if (method == "none")
    c.nac = NacMethod::none;
  else
    throw s.error("method", "expected gonze, wang or none, got '" + method + "'");
  if (s.has("epsilon_inf")) {
    c.epsilon_inf = tensor(s, "epsilon_inf");
    if (!c.epsilon_inf->allFinite()) throw s.error("epsilon_inf", "must be finite");
    if ((*c.epsilon_inf - c.epsilon_inf->transpose()).cwiseAbs().maxCoeff() > 1e-6)
      throw s.error("epsilon_inf", "must be symmetric");
    if (!(Eigen::SelfAdjointEigenSolver<Mat3>(*c.epsilon_inf).eigenvalues().minCoeff() >= 1))
      throw s.error("epsilon_inf", "eigenvalues must be >= 1 (a dielectric screens, ε∞ >= 1)");
  }
  const std::string born = s.get("born", std::string("model"));
  c.born = born == "model" ? born : resolve_relative(dir, born);
  c.born_asr = s.get("born_asr", c.born_asr);
}

void read_path(const YamlSection& s, PhononConfig& c) {
  s.check_keys({"lattice", "labels", "points", "point_labels", "npoints"});
  c.lattice =
      lattice_kind_from_string(s.get("lattice", std::string("auto")), s.where() + ": path.lattice");
  if (s.has("labels") && s.has("points"))
    throw InputError(s.where(), "path: give labels or points, not both");
  if (s.has("labels")) {
    c.path_labels = parse_path_labels(s.required<std::string>("labels"));
    for (const auto& seg : c.path_labels)
      if (seg.size() < 2)
        throw s.error("labels", "every piece between '|' needs at least 2 labels");
  }
  if (s.has("points")) {
    const auto v = numbers(s, "points");
    if (v.size() % 3 != 0 || v.size() < 6)
      throw s.error("points", "expected a list of at least 2 q-points of 3 numbers each");
    for (std::size_t i = 0; i < v.size(); i += 3)
      c.path_points.emplace_back(v[i], v[i + 1], v[i + 2]);
    c.point_labels = s.get("point_labels", std::vector<std::string>());
    if (!c.point_labels.empty() && c.point_labels.size() != c.path_points.size())
      throw s.error("point_labels",
                    "expected one label per point (" + std::to_string(c.path_points.size()) + ")");
  }
  c.band_points = s.get("npoints", c.band_points);
  if (c.band_points < 2 || c.band_points > 10000) throw s.error("npoints", "must be in [2, 10000]");
}

void read_dos(const YamlSection& s, PhononConfig& c) {
  s.check_keys({"mesh", "sigma", "points"});
  if (s.has("mesh")) {
    const auto v = numbers(s, "mesh");
    if (v.size() != 3 && v.size() != 1) throw s.error("mesh", "expected 1 or 3 integers");
    for (int i = 0; i < 3; ++i) {
      const double x = v[v.size() == 1 ? 0 : i];
      if (x < 1 || x > 200 || x != std::round(x))
        throw s.error("mesh", "entries must be integers in [1, 200]");
      c.dos_mesh[i] = int(x);
    }
  }
  c.dos_sigma = s.get("sigma", c.dos_sigma);
  if (!(c.dos_sigma > 0) || c.dos_sigma > 10) throw s.error("sigma", "must be in (0, 10] THz");
  c.dos_points = s.get("points", c.dos_points);
  if (c.dos_points < 10 || c.dos_points > 100000)
    throw s.error("points", "must be in [10, 100000]");
}

void read_output(const YamlSection& s, PhononConfig& c, const std::string& dir) {
  s.check_keys({"dir", "plot", "phonopy"});
  c.output_dir = resolve_relative(dir, s.get("dir", c.output_dir));
  c.plot = s.get("plot", c.plot);
  c.phonopy_files = s.get("phonopy", c.phonopy_files);
}

}  // namespace

PhononConfig parse_phonon_config(const std::string& yaml_text, const std::string& name) {
  const YamlSection top = YamlSection::load_string(yaml_text, name);
  top.check_keys({"model", "structure", "frame", "supercell", "displacement", "hessian_check",
                  "hessian_max_atoms", "acoustic_sum_rule", "max_force_warning", "masses",
                  "symprec", "min_distance", "electrostatics", "nac", "gamma_direction",
                  "gamma_direction_cartesian", "path", "dos", "output"});
  PhononConfig c;
  c.source = name;
  const std::string dir = std::filesystem::path(name).parent_path().string();
  c.model = resolve_relative(dir, top.get("model", std::string()));
  c.structure = resolve_relative(dir, top.required<std::string>("structure"));
  c.frame = top.get("frame", c.frame);
  if (!top.has("supercell")) throw InputError(name, "supercell: required (matrix or min_length)");
  read_supercell(top.section("supercell"), c);
  c.displacement = top.get("displacement", c.displacement);
  if (!(c.displacement >= 1e-4) || c.displacement > 0.2)
    throw top.error("displacement", "must be in [1e-4, 0.2] Å");
  const std::string hc = top.get("hessian_check", std::string("auto"));
  if (hc == "auto")
    c.hessian_check = HessianCheck::automatic;
  else if (hc == "true")
    c.hessian_check = HessianCheck::on;
  else if (hc == "false")
    c.hessian_check = HessianCheck::off;
  else
    throw top.error("hessian_check", "expected auto, true or false, got '" + hc + "'");
  c.hessian_max_atoms = top.get("hessian_max_atoms", c.hessian_max_atoms);
  if (c.hessian_max_atoms < 1) throw top.error("hessian_max_atoms", "must be >= 1");
  c.acoustic_sum_rule = top.get("acoustic_sum_rule", c.acoustic_sum_rule);
  c.max_force_warning = top.get("max_force_warning", c.max_force_warning);
  if (!(c.max_force_warning > 0)) throw top.error("max_force_warning", "must be positive (eV/Å)");
  c.masses = top.get("masses", c.masses);
  for (const auto& [symbol, mass] : c.masses) {
    try {
      atomic_number(symbol);
    } catch (const InputError&) {
      throw top.error("masses", "unknown element '" + symbol + "'");
    }
    if (!(mass > 0)) throw top.error("masses." + symbol, "must be a positive mass in amu");
  }
  c.symprec = top.get("symprec", c.symprec);
  if (!(c.symprec > 0) || c.symprec > 0.1) throw top.error("symprec", "must be in (0, 0.1] Å");
  c.min_distance = top.get("min_distance", c.min_distance);
  if (!(c.min_distance >= 0) || c.min_distance > 10)
    throw top.error("min_distance", "must be in [0, 10] Å (0: no check)");
  c.electrostatics = read_electrostatics_settings(top.section("electrostatics"));
  if (top.has("nac") && !switched_off(top, "nac")) read_nac(top.section("nac"), c, dir);
  if (top.has("gamma_direction")) {
    c.gamma_direction = vector3(top, "gamma_direction");
    if (c.gamma_direction.norm() == 0) throw top.error("gamma_direction", "must not be zero");
  }
  c.gamma_direction_cartesian = top.get("gamma_direction_cartesian", c.gamma_direction_cartesian);
  c.band = !switched_off(top, "path");
  if (c.band) read_path(top.section("path"), c);
  c.dos = !switched_off(top, "dos");
  if (c.dos) read_dos(top.section("dos"), c);
  read_output(top.section("output"), c, dir);
  return c;
}

PhononConfig load_phonon_config(const std::string& path) {
  return parse_phonon_config(read_file(path), path);
}

}  // namespace lnet
