// Quantum ESPRESSO as the DFT driver of `lnet learn`: pw.x SCF for energy, forces and stress of
// every frame, ph.x at Γ (epsil, zeu) for Born charges and epsilon_inf of a chosen fraction.
// Outputs are read with lnet's own converters (io/qe_pw.hpp, io/qe_ph.hpp).
#pragma once
#include <array>
#include <map>
#include <string>

#include "lnet/learn/dft_driver.hpp"

namespace lnet {

struct QeSettings {
  std::string pseudo_dir;                               // absolute, or relative to the config
  std::map<std::string, std::string> pseudopotentials;  // element symbol -> UPF file name
  double ecutwfc = 60;                                  // Ry
  double ecutrho = 0;                                   // Ry; 0: pw.x's default (4 ecutwfc)
  std::array<int, 3> kpoints = {2, 2, 2};
  std::array<int, 3> kpoint_shift = {1, 1, 1};
  std::string smearing;    // empty: fixed occupations (insulators)
  double degauss = 0.01;   // Ry, with smearing
  double conv_thr = 1e-8;  // Ry (per cell)
  double tr2_ph = 1e-14;
  // Command templates, run in the frame's folder: {input}, {output} (file names there).
  std::string pw_command = "pw.x -in {input} > {output}";
  std::string ph_command = "ph.x -in {input} > {output}";
};

// The pw.x input of an SCF with forces and stress for `s` (cell and positions in Å).
std::string qe_pw_input(const Structure& s, const QeSettings& settings, const std::string& where);
// The ph.x input at Γ with epsil and zeu (Born charges and epsilon_inf).
std::string qe_ph_input(const QeSettings& settings);

// Writes pw.in, runs pw_command (pw.out), reads the last frame; with born also ph.in, ph.x
// (ph.out), whose geometry must be the frame's. The frame's folder keeps every file (inputs,
// outputs, the ./tmp wavefunctions are removed after a successful run).
class QeDriver : public DftDriver {
 public:
  QeDriver(QeSettings settings, std::string where)
      : settings_(std::move(settings)), where_(std::move(where)) {}
  Structure label(const Structure& frame, const std::string& dir, bool born) override;

 private:
  QeSettings settings_;
  std::string where_;
};

}  // namespace lnet
