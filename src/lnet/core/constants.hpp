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

}  // namespace lnet::units
