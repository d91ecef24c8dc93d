#include "lnet/train/dataset.hpp"

#include <spdlog/spdlog.h>

#include <Eigen/Dense>
#include <algorithm>
#include <cmath>
#include <numeric>
#include <random>
#include <set>
#include <sstream>

#include "lnet/core/elements.hpp"
#include "lnet/core/error.hpp"
#include "lnet/core/neighbor_list.hpp"
#include "lnet/domain/domain.hpp"
#include "lnet/io/extxyz.hpp"
#include "lnet/train/labels.hpp"

namespace lnet {

namespace {

bool finite(const Vec3& v) { return v.allFinite(); }
bool finite(const Mat3& m) { return m.allFinite(); }
bool finite(double x) { return std::isfinite(x); }
template <class T>
bool finite(const std::vector<T>& v) {
  return std::all_of(v.begin(), v.end(), [](const T& x) { return finite(x); });
}

// NaN or inf in the data would flow through losses and metrics into the model.
void check_finite(const Structure& s, const std::string& where) {
  auto bad = [&](const std::string& what) { return InputError(where, what + " is not finite"); };
  for (std::size_t i = 0; i < s.size(); ++i)
    if (!finite(s.positions[i])) throw bad("the position of atom " + std::to_string(i + 1));
  if (s.periodic() && !finite(s.cell)) throw bad("the Lattice");
  if (s.energy && !finite(*s.energy)) throw bad("the energy label");
  if (s.forces && !finite(*s.forces)) throw bad("a forces label");
  if (s.stress && !finite(*s.stress)) throw bad("the stress label");
  if (s.virial && !finite(*s.virial)) throw bad("the virial label");
  if (s.bec && !finite(*s.bec)) throw bad("a bec label");
  if (s.dipole && !finite(*s.dipole)) throw bad("the dipole label");
  if (s.polarization && !finite(*s.polarization)) throw bad("the polarization label");
  if (s.polarizability && !finite(*s.polarizability)) throw bad("the polarizability label");
  if (s.efield && !finite(*s.efield)) throw bad("the efield");
  if (s.epsilon_inf && !finite(*s.epsilon_inf)) throw bad("the epsilon_inf label");
  if (!(finite(s.weight) && s.weight >= 0)) throw InputError(where, "config_weight must be >= 0");
}

// Atoms closer than this are a duplicated atom or a unit slip, never chemistry: the shortest
// bond (H2) is 0.74 Å, and at zero distance edge directions and the Coulomb kernel are NaN.
constexpr double kMinAtomDistance = 0.1;  // Å

void check_separation(const Structure& s, const std::string& where) {
  const NeighborList close = build_neighbor_list(s.positions, s.cell, s.pbc, kMinAtomDistance);
  if (close.size() == 0) return;
  const int i = close.first[0], j = close.second[0];
  const Vec3 d =
      s.positions[j] - s.positions[i] +
      s.cell.transpose() * Vec3(close.shifts[0][0], close.shifts[0][1], close.shifts[0][2]);
  std::ostringstream os;
  os << "atoms " << i + 1 << " and " << j + 1 << (i == j ? " (a periodic image)" : "") << " are "
     << d.norm() << " A apart, closer than " << kMinAtomDistance
     << " A (a duplicated atom or wrong units?)";
  throw InputError(where, os.str());
}

// The Ewald/PME sums are periodic in all three directions or in none (slabs and wires would
// need another solver); found here, a frame like that is named instead of failing mid-epoch.
void check_boundaries(const Structure& s, const std::string& where) {
  if (s.pbc[0] == s.pbc[1] && s.pbc[1] == s.pbc[2]) return;
  std::string pbc;
  for (bool p : s.pbc) pbc += pbc.empty() ? (p ? "T" : "F") : (p ? " T" : " F");
  throw InputError(where, "mixed periodic boundaries (pbc=\"" + pbc +
                              "\"): a long-range model needs all three directions periodic or "
                              "none");
}

std::vector<Structure> read_data(const std::string& path, const TrainConfig& c) {
  std::vector<Structure> frames = read_extxyz(path, c.keys);
  for (std::size_t f = 0; f < frames.size(); ++f) {
    const std::string where = path + " (frame " + std::to_string(f + 1) + ")";
    check_finite(frames[f], where);
    check_separation(frames[f], where);
    if (c.model.long_range) check_boundaries(frames[f], where);
  }
  spdlog::info("{}", label_summary(path, frames, c.keys));
  return frames;
}

}  // namespace

DataSplit load_split(const TrainConfig& c) {
  DataSplit split;
  std::vector<Structure> all = read_data(c.train_file, c);
  if (all.empty()) throw InputError(c.train_file, "no structures");
  std::vector<int> idx(all.size());
  std::iota(idx.begin(), idx.end(), 0);
  std::mt19937_64 rng(static_cast<uint64_t>(c.split_seed));
  std::shuffle(idx.begin(), idx.end(), rng);
  const auto n = static_cast<double>(all.size());
  std::size_t nv =
      c.valid_file.empty() ? static_cast<std::size_t>(std::round(c.valid_fraction * n)) : 0;
  std::size_t nt =
      c.test_file.empty() ? static_cast<std::size_t>(std::round(c.test_fraction * n)) : 0;
  if (nv + nt >= all.size())
    throw InputError(c.source, "data: the validation and test fractions leave no training data");
  for (std::size_t k = 0; k < idx.size(); ++k) {
    auto& dest = k < nv ? split.valid : (k < nv + nt ? split.test : split.train);
    dest.push_back(std::move(all[idx[k]]));
  }
  if (!c.valid_file.empty()) split.valid = read_data(c.valid_file, c);
  if (!c.test_file.empty()) split.test = read_data(c.test_file, c);
  for (const std::string& w : check_loss_labels(split.train, split.valid, c)) spdlog::warn("{}", w);
  return split;
}

namespace {

void fit_reference_energies(const std::vector<Structure>& train, ModelConfig& m) {
  const auto ns = static_cast<int>(m.species.size());
  std::vector<const Structure*> labelled;
  for (const auto& s : train)
    if (s.energy) labelled.push_back(&s);
  m.e0.assign(ns, 0.0);
  if (labelled.empty()) return;
  Eigen::MatrixXd a = Eigen::MatrixXd::Zero(static_cast<int>(labelled.size()), ns);
  Eigen::VectorXd e(static_cast<int>(labelled.size()));
  for (int r = 0; r < a.rows(); ++r) {
    for (int z : labelled[r]->numbers) a(r, m.species_index(z)) += 1;
    e(r) = *labelled[r]->energy;
  }
  // Minimum-norm least squares: fixed stoichiometry (e.g. always NaCl) leaves the split between
  // species undetermined, which does not matter for any prediction.
  Eigen::VectorXd x = a.completeOrthogonalDecomposition().solve(e);
  for (int s = 0; s < ns; ++s) m.e0[s] = x(s);
}

double energy_scale(const std::vector<Structure>& train, const ModelConfig& m) {
  double sum = 0;
  long n = 0;
  for (const auto& s : train)
    if (s.forces)
      for (const auto& f : *s.forces) sum += f.squaredNorm(), n += 3;
  if (n > 0 && sum > 0) return std::sqrt(sum / n);
  std::vector<double> residual;  // no forces: spread of per-atom energies about the fit
  for (const auto& s : train) {
    if (!s.energy) continue;
    double e = *s.energy;
    for (int z : s.numbers) e -= m.e0[m.species_index(z)];
    residual.push_back(e / static_cast<double>(s.size()));
  }
  if (residual.size() < 2) return 1.0;
  double mean = std::accumulate(residual.begin(), residual.end(), 0.0) / residual.size(), var = 0;
  for (double r : residual) var += (r - mean) * (r - mean);
  return std::max(1e-3, std::sqrt(var / residual.size()));
}

double average_neighbors(const std::vector<Structure>& train, double cutoff) {
  std::size_t pairs = 0, atoms = 0;
  for (const auto& s : train) {
    pairs += build_neighbor_list(s.positions, s.cell, s.pbc, cutoff).size();
    atoms += s.size();
  }
  return atoms ? std::max(1.0, static_cast<double>(pairs) / atoms) : 1.0;
}

}  // namespace

void fit_statistics(const std::vector<Structure>& train, const std::vector<Structure>& others,
                    ModelConfig& m) {
  std::set<int> species;
  for (const auto* set : {&train, &others})
    for (const auto& s : *set) species.insert(s.numbers.begin(), s.numbers.end());
  m.species.assign(species.begin(), species.end());
  fit_reference_energies(train, m);
  m.energy_scale = energy_scale(train, m);
  m.avg_neighbors_a = average_neighbors(train, m.network_a.cutoff);
  if (m.long_range) m.avg_neighbors_b = average_neighbors(train, m.network_b.cutoff);
  std::vector<const Structure*> frames;
  for (const auto& s : train) frames.push_back(&s);
  m.domain = Domain::fit(frames, m.species, m.max_cutoff()).to_json();
  std::string e0;
  for (std::size_t s = 0; s < m.species.size(); ++s)
    e0 += " " + element_symbol(m.species[s]) + "=" + std::to_string(m.e0[s]);
  spdlog::info("statistics: e0 (eV){}; energy scale {:.4f} eV; neighbours A {:.1f}{}", e0,
               m.energy_scale, m.avg_neighbors_a,
               m.long_range ? fmt::format(", B {:.1f}", m.avg_neighbors_b) : "");
}

std::vector<std::vector<int>> epoch_batches(std::size_t n, int batch_size, uint64_t seed,
                                            int epoch) {
  std::vector<int> idx(n);
  std::iota(idx.begin(), idx.end(), 0);
  std::mt19937_64 rng(seed * 1000003ull + static_cast<uint64_t>(epoch));
  std::shuffle(idx.begin(), idx.end(), rng);
  std::vector<std::vector<int>> out;
  for (std::size_t k = 0; k < n; k += batch_size)
    out.emplace_back(idx.begin() + k, idx.begin() + std::min(n, k + batch_size));
  return out;
}

std::vector<const Structure*> select(const std::vector<Structure>& data,
                                     const std::vector<int>& idx) {
  std::vector<const Structure*> out;
  for (int i : idx) out.push_back(&data[i]);
  return out;
}

}  // namespace lnet
