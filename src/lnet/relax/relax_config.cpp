#include <cmath>
#include <filesystem>

#include "lnet/core/atom_checks.hpp"
#include "lnet/core/error.hpp"
#include "lnet/io/extxyz.hpp"
#include "lnet/relax/relax.hpp"
#include "lnet/util/atomic_file.hpp"
#include "lnet/util/yaml_section.hpp"

namespace lnet {
namespace {

void read_cell(const YamlSection& s, RelaxConfig& c) {
  s.check_keys({"relax", "pressure", "stress", "mode"});
  c.relax_cell = s.get("relax", false);
  if (!c.relax_cell) {
    for (const char* k : {"pressure", "stress", "mode"})
      if (s.has(k)) throw s.error(k, "only used with cell.relax: true");
    return;
  }
  if (s.has("pressure") && s.has("stress"))
    throw InputError(s.where(), "cell: give pressure or stress, not both");
  const std::string mode = s.get("mode", std::string("full"));
  if (mode == "full")
    c.cell_mode = CellMode::full;
  else if (mode == "isotropic")
    c.cell_mode = CellMode::isotropic;
  else if (mode == "fixed_volume")
    c.cell_mode = CellMode::fixed_volume;
  else
    throw s.error("mode", "expected full, isotropic or fixed_volume, got '" + mode + "'");
  if (s.has("stress")) {
    const auto v = s.required<std::vector<double>>("stress");
    Mat3 m = Mat3::Zero();
    if (v.size() == 1) {
      m = v[0] * Mat3::Identity();
    } else if (v.size() == 3) {
      m = Vec3(v[0], v[1], v[2]).asDiagonal();
    } else if (v.size() == 6) {  // Voigt xx yy zz yz xz xy
      m << v[0], v[5], v[4], v[5], v[1], v[3], v[4], v[3], v[2];
    } else if (v.size() == 9) {
      for (int i = 0; i < 9; ++i) m(i / 3, i % 3) = v[i];
      if ((m - m.transpose()).cwiseAbs().maxCoeff() > 1e-9)
        throw s.error("stress", "must be symmetric");
    } else {
      throw s.error("stress", "expected 1, 3, 6 (Voigt xx yy zz yz xz xy) or 9 numbers (GPa)");
    }
    if (!m.allFinite() || m.cwiseAbs().maxCoeff() > 1000)
      throw s.error("stress", "must be finite and within ±1000 GPa");
    if (c.cell_mode == CellMode::isotropic &&
        (m - m.trace() / 3 * Mat3::Identity()).cwiseAbs().maxCoeff() > 1e-12)
      throw s.error("stress", "must be hydrostatic with mode: isotropic (use pressure)");
    c.target_stress_gpa = m;
  } else {
    const double p = s.get("pressure", 0.0);
    if (!std::isfinite(p) || std::abs(p) > 1000)
      throw s.error("pressure", "must be within ±1000 GPa");
    c.target_stress_gpa = -p * Mat3::Identity();
  }
}

}  // namespace

RelaxConfig parse_relax_config(const std::string& yaml_text, const std::string& name) {
  const YamlSection top = YamlSection::load_string(yaml_text, name);
  top.check_keys({"model", "structure", "frame", "optimizer", "fire2", "lbfgs_memory", "fmax",
                  "smax", "max_steps", "max_step", "min_distance", "cell", "output"});
  RelaxConfig c;
  c.source = name;
  const std::string dir = std::filesystem::path(name).parent_path().string();
  c.model = resolve_relative(dir, top.get("model", std::string()));
  c.structure = resolve_relative(dir, top.required<std::string>("structure"));
  c.frame = top.get("frame", c.frame);
  OptimizerSettings& o = c.optimizer;
  const std::string kind = top.get("optimizer", std::string("fire"));
  if (kind == "fire")
    o.kind = OptimizerKind::fire;
  else if (kind == "lbfgs")
    o.kind = OptimizerKind::lbfgs;
  else
    throw top.error("optimizer", "expected fire or lbfgs, got '" + kind + "'");
  o.fire2 = top.get("fire2", o.fire2);
  if (top.has("fire2") && o.kind != OptimizerKind::fire)
    throw top.error("fire2", "only used with optimizer: fire");
  o.lbfgs_memory = top.get("lbfgs_memory", o.lbfgs_memory);
  if (o.lbfgs_memory < 1 || o.lbfgs_memory > 1000)
    throw top.error("lbfgs_memory", "must be in [1, 1000]");
  o.fmax = top.get("fmax", o.fmax);
  if (!(o.fmax > 0) || o.fmax > 10) throw top.error("fmax", "must be in (0, 10] eV/Å");
  o.smax = top.get("smax", o.smax);
  if (!(o.smax > 0) || o.smax > 100) throw top.error("smax", "must be in (0, 100] GPa");
  o.max_steps = top.get("max_steps", o.max_steps);
  if (o.max_steps < 0) throw top.error("max_steps", "must be >= 0");
  o.max_step = top.get("max_step", o.max_step);
  if (!(o.max_step > 0) || o.max_step > 2) throw top.error("max_step", "must be in (0, 2] Å");
  c.min_distance = top.get("min_distance", c.min_distance);
  if (!(c.min_distance >= 0) || c.min_distance > 10)
    throw top.error("min_distance", "must be in [0, 10] Å (0: no check)");
  read_cell(top.section("cell"), c);
  const YamlSection out = top.section("output");
  out.check_keys({"dir", "log_every"});
  c.output_dir = resolve_relative(dir, out.get("dir", c.output_dir));
  c.log_every = out.get("log_every", c.log_every);
  if (c.log_every < 1) throw out.error("log_every", "must be >= 1");
  return c;
}

RelaxConfig load_relax_config(const std::string& path) {
  return parse_relax_config(read_file(path), path);
}

std::string start_structure_where(const RelaxConfig& c) {
  return (c.source.empty() ? std::string("relax") : c.source) + ": structure '" + c.structure +
         "' (frame " + std::to_string(c.frame) + ")";
}

Structure load_relax_structure(const RelaxConfig& c) {
  Structure s = read_extxyz_frame(c.structure, c.frame, c.source);
  if (c.relax_cell && !(s.pbc[0] && s.pbc[1] && s.pbc[2]))
    throw InputError(c.source, "cell.relax: '" + c.structure + "' is not periodic in 3D");
  check_atoms(s, c.min_distance, start_structure_where(c));
  return s;
}

}  // namespace lnet
