#include "lnet/md/md_output.hpp"

#include <cmath>
#include <cstdio>
#include <nlohmann/json.hpp>
#include <sstream>

#include "lnet/core/quantity.hpp"
#include "lnet/io/extxyz.hpp"
#include "lnet/io/key_value_line.hpp"

namespace lnet::md {
namespace {

std::string number(double x) {
  if (std::isnan(x)) return "nan";
  return format_double(x);
}

nlohmann::json json_number(double x) {
  return std::isfinite(x) ? nlohmann::json(x) : nlohmann::json(nullptr);
}

Structure::Column real_column(const std::vector<double>& values, int ncols) {
  Structure::Column c;
  c.type = 'R';
  c.ncols = ncols;
  for (double v : values) c.values.push_back(format_double(v));
  return c;
}

}  // namespace

std::string thermo_csv_header(bool committee) {
  std::string h =
      "step,time_fs,temperature_K,potential_energy_eV,kinetic_energy_eV,conserved_energy_eV,"
      "pressure_GPa,volume_A3,Mx_eA,My_eA,Mz_eA,Ex_V_per_A,Ey_V_per_A,Ez_V_per_A";
  if (committee) h += ",committee_energy_std,committee_force_std_max";
  return h + "\n";
}

std::string thermo_csv_line(const ThermoRecord& r) {
  const double nan = std::nan("");
  const Vec3 m = r.dipole ? *r.dipole : Vec3(nan, nan, nan);
  std::string out = std::to_string(r.step);
  for (double x :
       {r.time_fs, r.temperature_K, r.potential_energy, r.kinetic_energy, r.conserved_energy,
        r.pressure_gpa, r.volume, m[0], m[1], m[2], r.efield[0], r.efield[1], r.efield[2]})
    out += "," + number(x);
  if (r.spread) out += "," + number(r.spread->energy_std) + "," + number(r.spread->force_std_max);
  return out + "\n";
}

std::string thermo_json_line(const ThermoRecord& r) {
  nlohmann::ordered_json j;
  j["step"] = r.step;
  j["time_fs"] = r.time_fs;
  j["temperature_K"] = json_number(r.temperature_K);
  j["potential_energy_eV"] = json_number(r.potential_energy);
  j["kinetic_energy_eV"] = json_number(r.kinetic_energy);
  j["conserved_energy_eV"] = json_number(r.conserved_energy);
  j["pressure_GPa"] = json_number(r.pressure_gpa);
  j["volume_A3"] = json_number(r.volume);
  j["dipole_eA"] = r.dipole ? nlohmann::ordered_json{(*r.dipole)[0], (*r.dipole)[1], (*r.dipole)[2]}
                            : nlohmann::ordered_json(nullptr);
  j["efield_V_per_A"] = {r.efield[0], r.efield[1], r.efield[2]};
  if (r.spread) {
    j["committee_energy_std"] = json_number(r.spread->energy_std);
    j["committee_force_std_max"] = json_number(r.spread->force_std_max);
  }
  return j.dump() + "\n";
}

ThermoOutput::ThermoOutput(AppendFile csv, AppendFile jsonl, std::ostream* report, bool show_dipole,
                           bool show_field, bool show_spread)
    : csv_(std::move(csv)),
      jsonl_(std::move(jsonl)),
      report_(report),
      show_dipole_(show_dipole),
      show_field_(show_field),
      show_spread_(show_spread) {
  if (!report_) return;
  std::string h;
  char line[256];
  std::snprintf(line, sizeof line, "%10s %10s %8s %14s %11s %14s %9s %10s", "step", "time_ps",
                "T_K", "Epot_eV", "Ekin_eV", "Econs_eV", "P_GPa", "V_A3");
  h = line;
  if (show_dipole_) {
    std::snprintf(line, sizeof line, " %10s %10s %10s", "Mx_eA", "My_eA", "Mz_eA");
    h += line;
  }
  if (show_field_) {
    std::snprintf(line, sizeof line, " %9s %9s %9s", "Ex_V/A", "Ey_V/A", "Ez_V/A");
    h += line;
  }
  if (show_spread_) {
    std::snprintf(line, sizeof line, " %10s", "Fstd_eV/A");
    h += line;
  }
  *report_ << h << "\n" << std::string(h.size(), '-') << "\n" << std::flush;
}

void ThermoOutput::write(const ThermoRecord& r) {
  csv_.write(thermo_csv_line(r));
  jsonl_.write(thermo_json_line(r));
  if (!report_) return;
  char line[256];
  std::snprintf(line, sizeof line, "%10ld %10.4f %8.2f %14.6f %11.6f %14.6f %9.4f %10.3f", r.step,
                r.time_fs * 1e-3, r.temperature_K, r.potential_energy, r.kinetic_energy,
                r.conserved_energy, r.pressure_gpa, r.volume);
  std::string text = line;
  if (show_dipole_ && r.dipole) {
    std::snprintf(line, sizeof line, " %10.4f %10.4f %10.4f", (*r.dipole)[0], (*r.dipole)[1],
                  (*r.dipole)[2]);
    text += line;
  }
  if (show_field_) {
    std::snprintf(line, sizeof line, " %9.5f %9.5f %9.5f", r.efield[0], r.efield[1], r.efield[2]);
    text += line;
  }
  if (show_spread_ && r.spread) {
    std::snprintf(line, sizeof line, " %10.4f", r.spread->force_std_max);
    text += line;
  }
  *report_ << text << "\n" << std::flush;
}

void ThermoOutput::flush() {
  csv_.flush();
  jsonl_.flush();
}

void wrap_positions(const std::vector<Vec3>& unwrapped, const Mat3& cell,
                    const std::array<bool, 3>& pbc, std::vector<Vec3>& wrapped,
                    std::vector<std::array<long, 3>>& images) {
  wrapped = unwrapped;
  images.assign(unwrapped.size(), {0, 0, 0});
  if (!(pbc[0] || pbc[1] || pbc[2])) return;
  // Fractional coordinates f with r = fᵀ·cell (cell rows are lattice vectors).
  const Mat3 inverse = cell.inverse();
  for (std::size_t i = 0; i < unwrapped.size(); ++i) {
    const Vec3 f = inverse.transpose() * unwrapped[i];
    Vec3 shift = Vec3::Zero();
    for (int k = 0; k < 3; ++k) {
      if (!pbc[k]) continue;
      const long n = static_cast<long>(std::floor(f[k]));
      images[i][k] = n;
      shift += static_cast<double>(n) * cell.row(k).transpose();
    }
    wrapped[i] = unwrapped[i] - shift;
  }
}

Structure restart_frame(const MdState& s, const std::vector<int>& numbers,
                        const std::array<bool, 3>& pbc, double timestep_fs) {
  Structure f;
  f.numbers = numbers;
  f.positions = s.positions;
  f.cell = s.cell;
  f.pbc = pbc;
  f.energy = s.eval.energy;
  if (s.eval.forces.size() == numbers.size()) f.forces = s.eval.forces;
  if (s.eval.dipole) f.dipole = s.eval.dipole;
  f.efield = s.efield;
  f.info["step"] = std::to_string(s.step);
  f.info["time_fs"] = format_double(static_cast<double>(s.step) * timestep_fs);
  f.info["velocities_unit"] = "A/fs";
  std::vector<double> v;
  for (const auto& vi : s.velocities) v.insert(v.end(), {vi[0], vi[1], vi[2]});
  f.extra_arrays.emplace_back("velocities", real_column(v, 3));
  return f;
}

Structure trajectory_frame(const MdState& s, const std::vector<int>& numbers,
                           const std::array<bool, 3>& pbc, double timestep_fs,
                           const FrameExtras& extras) {
  Structure f = restart_frame(s, numbers, pbc, timestep_fs);
  std::vector<std::array<long, 3>> images;
  wrap_positions(s.positions, s.cell, pbc, f.positions, images);
  Structure::Column image;
  image.type = 'I';
  image.ncols = 3;
  for (const auto& n : images)
    for (long k : n) image.values.push_back(std::to_string(k));
  f.extra_arrays.insert(f.extra_arrays.begin(), {"image", std::move(image)});
  for (const Quantity& q : quantities())
    for (const std::string& entry : extras.names) {
      if (extra_quantity(entry) != q.name) continue;
      const auto v = values(q, s.eval, f);
      if (!v || v->size() != q.size(numbers.size())) continue;
      if (q.label) {
        q.label(f, *v);
      } else if (q.per_atom) {
        f.extra_arrays.emplace_back(entry, real_column(*v, static_cast<int>(q.item_size())));
      } else {
        std::string text;
        for (double x : *v) text += (text.empty() ? "" : " ") + format_double(x);
        f.info[entry] = text;
      }
    }
  return f;
}

std::string extra_quantity(const std::string& entry) {
  return quantity(entry == "dipoles" ? "atomic_dipoles" : entry).name;
}

void FrameExtras::request(EvalRequest& r) const {
  for (const std::string& entry : names) r.add(extra_quantity(entry));
}

std::string extxyz_text(const Structure& frame) {
  std::ostringstream out;
  write_extxyz(out, {frame});
  return out.str();
}

}  // namespace lnet::md
