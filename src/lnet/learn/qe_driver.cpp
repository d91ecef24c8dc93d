#include "lnet/learn/qe_driver.hpp"

#include <cstdio>
#include <filesystem>
#include <set>

#include "lnet/core/elements.hpp"
#include "lnet/core/error.hpp"
#include "lnet/io/qe_ph.hpp"
#include "lnet/io/qe_pw.hpp"
#include "lnet/util/atomic_file.hpp"

namespace lnet {

namespace fs = std::filesystem;

namespace {

std::string fixed(double x, int digits = 10) {
  char buf[64];
  std::snprintf(buf, sizeof buf, "%.*f", digits, x);
  return buf;
}

// QE namelist quoting: single quotes, which a path must not contain.
std::string quoted(const std::string& s, const std::string& where) {
  if (s.find('\'') != std::string::npos)
    throw InputError(where, "a quote in " + s + " cannot go into a QE input");
  return "'" + s + "'";
}

}  // namespace

std::string qe_pw_input(const Structure& s, const QeSettings& q, const std::string& where) {
  if (!(s.pbc[0] && s.pbc[1] && s.pbc[2]))
    throw InputError(where, "pw.x needs a periodic cell in all three directions");
  std::vector<int> species;
  for (int z : s.numbers)
    if (std::find(species.begin(), species.end(), z) == species.end()) species.push_back(z);
  std::string t;
  t += "&control\n  calculation = 'scf'\n  prefix = 'lnet'\n  outdir = './tmp'\n";
  t += "  pseudo_dir = " + quoted(q.pseudo_dir, where) + "\n";
  t += "  tprnfor = .true.\n  tstress = .true.\n/\n";
  t += "&system\n  ibrav = 0\n  nat = " + std::to_string(s.size()) +
       "\n  ntyp = " + std::to_string(species.size()) + "\n  ecutwfc = " + fixed(q.ecutwfc, 4) +
       "\n";
  if (q.ecutrho > 0) t += "  ecutrho = " + fixed(q.ecutrho, 4) + "\n";
  if (q.smearing.empty()) {
    t += "  occupations = 'fixed'\n";
  } else {
    t += "  occupations = 'smearing'\n  smearing = " + quoted(q.smearing, where) +
         "\n  degauss = " + fixed(q.degauss, 6) + "\n";
  }
  char thr[32];
  std::snprintf(thr, sizeof thr, "%.3e", q.conv_thr);
  t += "/\n&electrons\n  conv_thr = " + std::string(thr) + "\n/\nATOMIC_SPECIES\n";
  for (int z : species) {
    const std::string& sym = element_symbol(z);
    auto it = q.pseudopotentials.find(sym);
    if (it == q.pseudopotentials.end())
      throw InputError(where, "qe.pseudopotentials: no pseudopotential for " + sym);
    t += sym + " " + fixed(atomic_mass(z), 5) + " " + it->second + "\n";
  }
  t += "CELL_PARAMETERS angstrom\n";
  for (int r = 0; r < 3; ++r)
    t += "  " + fixed(s.cell(r, 0)) + " " + fixed(s.cell(r, 1)) + " " + fixed(s.cell(r, 2)) + "\n";
  t += "ATOMIC_POSITIONS angstrom\n";
  for (std::size_t i = 0; i < s.size(); ++i)
    t += element_symbol(s.numbers[i]) + " " + fixed(s.positions[i](0)) + " " +
         fixed(s.positions[i](1)) + " " + fixed(s.positions[i](2)) + "\n";
  t += "K_POINTS automatic\n";
  for (int k = 0; k < 3; ++k) t += std::to_string(q.kpoints[k]) + " ";
  for (int k = 0; k < 3; ++k) t += std::to_string(q.kpoint_shift[k]) + (k < 2 ? " " : "\n");
  return t;
}

std::string qe_ph_input(const QeSettings& q) {
  char thr[32];
  std::snprintf(thr, sizeof thr, "%.3e", q.tr2_ph);
  return "Born effective charges and epsilon_inf at Gamma\n&inputph\n  prefix = 'lnet'\n"
         "  outdir = './tmp'\n  fildyn = 'lnet.dynG'\n  tr2_ph = " +
         std::string(thr) + "\n  epsil = .true.\n  zeu = .true.\n/\n0.0 0.0 0.0\n";
}

Structure QeDriver::label(const Structure& frame, const std::string& dir, bool born) {
  const fs::path d(dir);
  write_file_atomic((d / "pw.in").string(), qe_pw_input(frame, settings_, where_));
  fs::remove(d / "pw.out");
  run_shell(fill_template(settings_.pw_command, {{"input", "pw.in"}, {"output", "pw.out"}},
                          where_ + ": qe.pw_command"),
            dir);
  const std::vector<Structure> frames = read_qe_pw((d / "pw.out").string());
  if (frames.empty()) throw Error((d / "pw.out").string() + ": no SCF result");
  Structure s = frames.back();
  if (s.numbers != frame.numbers)
    throw Error((d / "pw.out").string() + ": the atoms differ from those of pw.in");
  if (!s.forces) throw Error((d / "pw.out").string() + ": no forces");
  // pw.x prints the geometry rounded; keep the frame's exact one, which the labels belong to.
  s.positions = frame.positions;
  s.cell = frame.cell;
  if (born) {
    write_file_atomic((d / "ph.in").string(), qe_ph_input(settings_));
    fs::remove(d / "ph.out");
    run_shell(fill_template(settings_.ph_command, {{"input", "ph.in"}, {"output", "ph.out"}},
                            where_ + ": qe.ph_command"),
              dir);
    const QePhResult ph = read_qe_ph((d / "ph.out").string());
    std::vector<Structure> one = {s};
    merge_qe_ph(one, ph, (d / "ph.out").string());
    s = one.front();
  }
  std::error_code ec;
  fs::remove_all(d / "tmp", ec);  // wavefunctions: large, and never needed again
  return s;
}

}  // namespace lnet
