// Physical constants and unit conversions, CODATA 2018 (DESIGN.md §3: eV, Å, fs, e).
#pragma once

namespace lnet::units {

// e^2 / (4 pi eps0) in eV·Å: 1e10 · e / (4 pi eps0) with e = 1.602176634e-19 C (exact),
// eps0 = 8.8541878128e-12 F/m (CODATA 2018).
inline constexpr double coulomb = 14.399645478425668;
// 1 eV/Å^3 in GPa: e · 1e30 / 1e9.
inline constexpr double ev_per_a3_to_gpa = 160.21766208;
// 1 eV/Å in meV/Å and 1 eV in meV, for reports.
inline constexpr double to_milli = 1000.0;
inline constexpr double pi = 3.14159265358979323846;
// Boltzmann constant in eV/K (CODATA 2018, exact).
inline constexpr double kb = 8.617333262e-5;
// 1 amu·Å²/fs² in eV: 1.66053906660e-27 kg · 1e-20 m² / 1e-30 s² / 1.602176634e-19 J.
inline constexpr double amu_a2_per_fs2_to_ev = 103.6426965268;

// Reduced Planck constant in eV·fs: hbar = 6.582119569e-16 eV·s (CODATA 2018, exact from the
// exact h and e).
inline constexpr double hbar_ev_fs = 0.6582119569;
// Speed of light in vacuum, c = 299792458 m/s (exact), in Å/fs and in cm/fs.
inline constexpr double c_a_per_fs = 2997.92458;
inline constexpr double c_cm_per_fs = 2.99792458e-5;
// Vacuum permittivity in e²/(eV·Å): eps0 = 1 / (4 pi · coulomb), from CODATA 2018 eps0 =
// 8.8541878128e-12 F/m through `coulomb` above (≈ 5.526349406e-3).
inline constexpr double eps0 = 1.0 / (4.0 * pi * coulomb);
// 1 Å^-1 in cm^-1.
inline constexpr double per_a_to_per_cm = 1e8;

// Phonon frequency of an eigenvalue of D (eV/(Å² amu)) in THz: sqrt(eV / (Å² amu)) / 2π / 1e12
// = sqrt(1 / amu_a2_per_fs2_to_ev) fs⁻¹ · 1e3 / 2π (≈ 15.6333; phonopy's VaspToTHz).
inline constexpr double ev_a2_amu_to_thz = 15.633304239856576;
// 1 THz in cm⁻¹: 1e12 / (c in cm/s) with c = 299792458 m/s (exact).
inline constexpr double thz_to_per_cm = 33.35640951981521;

}  // namespace lnet::units
