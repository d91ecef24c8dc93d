// What a Coulomb solver is asked for (CoulombSettings: a method and an accuracy, optional
// overrides) and what it resolves to (CoulombParameters), one description shared by the
// torch-free solvers of this folder and the differentiable torch ones (src/lnet/electrostatics
// names them es::Method, es::Settings and es::Parameters). The methods themselves are the
// entries of the solver registry (coulomb_solvers.hpp); tuning is in coulomb_tuning.hpp.
#pragma once
#include <array>
#include <optional>
#include <string>

namespace lnet::infer {

// Auto is a request only: resolved parameters always name a solver of the registry.
enum class CoulombMethod { Auto, Ewald, PME, Direct };

// "auto" or the registry name ("ewald", "pme", "direct").
std::string method_name(CoulombMethod m);
// "auto" or a registry name (case-insensitive); throws lnet::InputError otherwise.
CoulombMethod parse_method(const std::string& text);

struct CoulombSettings {
  CoulombMethod method = CoulombMethod::Auto;  // Auto: Direct if open, else the cheapest periodic
  double accuracy = 1e-5;  // requested relative RMS force accuracy (LAMMPS-like)
  // How the caller's user sets the method and the accuracy, named in tuning errors so that the
  // advice can be followed from where the user is ("--method" on the command line). The
  // defaults are the keys of the `electrostatics` sections of run and model configs.
  std::string method_setting = "electrostatics.method";
  std::string accuracy_setting = "electrostatics.accuracy";
  std::optional<double> alpha;             // splitting parameter (1/Å), overrides the tuning
  std::optional<double> real_cutoff;       // Å
  std::optional<std::array<int, 3>> kmax;  // Ewald k-vectors per axis
  std::optional<std::array<int, 3>> mesh;  // PME grid
  int pme_order = 5;                       // B-spline order 4..6
};

// InputError naming the setting for an accuracy outside (0, 1), a PME order outside 4..6, a
// non-positive alpha or cutoff, or a grid entry below 1.
void check_settings(const CoulombSettings& s);

struct CoulombParameters {  // what will actually be used, printable
  CoulombMethod method = CoulombMethod::Direct;
  double alpha = 0;           // Ewald splitting (1/Å)
  double real_cutoff = 0;     // Å, real-space pairs with r < real_cutoff
  std::array<int, 3> kmax{};  // Ewald: k = 2 pi m h^-T with |m_a| <= kmax_a and |k| <= k_cut
  std::array<int, 3> mesh{};  // PME mesh points per axis
  int order = 5;              // PME cardinal B-spline order (4..8: forces need M_n'')
  // Torch-free solvers only: the real-space kernel from erfc and exp per pair (equal to the
  // torch reference to rounding) instead of the tables of coulomb_table.hpp (error <= 1e-12 of
  // the bare Coulomb term, ~3x faster).
  bool exact_real_space = false;
  std::string describe() const;  // one line, for the log
};

}  // namespace lnet::infer
