#include "lnet/train/dataset.hpp"

#include <spdlog/spdlog.h>

#include <Eigen/Dense>
#include <algorithm>
#include <cmath>
#include <numeric>
#include <random>
#include <set>
#include <sstream>

#include "lnet/applicability/applicability_domain.hpp"
#include "lnet/core/atom_checks.hpp"
#include "lnet/core/elements.hpp"
#include "lnet/core/error.hpp"
#include "lnet/core/neighbor_list.hpp"
#include "lnet/electrostatics/electrostatics.hpp"
#include "lnet/io/extxyz.hpp"
#include "lnet/io/label_checks.hpp"
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
void check_finite(const Structure& s, const LabelKeys& keys, const std::string& where) {
  auto bad = [&](const std::string& what) { return InputError(where, what + " is not finite"); };
  for (std::size_t i = 0; i < s.size(); ++i)
    if (!finite(s.positions[i])) throw bad("the position of atom " + std::to_string(i + 1));
  if (s.periodic() && !finite(s.cell)) throw bad("the Lattice");
  check_labels_finite(s, keys, where);
  if (!(finite(s.weight) && s.weight >= 0)) throw InputError(where, "config_weight must be >= 0");
}

// Atoms closer than this are a duplicated atom or a unit slip, never chemistry: the shortest
// bond (H2) is 0.74 Å, and at zero distance edge directions and the Coulomb kernel are NaN.
constexpr double kMinAtomDistance = 0.1;  // Å

void check_separation(const Structure& s, const std::string& where) {
  const std::optional<ClosePair> close = closest_pair(s.positions, s.cell, s.pbc, kMinAtomDistance);
  if (!close) return;
  std::ostringstream os;
  os << "atoms " << close->first + 1 << " and " << close->second + 1
     << (close->first == close->second ? " (a periodic image)" : "") << " are " << close->distance
     << " A apart, closer than " << kMinAtomDistance << " A (a duplicated atom or wrong units?)";
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
    check_finite(frames[f], c.keys, where);
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

// (1/eps_s) E_es of the nominal charges q0 (no dipoles) of every frame of `train`: what a
// long-range model's electrostatics give before network B has learned anything. The reference
// energies are fitted to E_ref minus this, so that network A does not have to learn the large
// per-atom constant of the nominal charges' Madelung energy (an SiO2 model began 243 meV/atom
// off for that reason). Zeros for short-range models and models without nominal charges.
std::vector<double> nominal_electrostatic_energies(const std::vector<Structure>& train,
                                                   const ModelConfig& m) {
  std::vector<double> out(train.size(), 0.0);
  const bool charged = std::any_of(m.charges.begin(), m.charges.end(),
                                   [](const auto& zq) { return zq.second != 0.0; });
  if (!m.long_range || !charged) return out;
  es::Settings settings;
  settings.method = es::parse_method(m.es_method);
  settings.accuracy = m.es_accuracy;
  const es::Electrostatics es(settings);
  auto value = [](const std::map<int, double>& table, int z, double fallback) {
    const auto it = table.find(z);
    return it == table.end() ? fallback : it->second;
  };
  for (std::size_t k = 0; k < train.size(); ++k) {
    const Structure& s = train[k];
    if (!s.energy || s.size() == 0) continue;
    const auto n = static_cast<int64_t>(s.size());
    es::Sites sites;
    sites.periodic = s.periodic();
    sites.positions = torch::empty({n, 3}, torch::kFloat64);
    sites.charges = torch::empty({n}, torch::kFloat64);
    sites.sigma = torch::empty({n}, torch::kFloat64);
    for (int64_t i = 0; i < n; ++i) {
      for (int a = 0; a < 3; ++a) sites.positions[i][a] = s.positions[i](a);
      sites.charges[i] = value(m.charges, s.numbers[i], 0.0);
      sites.sigma[i] = value(m.sigma, s.numbers[i], 1.0);
    }
    sites.cell = torch::empty({3, 3}, torch::kFloat64);
    for (int r = 0; r < 3; ++r)
      for (int c = 0; c < 3; ++c) sites.cell[r][c] = s.cell(r, c);
    torch::NoGradGuard no_grad;
    out[k] = es.energy(sites).item<double>() / m.epsilon_s;
  }
  return out;
}

// e0 per species by least squares on E_ref - e_es (the nominal electrostatics above).
void fit_reference_energies(const std::vector<Structure>& train, const std::vector<double>& e_es,
                            ModelConfig& m) {
  const auto ns = static_cast<int>(m.species.size());
  std::vector<std::size_t> labelled;
  for (std::size_t k = 0; k < train.size(); ++k)
    if (train[k].energy) labelled.push_back(k);
  m.e0.assign(ns, 0.0);
  if (labelled.empty()) return;
  Eigen::MatrixXd a = Eigen::MatrixXd::Zero(static_cast<int>(labelled.size()), ns);
  Eigen::VectorXd e(static_cast<int>(labelled.size()));
  for (int r = 0; r < a.rows(); ++r) {
    const Structure& s = train[labelled[r]];
    for (int z : s.numbers) a(r, m.species_index(z)) += 1;
    e(r) = *s.energy - e_es[labelled[r]];
  }
  // Minimum-norm least squares: fixed stoichiometry (e.g. always NaCl) leaves the split between
  // species undetermined, which does not matter for any prediction.
  Eigen::VectorXd x = a.completeOrthogonalDecomposition().solve(e);
  for (int s = 0; s < ns; ++s) m.e0[s] = x(s);
}

double energy_scale(const std::vector<Structure>& train, const std::vector<double>& e_es,
                    const ModelConfig& m) {
  double sum = 0;
  long n = 0;
  for (const auto& s : train)
    if (s.forces)
      for (const auto& f : *s.forces) sum += f.squaredNorm(), n += 3;
  if (n > 0 && sum > 0) return std::sqrt(sum / n);
  std::vector<double> residual;  // no forces: spread of per-atom energies about the fit
  for (std::size_t k = 0; k < train.size(); ++k) {
    const Structure& s = train[k];
    if (!s.energy) continue;
    double e = *s.energy - e_es[k];
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
  const std::vector<double> e_es = nominal_electrostatic_energies(train, m);
  fit_reference_energies(train, e_es, m);
  m.energy_scale = energy_scale(train, e_es, m);
  m.avg_neighbors_a = average_neighbors(train, m.network_a.cutoff);
  if (m.long_range) m.avg_neighbors_b = average_neighbors(train, m.network_b.cutoff);
  std::vector<const Structure*> frames;
  for (const auto& s : train) frames.push_back(&s);
  m.applicability_domain = ApplicabilityDomain::fit(frames, m.species, m.max_cutoff()).to_json();
  std::string e0;
  for (std::size_t s = 0; s < m.species.size(); ++s)
    e0 += " " + element_symbol(m.species[s]) + "=" + std::to_string(m.e0[s]);
  spdlog::info("statistics: e0 (eV){}; energy scale {:.4f} eV; neighbours A {:.1f}{}", e0,
               m.energy_scale, m.avg_neighbors_a,
               m.long_range ? fmt::format(", B {:.1f}", m.avg_neighbors_b) : "");
  double es_sum = 0;
  std::size_t atoms = 0;
  for (std::size_t k = 0; k < train.size(); ++k)
    if (train[k].energy) es_sum += e_es[k], atoms += train[k].size();
  if (es_sum != 0)
    spdlog::info("e0 fitted to E_ref - E_es(nominal charges), {:.4f} eV/atom on average",
                 es_sum / static_cast<double>(atoms));
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
