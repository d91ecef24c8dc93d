#include "lnet/md/md_setup.hpp"

#include <cmath>

#include "lnet/core/constants.hpp"
#include "lnet/core/elements.hpp"
#include "lnet/core/error.hpp"
#include "lnet/io/key_value_line.hpp"

namespace lnet::md {
namespace {

const Structure::Column* find_column(const Structure& s, const std::string& name) {
  for (const auto& [key, column] : s.extra_arrays)
    if (key == name) return &column;
  return nullptr;
}

std::vector<Vec3> velocities_from_file(const MdConfig& config, const Structure& start,
                                       const std::vector<double>& masses) {
  const std::string where = config.source.empty() ? "md config" : config.source;
  // Å/t_ASE → Å/fs: divide by t_ASE in fs.
  const double ase_time_fs = std::sqrt(units::amu_a2_per_fs2_to_ev);
  const Structure::Column* column = find_column(start, "momenta");
  bool momenta = column != nullptr;
  double scale = 1 / ase_time_fs;
  if (!column) {
    column = find_column(start, "velocities");
    const auto unit = start.info.find("velocities_unit");
    if (unit != start.info.end()) {
      if (unit->second != "A/fs")
        throw InputError(where, "velocities: unknown velocities_unit '" + unit->second + "' in '" +
                                    config.structure + "' (expected A/fs)");
      scale = 1;
    }
  }
  if (!column)
    throw InputError(where,
                     "velocities: 'file' needs a per-atom column 'momenta' or "
                     "'velocities' in '" +
                         config.structure + "'");
  if (column->ncols != 3 || column->values.size() != 3 * start.size())
    throw InputError(
        where, "velocities: the column in '" + config.structure + "' must have 3 numbers per atom");
  std::vector<Vec3> v(start.size());
  for (std::size_t i = 0; i < start.size(); ++i)
    for (int a = 0; a < 3; ++a) {
      double x = 0;
      if (!parse_double(column->values[3 * i + a], x))
        throw InputError(where, "velocities: atom " + std::to_string(i + 1) + ": '" +
                                    column->values[3 * i + a] + "' is not a number");
      v[i][a] = (momenta ? x / masses[i] : x) * scale;
    }
  return v;
}

}  // namespace

std::vector<double> atom_masses(const Structure& s,
                                const std::map<std::string, double>& overrides) {
  std::vector<double> m(s.size());
  for (std::size_t i = 0; i < s.size(); ++i) {
    const auto it = overrides.find(element_symbol(s.numbers[i]));
    m[i] = it != overrides.end() ? it->second : atomic_mass(s.numbers[i]);
  }
  return m;
}

std::vector<Vec3> initial_velocities(const MdConfig& config, const Structure& start,
                                     const Integrator& integrator, Rng& rng) {
  const auto& masses = integrator.masses();
  std::vector<Vec3> v(start.size(), Vec3::Zero());
  if (config.velocities == VelocitySource::file) {
    v = velocities_from_file(config, start, masses);
  } else if (config.velocities == VelocitySource::maxwell_boltzmann && config.temperature_K > 0) {
    const double kT = units::kb * config.temperature_K;
    for (std::size_t i = 0; i < v.size(); ++i) {
      const double sigma = std::sqrt(kT / (masses[i] * units::amu_a2_per_fs2_to_ev));
      for (int a = 0; a < 3; ++a) v[i][a] = sigma * rng.normal();
    }
  }
  integrator.constrain_velocities(v);
  if (config.velocities == VelocitySource::maxwell_boltzmann && config.temperature_K > 0) {
    const double t = integrator.temperature(v);
    if (t > 0) {
      const double alpha = std::sqrt(config.temperature_K / t);
      for (auto& vi : v) vi *= alpha;
    }
  }
  return v;
}

}  // namespace lnet::md
