#include "lnet/md/md_config.hpp"

#include <algorithm>
#include <cmath>
#include <filesystem>
#include <set>

#include "lnet/core/atom_checks.hpp"
#include "lnet/core/elements.hpp"
#include "lnet/core/error.hpp"
#include "lnet/core/quantity.hpp"
#include "lnet/io/extxyz.hpp"
#include "lnet/util/atomic_file.hpp"
#include "lnet/util/electrostatics_settings.hpp"
#include "lnet/util/yaml_section.hpp"

namespace lnet {
namespace {

template <class T>
T one_of(const YamlSection& s, const std::string& key, const std::string& fallback,
         const std::vector<std::pair<std::string, T>>& choices) {
  const std::string value = s.get(key, fallback);
  std::string names;
  for (const auto& [name, v] : choices) {
    if (name == value) return v;
    names += (names.empty() ? "" : ", ") + name;
  }
  throw s.error(key, "expected one of " + names + ", got '" + value + "'");
}

void read_thermostat(const YamlSection& s, MdConfig& c) {
  s.check_keys({"type", "tau"});
  c.thermostat.type = one_of<ThermostatType>(
      s, "type", "bussi",
      {{"bussi", ThermostatType::bussi}, {"langevin", ThermostatType::langevin}});
  c.thermostat.tau_fs = s.get("tau", c.thermostat.tau_fs);
  if (!(c.thermostat.tau_fs > 0)) throw s.error("tau", "must be a positive time in fs");
  if (c.thermostat.tau_fs < c.timestep_fs)
    throw s.error("tau",
                  "must be at least the timestep (" + std::to_string(c.timestep_fs) + " fs)");
}

void read_barostat(const YamlSection& s, MdConfig& c) {
  s.check_keys({"type", "pressure", "tau", "compressibility", "coupling"});
  one_of<int>(s, "type", "stochastic_cell_rescaling", {{"stochastic_cell_rescaling", 0}});
  BarostatConfig& b = c.barostat;
  b.pressure_gpa = s.get("pressure", b.pressure_gpa);
  b.tau_fs = s.get("tau", b.tau_fs);
  b.compressibility_per_gpa = s.get("compressibility", b.compressibility_per_gpa);
  b.coupling = one_of<Coupling>(
      s, "coupling", "isotropic",
      {{"isotropic", Coupling::isotropic}, {"anisotropic", Coupling::anisotropic}});
  if (!std::isfinite(b.pressure_gpa)) throw s.error("pressure", "must be finite (GPa)");
  if (!(b.tau_fs > 0)) throw s.error("tau", "must be a positive time in fs");
  if (b.tau_fs < 10 * c.timestep_fs)
    throw s.error("tau", "must be at least 10 timesteps (the cell must move slowly)");
  if (!(b.compressibility_per_gpa > 0) || b.compressibility_per_gpa > 100)
    throw s.error("compressibility", "must be in (0, 100] 1/GPa (water ~0.45, NaCl ~0.04)");
}

void read_field(const YamlSection& s, MdConfig& c) {
  FieldProtocol& f = c.field;
  f.type = one_of<FieldProtocol::Type>(s, "type", s.has("e0") ? "static" : "none",
                                       {{"none", FieldProtocol::none},
                                        {"static", FieldProtocol::static_field},
                                        {"ac", FieldProtocol::ac}});
  if (f.type == FieldProtocol::none) {
    s.check_keys({"type"});
    return;
  }
  if (f.type == FieldProtocol::static_field) s.check_keys({"type", "e0"});
  if (f.type == FieldProtocol::ac) s.check_keys({"type", "e0", "frequency", "unit", "phase"});
  const auto e0 = s.required<std::vector<double>>("e0");
  if (e0.size() != 3) throw s.error("e0", "expected 3 numbers (V/Å)");
  f.e0 = Vec3(e0[0], e0[1], e0[2]);
  if (!f.e0.allFinite()) throw s.error("e0", "must be finite");
  if (f.type == FieldProtocol::ac) {
    const double frequency = s.required<double>("frequency");
    if (!(frequency > 0) || !std::isfinite(frequency))
      throw s.error("frequency", "must be positive");
    try {
      f.omega_per_fs = angular_frequency_per_fs(frequency, s.get("unit", std::string("THz")),
                                                s.path() + ".unit");
    } catch (const InputError& e) {
      throw InputError(s.where(), e.what());
    }
    f.phase = s.get("phase", 0.0);
    if (!std::isfinite(f.phase)) throw s.error("phase", "must be finite (rad)");
  }
}

void read_output(const YamlSection& s, MdConfig& c, const std::string& dir) {
  s.check_keys({"dir", "thermo_every", "trajectory_every", "trajectory_extra", "checkpoint_every",
                "overwrite"});
  OutputConfig& o = c.output;
  o.dir = resolve_relative(dir, s.get("dir", o.dir));
  o.thermo_every = s.get("thermo_every", o.thermo_every);
  o.trajectory_every = s.get("trajectory_every", o.trajectory_every);
  o.trajectory_extra = s.get("trajectory_extra", o.trajectory_extra);
  o.checkpoint_every = s.get("checkpoint_every", o.checkpoint_every);
  o.overwrite = s.get("overwrite", o.overwrite);
  if (o.thermo_every < 1) throw s.error("thermo_every", "must be >= 1 (steps)");
  if (o.trajectory_every < 0) throw s.error("trajectory_every", "must be >= 0 (0: no trajectory)");
  if (o.checkpoint_every < 0)
    throw s.error("checkpoint_every", "must be >= 0 (0: a checkpoint at the end only)");
  for (const auto& extra : o.trajectory_extra)
    if (extra != "dipoles" && !find_quantity(extra)) {
      std::string known = "dipoles";  // the column of atomic_dipoles, by its historical name
      for (const Quantity& q : quantities()) known += ", " + q.name;
      throw s.error("trajectory_extra",
                    "unknown entry '" + extra + "' (expected a quantity: " + known + ")");
    }
}

void check_ranges(const YamlSection& s, MdConfig& c) {
  if (!(c.timestep_fs > 0) || c.timestep_fs > 20)
    throw s.error("timestep", "must be in (0, 20] fs");
  if (c.steps < 0) throw s.error("steps", "must be >= 0");
  if (!(c.temperature_K >= 0) || !std::isfinite(c.temperature_K))
    throw s.error("temperature", "must be >= 0 K");
  if (c.ensemble != Ensemble::nve && !(c.temperature_K > 0))
    throw s.error("temperature", "must be positive for ensemble " + to_string(c.ensemble));
  if (!(c.min_distance >= 0)) throw s.error("min_distance", "must be >= 0 Å (0: no check)");
  std::set<int> seen;
  for (int& i : c.fixed) {
    if (i < 1) throw s.error("fixed", "atom indices are 1-based, got " + std::to_string(i));
    if (!seen.insert(i).second)
      throw s.error("fixed", "atom " + std::to_string(i) + " given twice");
    --i;
  }
  if (c.ensemble == Ensemble::npt && !c.fixed.empty())
    throw s.error("fixed", "fixed atoms cannot be combined with ensemble npt");
  for (const auto& [symbol, mass] : c.masses) {
    try {
      atomic_number(symbol);
    } catch (const InputError&) {
      throw s.error("masses", "unknown element '" + symbol + "'");
    }
    if (!(mass > 0)) throw s.error("masses." + symbol, "must be a positive mass in amu");
  }
}

void read_extrapolation(const YamlSection& x, MdConfig& c) {
  x.check_keys({"every", "novelty", "distance_ratio", "stop"});
  ExtrapolationConfig& e = c.extrapolation;
  e.every = x.get("every", e.every);
  if (x.has("every") && e.every < 0) throw x.error("every", "must be >= 0 steps (0: off)");
  e.limits.novelty = x.get("novelty", e.limits.novelty);
  if (!(e.limits.novelty >= 0)) throw x.error("novelty", "must be >= 0");
  e.limits.distance_ratio = x.get("distance_ratio", e.limits.distance_ratio);
  if (!(e.limits.distance_ratio >= 0 && e.limits.distance_ratio <= 1))
    throw x.error("distance_ratio", "must be in [0, 1]");
  e.stop = x.get("stop", e.stop);
}

void read_uncertainty(const YamlSection& x, MdConfig& c) {
  x.check_keys({"every", "force_std", "stop"});
  UncertaintyConfig& u = c.uncertainty;
  u.every = x.get("every", u.every);
  if (x.has("every") && u.every < 0) throw x.error("every", "must be >= 0 steps (0: off)");
  u.force_std = x.get("force_std", u.force_std);
  if (!(u.force_std >= 0 && std::isfinite(u.force_std)))
    throw x.error("force_std", "must be a finite spread >= 0 eV/Å (0: no limit)");
  u.stop = x.get("stop", u.stop);
}

// `model`: one path, or a list of two or more (a committee); relative to the YAML file.
void read_model(const YamlSection& top, const std::string& dir, MdConfig& c) {
  if (!top.has("model")) return;
  if (!top.node()["model"].IsSequence()) {
    c.model = resolve_relative(dir, top.get("model", std::string()));
    return;
  }
  const auto models = top.get("model", std::vector<std::string>());
  if (models.size() < 2)
    throw top.error("model", "a committee lists two or more model files (one: give it as a path)");
  for (const std::string& m : models) c.committee.push_back(resolve_relative(dir, m));
  c.model = c.committee.front();
}

}  // namespace

std::string to_string(Ensemble e) {
  switch (e) {
    case Ensemble::nve:
      return "nve";
    case Ensemble::nvt:
      return "nvt";
    default:
      return "npt";
  }
}

MdConfig parse_md_config(const std::string& yaml_text, const std::string& name) {
  const YamlSection top = YamlSection::load_string(yaml_text, name);
  top.check_keys({"model",        "structure",      "frame",         "timestep",    "steps",
                  "seed",         "ensemble",       "temperature",   "velocities",  "remove_com",
                  "thermostat",   "barostat",       "field",         "masses",      "fixed",
                  "min_distance", "electrostatics", "extrapolation", "uncertainty", "output"});
  MdConfig c;
  c.source = name;
  const std::string dir = std::filesystem::path(name).parent_path().string();
  read_model(top, dir, c);
  c.structure = resolve_relative(dir, top.get("structure", std::string()));
  c.frame = top.get("frame", c.frame);
  c.timestep_fs = top.get("timestep", c.timestep_fs);
  c.steps = top.get("steps", c.steps);
  const long seed = top.get("seed", 1L);
  if (seed < 0) throw top.error("seed", "must be >= 0");
  c.seed = static_cast<unsigned long>(seed);
  c.ensemble =
      one_of<Ensemble>(top, "ensemble", "nvt",
                       {{"nve", Ensemble::nve}, {"nvt", Ensemble::nvt}, {"npt", Ensemble::npt}});
  c.temperature_K = top.get("temperature", c.temperature_K);
  c.velocities = one_of<VelocitySource>(top, "velocities", "maxwell-boltzmann",
                                        {{"maxwell-boltzmann", VelocitySource::maxwell_boltzmann},
                                         {"file", VelocitySource::file},
                                         {"zero", VelocitySource::zero}});
  c.remove_com = top.get("remove_com", c.remove_com);
  c.masses = top.get("masses", c.masses);
  c.fixed = top.get("fixed", c.fixed);
  c.min_distance = top.get("min_distance", c.min_distance);
  c.electrostatics = read_electrostatics_settings(top.section("electrostatics"));
  read_extrapolation(top.section("extrapolation"), c);
  read_uncertainty(top.section("uncertainty"), c);
  if (top.has("uncertainty") && c.committee.empty())
    throw top.error("uncertainty",
                    "needs a committee: give `model` as a list of two or more model files");
  check_ranges(top, c);
  if (top.has("thermostat") && c.ensemble == Ensemble::nve)
    throw top.error("thermostat", "not used with ensemble nve (remove it or use nvt)");
  if (top.has("barostat") && c.ensemble != Ensemble::npt)
    throw top.error("barostat", "only used with ensemble npt");
  read_thermostat(top.section("thermostat"), c);
  if (c.ensemble == Ensemble::npt) read_barostat(top.section("barostat"), c);
  read_field(top.section("field"), c);
  read_output(top.section("output"), c, dir);
  return c;
}

MdConfig load_md_config(const std::string& path) { return parse_md_config(read_file(path), path); }

void validate_md_setup(const MdConfig& c, const Structure& start) {
  const std::string where = c.source.empty() ? std::string("md config") : c.source;
  const bool any = start.periodic();
  const bool all = start.pbc[0] && start.pbc[1] && start.pbc[2];
  if (c.ensemble == Ensemble::npt && !all)
    throw InputError(where, std::string("ensemble: npt needs a fully periodic structure, '") +
                                c.structure + "' has " + (any ? "mixed" : "open") +
                                " boundaries (pbc)");
  if (any && std::abs(start.cell.determinant()) < 1e-9)
    throw InputError(where, "structure: periodic structure with a singular cell");
  for (int i : c.fixed)
    if (i >= static_cast<int>(start.size()))
      throw InputError(where, "fixed: atom " + std::to_string(i + 1) + " out of range 1.." +
                                  std::to_string(start.size()));
  if (start.size() == 0) throw InputError(where, "structure: no atoms");
  check_atoms(start, c.min_distance,
              where + ": structure '" + c.structure + "' (frame " + std::to_string(c.frame) + ")");
}

Structure load_md_structure(const MdConfig& c) {
  if (c.structure.empty()) throw InputError(c.source, "missing required key 'structure'");
  Structure s = read_extxyz_frame(c.structure, c.frame, c.source);
  validate_md_setup(c, s);
  return s;
}

}  // namespace lnet
