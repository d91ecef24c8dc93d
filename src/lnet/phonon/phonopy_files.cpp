#include "lnet/phonon/phonopy_files.hpp"

#include <cstdio>
#include <map>
#include <sstream>

#include "lnet/core/elements.hpp"

namespace lnet {
namespace {

std::string number(double v, const char* format = "%.16g") {
  char buffer[64];
  std::snprintf(buffer, sizeof buffer, format, v == 0 ? 0.0 : v);
  return buffer;
}

}  // namespace

std::string poscar_text(const Structure& s, const std::string& comment) {
  // Atom order is kept (FORCE_CONSTANTS and BORN refer to it): interleaved species give a
  // repeated symbol in the species line ("Na Cl Na Cl" / "1 1 1 1"), which phonopy reads.
  std::vector<int> species;
  std::vector<int> counts;
  for (std::size_t i = 0; i < s.size(); ++i) {
    if (species.empty() || species.back() != s.numbers[i]) {
      species.push_back(s.numbers[i]);
      counts.push_back(0);
    }
    ++counts.back();
  }
  std::ostringstream out;
  out << comment << "\n1.0\n";
  for (int i = 0; i < 3; ++i)
    out << "  " << number(s.cell(i, 0), "%22.16f") << number(s.cell(i, 1), "%22.16f")
        << number(s.cell(i, 2), "%22.16f") << "\n";
  for (int z : species) out << " " << element_symbol(z);
  out << "\n";
  for (int c : counts) out << " " << c;
  out << "\nDirect\n";
  const Mat3 inverse = s.cell.inverse();
  for (std::size_t i = 0; i < s.size(); ++i) {
    const Vec3 f = inverse.transpose() * s.positions[i];
    out << "  " << number(f[0], "%20.16f") << number(f[1], "%20.16f") << number(f[2], "%20.16f")
        << "\n";
  }
  return out.str();
}

std::string force_constants_text(const std::vector<Mat3>& full, int n_super) {
  std::string out;
  out.reserve(std::size_t(n_super) * n_super * 90 + 32);
  out += std::to_string(n_super) + " " + std::to_string(n_super) + "\n";
  char line[96];
  for (int i = 0; i < n_super; ++i)
    for (int j = 0; j < n_super; ++j) {
      out += std::to_string(i + 1) + " " + std::to_string(j + 1) + "\n";
      const Mat3& b = full[std::size_t(i) * n_super + j];
      for (int a = 0; a < 3; ++a) {
        std::snprintf(line, sizeof line, "%22.15f%22.15f%22.15f\n", b(a, 0), b(a, 1), b(a, 2));
        out += line;
      }
    }
  return out;
}

std::string born_text(const NacParameters& nac, const std::vector<int>& independent_atoms) {
  std::ostringstream out;
  out << number(nac.factor, "%.12f") << "\n";
  auto row_major = [&](const Mat3& m) {
    for (int a = 0; a < 3; ++a)
      for (int b = 0; b < 3; ++b) out << (a + b ? " " : "") << number(m(a, b), "%.12f");
    out << "\n";
  };
  row_major(nac.epsilon);
  for (int i : independent_atoms) row_major(nac.born.at(i));
  return out.str();
}

std::string phonopy_conf_text(const PhonopyConf& c) {
  std::ostringstream out;
  out << "# phonopy settings written by lnet phonon: run `phonopy -p phonopy.conf` (or phonopy "
         "--readfc ...) next to POSCAR-unitcell, FORCE_CONSTANTS and BORN\n";
  out << "DIM =";
  for (int i = 0; i < 3; ++i)
    for (int j = 0; j < 3; ++j) out << " " << c.supercell_matrix(j, i);  // phonopy's S = Pᵀ
  out << "\nPRIMITIVE_AXES = 1 0 0 0 1 0 0 0 1\nFORCE_CONSTANTS = READ\n";
  out << "MASS =";
  for (double m : c.masses) out << " " << number(m, "%.10g");
  out << "\n";
  if (c.nac != NacMethod::none) {
    out << "NAC = .TRUE.\nNAC_METHOD = " << (c.nac == NacMethod::wang ? "WANG" : "GONZE") << "\n";
    if (c.q_direction.norm() > 0)
      out << "Q_DIRECTION = " << number(c.q_direction[0]) << " " << number(c.q_direction[1]) << " "
          << number(c.q_direction[2]) << "\n";
  }
  if (!c.band.empty()) {
    out << "BAND =";
    std::string labels;
    for (std::size_t s = 0; s < c.band.size(); ++s) {
      if (s) out << ",";
      for (std::size_t i = 0; i < c.band[s].size(); ++i) {
        const Vec3& q = c.band[s][i];
        out << " " << number(q[0], "%.10g") << " " << number(q[1], "%.10g") << " "
            << number(q[2], "%.10g");
        std::string l = s < c.labels.size() && i < c.labels[s].size() ? c.labels[s][i] : "";
        if (l == "G") l = "$\\Gamma$";
        labels += " " + (l.empty() ? std::string("?") : l);
      }
    }
    out << "\nBAND_LABELS =" << labels << "\nBAND_POINTS = " << c.band_points << "\n";
  }
  return out.str();
}

}  // namespace lnet
