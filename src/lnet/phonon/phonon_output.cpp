// Output files of `lnet phonon` (see run_phonon.hpp for the list).
#include <cmath>
#include <cstdio>
#include <filesystem>
#include <sstream>

#include "lnet/core/elements.hpp"
#include "lnet/phonon/phonopy_files.hpp"
#include "lnet/phonon/run_phonon.hpp"
#include "lnet/phonon/symmetry.hpp"
#include "lnet/util/atomic_file.hpp"
#include "lnet/util/plot.hpp"
#include "lnet/util/table.hpp"

namespace lnet {
namespace {

std::string num(double v, const char* format = "%.10g") {
  char b[64];
  std::snprintf(b, sizeof b, format, v == 0 ? 0.0 : v);
  return b;
}

std::string yaml_vec(const Vec3& v) {
  return "[" + num(v[0]) + ", " + num(v[1]) + ", " + num(v[2]) + "]";
}

std::string yaml_mat(const Mat3& m) {
  return "[" + yaml_vec(m.row(0)) + ", " + yaml_vec(m.row(1)) + ", " + yaml_vec(m.row(2)) + "]";
}

bool has_raman(const GammaAnalysis& g) {
  return !g.modes.empty() && g.modes[0].raman_activity.has_value();
}

std::string gamma_csv(const GammaAnalysis& g) {
  const bool raman = has_raman(g);
  std::string out =
      "mode,frequency_thz,frequency_cm-1,ir_activity_e2_per_amu,label,longitudinal,character";
  out += raman ? ",raman_activity_a4_per_amu\n" : "\n";
  for (std::size_t i = 0; i < g.modes.size(); ++i) {
    const auto& m = g.modes[i];
    out += std::to_string(i + 1) + "," + num(m.thz) + "," + num(m.per_cm) + "," +
           num(m.ir_activity) + "," + m.label + "," + num(m.longitudinal) + "," + m.character;
    out += raman ? "," + num(*m.raman_activity) + "\n" : "\n";
  }
  return out;
}

std::string band_csv(const PhononResult& r) {
  std::ostringstream out;
  out << "distance_per_a,q1,q2,q3";
  const std::size_t nb = r.band.empty() ? 0 : std::size_t(r.band.front().size());
  for (std::size_t b = 0; b < nb; ++b) out << ",band" << b + 1 << "_thz";
  out << "\n";
  for (std::size_t i = 0; i < r.band.size(); ++i) {
    out << num(r.path.distance[i]) << "," << num(r.path.qpoints[i][0]) << ","
        << num(r.path.qpoints[i][1]) << "," << num(r.path.qpoints[i][2]);
    for (int b = 0; b < r.band[i].size(); ++b) out << "," << num(r.band[i][b]);
    out << "\n";
  }
  return out.str();
}

std::string dos_csv(const PhononDos& d) {
  std::string out = "frequency_thz,states_per_thz\n";
  for (std::size_t i = 0; i < d.frequency_thz.size(); ++i)
    out += num(d.frequency_thz[i]) + "," + num(d.states[i]) + "\n";
  return out;
}

std::string summary_yaml(const PhononConfig& c, const Structure& prim, const PhononResult& r) {
  std::ostringstream y;
  y << "# lnet phonon summary (format 1)\nformat: 1\nconfig: \"" << c.source << "\"\n";
  const Mat3i& m = r.supercell.matrix;
  y << "supercell:\n  matrix: [[" << m(0, 0) << ", " << m(0, 1) << ", " << m(0, 2) << "], ["
    << m(1, 0) << ", " << m(1, 1) << ", " << m(1, 2) << "], [" << m(2, 0) << ", " << m(2, 1) << ", "
    << m(2, 2) << "]]\n  atoms: " << r.supercell.size() << "\n";
  y << "displacement_a: " << num(c.displacement) << "\n";
  y << "max_residual_force_ev_per_a: " << num(r.max_residual_force) << "\n";
  y << "acoustic_sum_rule:\n  max_violation_ev_per_a2: " << num(r.sum_rule.max_violation_before)
    << "\n  max_change_ev_per_a2: " << num(r.sum_rule.max_change) << "\n";
  if (r.hessian_deviation)
    y << "hessian_check_max_relative_deviation: " << num(*r.hessian_deviation) << "\n";
  y << "masses_amu: [";
  for (std::size_t i = 0; i < r.masses.size(); ++i) y << (i ? ", " : "") << num(r.masses[i]);
  y << "]\nnac:\n  method: " << to_string(r.nac.method) << "\n";
  if (r.nac.method != NacMethod::none) {
    y << "  epsilon_inf: " << yaml_mat(r.nac.epsilon) << "\n  epsilon_inf_source: \""
      << (r.epsilon_from_model ? "model"
          : c.epsilon_inf      ? "config"
                               : "BORN")
      << "\"\n"
      << "  born_source: \"" << c.born << "\"\n"
      << "  born_asr_correction_e: " << num(r.born_asr_correction) << "\n"
      << "  born_symmetry_correction_e: " << num(r.born_symmetry_correction) << "\n  born:\n";
    for (std::size_t i = 0; i < r.nac.born.size(); ++i)
      y << "    - {atom: " << i + 1 << ", element: " << element_symbol(prim.numbers[i])
        << ", z: " << yaml_mat(r.nac.born[i]) << "}\n";
    if (r.epsilon_static) y << "  epsilon_static: " << yaml_mat(*r.epsilon_static) << "\n";
  }
  y << "gamma:\n";
  if (r.gamma.direction) y << "  direction: " << yaml_vec(*r.gamma.direction) << "\n";
  y << "  modes:\n";
  for (const auto& mode : r.gamma.modes)
    y << "    - {thz: " << num(mode.thz) << ", cm-1: " << num(mode.per_cm)
      << ", ir_activity: " << num(mode.ir_activity) << ", label: \"" << mode.label
      << "\", character: \"" << mode.character << "\""
      << (mode.raman_activity ? ", raman_activity: " + num(*mode.raman_activity) +
                                    ", raman_tensor: " + yaml_mat(*mode.raman_tensor)
                              : std::string())
      << "}\n";
  if (!r.files.empty()) {
    y << "files:\n";
    for (const auto& f : r.files) y << "  - \"" << f << "\"\n";
  }
  return y.str();
}

void plot_band(const PhononResult& r, const std::string& path) {
  plot::Figure fig;
  fig.title = "phonon dispersion";
  fig.xlabel = "wave vector";
  fig.ylabel = "frequency (THz)";
  fig.xticks = band_ticks(r.path);
  if (r.band.empty()) return;
  const int nb = int(r.band.front().size());
  // One series per band per continuous piece (a path break must not be joined by a line), all
  // in one colour: branches cross, and colours per band index would suggest an identity that
  // the sorting of frequencies does not keep.
  std::size_t start = 0;
  for (std::size_t i = 1; i <= r.band.size(); ++i) {
    // Consecutive pieces share their corner unless the path breaks ('|').
    const bool end =
        i == r.band.size() || (r.path.segment[i] != r.path.segment[i - 1] &&
                               (r.path.qpoints[i] - r.path.qpoints[i - 1]).norm() > 1e-9);
    if (!end) continue;
    for (int b = 0; b < nb; ++b) {
      plot::Series s;
      s.color = "#1f5fa8";
      for (std::size_t k = start; k < i; ++k) {
        s.x.push_back(r.path.distance[k]);
        s.y.push_back(r.band[k][b]);
      }
      fig.series.push_back(std::move(s));
    }
    start = i;
  }
  plot::save_png(fig, path);
}

void plot_dos(const PhononDos& d, const std::string& path) {
  plot::Figure fig;
  fig.title = "phonon density of states";
  fig.xlabel = "frequency (THz)";
  fig.ylabel = "states / THz / primitive cell";
  plot::Series s;
  s.label = "DOS";
  s.x = d.frequency_thz;
  s.y = d.states;
  fig.series.push_back(std::move(s));
  plot::save_png(fig, path);
}

}  // namespace

std::vector<std::pair<double, std::string>> band_ticks(const BandPath& path) {
  std::vector<std::pair<double, std::string>> ticks;
  for (const auto& [x, label] : path.ticks) {
    const std::string shown = label == "G" ? "Γ" : label;
    if (!ticks.empty() && std::abs(ticks.back().first - x) < 1e-9) {
      if (shown != ticks.back().second) ticks.back().second += "|" + shown;
    } else {
      ticks.emplace_back(x, shown);
    }
  }
  return ticks;
}

std::string gamma_table(const GammaAnalysis& g) {
  const bool raman = has_raman(g);
  std::vector<std::string> head_row = {"mode", "THz", "cm-1", "IR |p|^2 (e²/amu)", "LO/TO"};
  if (raman) head_row.push_back("Raman (Å⁴/amu)");
  head_row.push_back("character");
  Table t(head_row);
  for (std::size_t i = 0; i < g.modes.size(); ++i) {
    const auto& m = g.modes[i];
    std::vector<std::string> row = {std::to_string(i + 1), fmt(m.thz, 4), fmt(m.per_cm, 2),
                                    fmt(m.ir_activity, 5), m.label};
    if (raman) row.push_back(fmt(*m.raman_activity, 5));
    row.push_back(m.character);
    t.add_row(row);
  }
  std::string head = "Γ modes";
  if (g.direction)
    head += " (NAC along q̂ = " + num((*g.direction)[0], "%.4g") + " " +
            num((*g.direction)[1], "%.4g") + " " + num((*g.direction)[2], "%.4g") +
            ", fractional reciprocal)";
  else
    head += " (no non-analytic correction)";
  return head + "\n" + t.str();
}

std::vector<std::string> phonon_output_files(const PhononConfig& c) {
  namespace fs = std::filesystem;
  const fs::path dir(c.output_dir);
  std::vector<fs::path> files = {dir / "gamma.txt", dir / "gamma.csv", dir / "phonon.yaml"};
  if (c.band) files.push_back(dir / "band.csv");
  if (c.dos) files.push_back(dir / "dos.csv");
  if (c.plot && c.band) files.push_back(dir / "band.png");
  if (c.plot && c.dos) files.push_back(dir / "dos.png");
  if (c.phonopy_files) {
    for (const char* name : {"POSCAR-unitcell", "FORCE_CONSTANTS", "phonopy.conf"})
      files.push_back(dir / "phonopy" / name);
    if (c.nac != NacMethod::none) files.push_back(dir / "phonopy" / "BORN");
  }
  std::vector<std::string> out;
  for (const auto& f : files) out.push_back(f.string());
  return out;
}

std::vector<std::string> write_phonon_outputs(const PhononConfig& c, const Structure& prim,
                                              const PhononResult& r) {
  namespace fs = std::filesystem;
  const fs::path dir(c.output_dir);
  ensure_directory(dir.string());
  std::vector<std::string> files;
  auto put = [&](const fs::path& p, const std::string& text) {
    write_file_atomic(p.string(), text);
    files.push_back(p.string());
  };
  put(dir / "gamma.txt", gamma_table(r.gamma));
  put(dir / "gamma.csv", gamma_csv(r.gamma));
  if (!r.band.empty()) put(dir / "band.csv", band_csv(r));
  if (r.dos) put(dir / "dos.csv", dos_csv(*r.dos));
  if (c.plot) {
    if (!r.band.empty()) {
      plot_band(r, (dir / "band.png").string());
      if (fs::exists(dir / "band.png")) files.push_back((dir / "band.png").string());
    }
    if (r.dos) {
      plot_dos(*r.dos, (dir / "dos.png").string());
      if (fs::exists(dir / "dos.png")) files.push_back((dir / "dos.png").string());
    }
  }
  if (c.phonopy_files) {
    const fs::path p = dir / "phonopy";
    ensure_directory(p.string());
    put(p / "POSCAR-unitcell", poscar_text(prim, "lnet phonon: primitive cell"));
    put(p / "FORCE_CONSTANTS", force_constants_text(expand_to_full(r.force_constants, r.supercell),
                                                    int(r.supercell.size())));
    if (r.nac.method != NacMethod::none)
      put(p / "BORN", born_text(r.nac, find_symmetry(prim, c.symprec).independent));
    PhonopyConf conf;
    conf.supercell_matrix = r.supercell.matrix;
    conf.masses = r.masses;
    conf.nac = r.nac.method;
    if (r.gamma.direction) conf.q_direction = *r.gamma.direction;
    conf.band = r.path.corners;
    conf.labels = r.path.labels;
    conf.band_points = c.band_points;
    put(p / "phonopy.conf", phonopy_conf_text(conf));
  }
  PhononResult with_files = r;
  with_files.files = files;
  put(dir / "phonon.yaml", summary_yaml(c, prim, with_files));
  return files;
}

}  // namespace lnet
