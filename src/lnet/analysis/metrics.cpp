#include "lnet/analysis/metrics.hpp"

#include "lnet/core/constants.hpp"
#include "lnet/core/elements.hpp"
#include "lnet/util/table.hpp"

namespace lnet {

Vec3 fold_dipole(const Vec3& d, const Mat3& cell) {
  if (cell.cwiseAbs().sum() == 0) return d;
  const Vec3 f = cell.transpose().fullPivLu().solve(d);  // d = cellᵀ f
  return cell.transpose() * (f - f.array().round().matrix());
}

void Metrics::add(const Structure& ref, const Evaluation& pred) {
  const std::size_t n = ref.size();
  if (ref.energy) energy.add((pred.energy - *ref.energy) / static_cast<double>(n));
  if (ref.forces && pred.forces.size() == n)
    for (std::size_t i = 0; i < n; ++i)
      for (int a = 0; a < 3; ++a) {
        const double d = pred.forces[i](a) - (*ref.forces)[i](a);
        forces.add(d);
        forces_by_species[ref.numbers[i]].add(d);
      }
  const auto ref_stress = ref.stress_label();
  if (ref_stress && pred.virial && ref.periodic()) {
    const Mat3 s = -*pred.virial / ref.volume();
    for (int k = 0; k < 9; ++k) stress.add(s(k / 3, k % 3) - (*ref_stress)(k / 3, k % 3));
  }
  if (!pred.bec.empty()) {
    Mat3 sum = Mat3::Zero();
    for (const Mat3& z : pred.bec) sum += z;
    asr_max = std::max(asr_max, sum.cwiseAbs().maxCoeff());
  }
  if (ref.bec && pred.bec.size() == n)
    for (std::size_t i = 0; i < n; ++i)
      for (int k = 0; k < 9; ++k) {
        const double d = pred.bec[i](k / 3, k % 3) - (*ref.bec)[i](k / 3, k % 3);
        bec.add(d);
        bec_by_species[ref.numbers[i]].add(d);
      }
  if (const auto m = ref.dipole_label(); m && pred.dipole) {
    const Vec3 d = fold_dipole(*pred.dipole - *m, ref.periodic() ? ref.cell : Mat3::Zero());
    for (int a = 0; a < 3; ++a) polarization.add(d(a));
  }
  if (const auto alpha = ref.polarizability_label(); alpha && pred.polarizability)
    for (int k = 0; k < 9; ++k)
      polarizability.add((*pred.polarizability)(k / 3, k % 3) - (*alpha)(k / 3, k % 3));
  if (pred.epsilon_inf && ref.periodic()) {
    std::optional<Mat3> eps = ref.epsilon_inf;
    if (!eps && ref.polarizability)
      eps = Mat3(Mat3::Identity() + *ref.polarizability / (units::eps0 * ref.volume()));
    if (eps)
      for (int k = 0; k < 9; ++k)
        epsilon_inf.add((*pred.epsilon_inf)(k / 3, k % 3) - (*eps)(k / 3, k % 3));
  }
}

nlohmann::json Metrics::to_json() const {
  nlohmann::json j;
  auto put = [&](const std::string& name, const ErrorStats& e, double scale) {
    if (e.count)
      j[name] = {{"mae", e.mae() * scale}, {"rmse", e.rmse() * scale}, {"count", e.count}};
  };
  put("energy_meV_per_atom", energy, 1000);
  put("forces_meV_per_A", forces, 1000);
  put("stress_meV_per_A3", stress, 1000);
  put("bec_e", bec, 1);
  put("polarization_eA", polarization, 1);
  put("polarizability_eA2_per_V", polarizability, 1);
  put("epsilon_inf", epsilon_inf, 1);
  for (const auto& [z, e] : forces_by_species)
    put("forces_meV_per_A_" + element_symbol(z), e, 1000);
  for (const auto& [z, e] : bec_by_species) put("bec_e_" + element_symbol(z), e, 1);
  if (bec.count) j["asr_max_e"] = asr_max;
  return j;
}

std::string Metrics::table(const std::string& title) const {
  Table t({title, "MAE", "RMSE", "unit"});
  auto row = [&](const std::string& name, const ErrorStats& e, double scale,
                 const std::string& unit) {
    if (e.count) t.add_row({name, fmt(e.mae() * scale, 3), fmt(e.rmse() * scale, 3), unit});
  };
  row("energy", energy, 1000, "meV/atom");
  row("forces", forces, 1000, "meV/Å");
  for (const auto& [z, e] : forces_by_species)
    row("  forces " + element_symbol(z), e, 1000, "meV/Å");
  row("stress", stress, 1000, "meV/Å³");
  row("BEC", bec, 1, "e");
  for (const auto& [z, e] : bec_by_species) row("  BEC " + element_symbol(z), e, 1, "e");
  if (bec.count) t.add_row({"  sum rule |ΣZ*|", fmt(asr_max, 6), "", "e (max)"});
  row("M (folded)", polarization, 1, "e·Å");
  row("α_cell", polarizability, 1, "e·Å²/V");
  row("ε∞", epsilon_inf, 1, "");
  return t.str();
}

}  // namespace lnet
