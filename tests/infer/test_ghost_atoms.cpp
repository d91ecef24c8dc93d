// Domain decomposition in the inference engine: a periodic structure split between
// two "processes", each evaluating its own atoms with explicit ghost atoms (periodic images and
// the other process's atoms within EngineModel::ghost_cutoff()), sums to the whole structure's
// energy, forces (ghost forces added to their owners), virial and Born dipole.
#include <gtest/gtest.h>

#include <condition_variable>
#include <map>
#include <mutex>
#include <thread>

#include "infer/engine_fixtures.hpp"
#include "lnet/infer/decomposition.hpp"
#include "lnet/model/fast_electrostatics.hpp"

namespace lnet {
namespace {

using namespace lnet::testing;

// One process's atoms: `local` atoms of the cell first, then ghost images within `radius` of
// them; owner[k] is the atom of the cell that atom k is a copy of.
struct Domain {
  int num_local = 0;
  std::vector<Vec3> positions;
  std::vector<int> owner;
};

Domain make_domain(const Structure& s, const std::vector<int>& local, double radius) {
  Domain d;
  d.num_local = static_cast<int>(local.size());
  std::map<std::pair<int, std::array<int, 3>>, int> seen;
  for (int i : local) {
    seen[{i, {0, 0, 0}}] = static_cast<int>(d.positions.size());
    d.positions.push_back(s.positions[i]);
    d.owner.push_back(i);
  }
  const NeighborList nl = build_neighbor_list(s.positions, s.cell, s.pbc, radius);
  std::vector<bool> mine(s.size(), false);
  for (int i : local) mine[i] = true;
  for (std::size_t k = 0; k < nl.size(); ++k) {
    if (!mine[nl.first[k]]) continue;
    const auto key = std::make_pair(nl.second[k], nl.shifts[k]);
    if (seen.count(key)) continue;
    const auto& n = nl.shifts[k];
    seen[key] = static_cast<int>(d.positions.size());
    d.positions.push_back(
        s.positions[nl.second[k]] +
        (n[0] * s.cell.row(0) + n[1] * s.cell.row(1) + n[2] * s.cell.row(2)).transpose());
    d.owner.push_back(nl.second[k]);
  }
  return d;
}

struct Case {
  bool long_range, learn_charges;
};

class GhostAtomsTest : public ::testing::TestWithParam<Case> {};

TEST_P(GhostAtomsTest, TwoDomainsSumToTheWholeStructure) {
  const Case k = GetParam();
  torch::manual_seed(21);
  const ModelConfig c = engine_config({2, 2, 2, 1}, k.long_range, k.learn_charges);
  Potential model(c);
  infer::EngineModel<double> engine(infer_weights(model));
  const Structure s = random_structure(3, 12, 6.0, true);
  const Vec3 field = k.long_range ? Vec3(0.05, -0.03, 0.08) : Vec3::Zero();
  const auto n = static_cast<int>(s.size());

  // The whole structure, and its electrostatics at the converged charges and dipoles: every
  // process's electrostatics returns the owners' values (what MPI ranks compute together).
  std::optional<es::Parameters> params;
  const Values whole = engine_values(engine, c, s, field, params);
  infer::ElectrostaticsResult es_whole;
  if (k.long_range) {
    std::vector<double> sigma;
    for (int z : s.numbers) sigma.push_back(c.sigma.at(z));
    es::Settings settings;
    settings.method = es::parse_method(c.es_method);
    settings.accuracy = c.es_accuracy;
    es::Electrostatics es(settings);
    es_whole = torch_electrostatics(es, params, s.positions, s.cell, true, sigma)(whole.charges,
                                                                                  whole.dipoles);
  }

  std::vector<int> left, right;
  for (int i = 0; i < n; ++i) {
    const Vec3 frac = s.cell.transpose().inverse() * s.positions[i];
    (frac(0) - std::floor(frac(0)) < 0.5 ? left : right).push_back(i);
  }
  ASSERT_FALSE(left.empty());
  ASSERT_FALSE(right.empty());

  double energy = 0;
  std::vector<Vec3> forces(n, Vec3::Zero());
  Mat3 virial = Mat3::Zero();
  Vec3 m = Vec3::Zero();
  for (const auto* local : {&left, &right}) {
    const bool first = local == &left;
    const Domain d = make_domain(s, *local, engine.ghost_cutoff());
    const std::array<bool, 3> open{false, false, false};
    const NeighborList na =
        build_neighbor_list(d.positions, Mat3::Zero(), open, c.network_a.cutoff);
    NeighborList nb;
    if (c.long_range) nb = build_neighbor_list(d.positions, Mat3::Zero(), open, c.network_b.cutoff);
    infer::Input in;
    for (int o : d.owner) in.species.push_back(c.species_index(s.numbers[o]));
    in.positions = d.positions;
    in.edges_a = &na;
    in.edges_b = c.long_range ? &nb : nullptr;
    in.efield = field;
    in.virial = true;
    in.num_local = d.num_local;
    auto es_fn = [&](const std::vector<double>& q, const std::vector<Vec3>& mu) {
      infer::ElectrostaticsResult r;
      const auto size = q.size();
      r.potential.assign(size, 0.0);
      r.field.assign(size, Vec3::Zero());
      r.forces.assign(size, Vec3::Zero());
      for (int i = 0; i < d.num_local; ++i) {  // local charges and dipoles are the owners'
        EXPECT_NEAR(q[i], whole.charges[d.owner[i]], 1e-12);
        EXPECT_LT((mu[i] - whole.dipoles[d.owner[i]]).norm(), 1e-12);
        r.potential[i] = es_whole.potential[d.owner[i]];
        r.field[i] = es_whole.field[d.owner[i]];
        r.forces[i] = es_whole.forces[d.owner[i]];
      }
      if (first) {
        r.energy = es_whole.energy;
        r.virial = es_whole.virial;
      }
      return r;
    };
    const infer::Output o = engine.evaluate(in, es_fn);
    energy += o.energy;
    for (std::size_t a = 0; a < d.positions.size(); ++a) forces[d.owner[a]] += o.forces[a];
    virial += *o.virial;
    if (o.dipole) m += *o.dipole;
  }
  const double scale = std::max(1.0, std::abs(whole.energy));
  EXPECT_NEAR(energy, whole.energy, 1e-10 * scale);
  RecordProperty("force_error", sci(rel_error(forces, whole.forces, 1e-3)));
  EXPECT_LT(rel_error(forces, whole.forces, 1e-3), 1e-10);
  EXPECT_LT((virial - whole.virial).cwiseAbs().maxCoeff(),
            1e-10 * std::max(1e-3, whole.virial.cwiseAbs().maxCoeff()));
  if (k.long_range) {
    EXPECT_LT((m - whole.m).cwiseAbs().maxCoeff(), 1e-10 * whole.m.norm());
  }
}

INSTANTIATE_TEST_SUITE_P(Models, GhostAtomsTest,
                         ::testing::Values(Case{false, false}, Case{true, false},
                                           Case{true, true}));

// Too thin a ghost shell is wrong: the test above can fail.
TEST(GhostAtoms, ThinnerShellChangesTheEnergy) {
  torch::manual_seed(21);
  const ModelConfig c = engine_config({2, 2, 2, 1}, false, false);
  Potential model(c);
  infer::EngineModel<double> engine(infer_weights(model));
  EXPECT_DOUBLE_EQ(engine.ghost_cutoff(), 2 * c.network_a.cutoff);
  const Structure s = random_structure(3, 12, 6.0, true);
  std::vector<int> all(s.size());
  for (std::size_t i = 0; i < s.size(); ++i) all[i] = static_cast<int>(i);
  auto energy = [&](double radius) {
    const Domain d = make_domain(s, all, radius);
    const NeighborList na =
        build_neighbor_list(d.positions, Mat3::Zero(), {false, false, false}, c.network_a.cutoff);
    infer::Input in;
    for (int o : d.owner) in.species.push_back(c.species_index(s.numbers[o]));
    in.positions = d.positions;
    in.edges_a = &na;
    in.num_local = d.num_local;
    return engine.evaluate(in, {}).energy;
  };
  std::optional<es::Parameters> params;
  const double whole = engine_values(engine, c, s, Vec3::Zero(), params).energy;
  EXPECT_NEAR(energy(engine.ghost_cutoff()), whole, 1e-10 * std::abs(whole));
  EXPECT_GT(std::abs(energy(c.network_a.cutoff) - whole), 1e-6 * std::abs(whole));
}

// Two processes as two threads: the Exchange of a process reads the owners' values from the
// other's arrays and sums buffers through a shared accumulator (what MPI does in LAMMPS).
class Rendezvous {
 public:
  void wait() {
    std::unique_lock<std::mutex> lock(m_);
    const int generation = generation_;
    if (++count_ == 2) {
      count_ = 0;
      ++generation_;
      cv_.notify_all();
    } else {
      cv_.wait(lock, [&] { return generation != generation_; });
    }
  }

 private:
  std::mutex m_;
  std::condition_variable cv_;
  int count_ = 0, generation_ = 0;
};

struct Shared {
  Rendezvous barrier;
  std::mutex m;
  std::vector<double>* values[2] = {nullptr, nullptr};
  std::vector<double> sum;
  std::vector<std::pair<int, int>> home;  // atom of the cell -> (process, local index)
};

class ThreadExchange : public infer::Exchange {
 public:
  ThreadExchange(Shared& shared, const Domain& d, int me) : s_(shared), d_(d), me_(me) {}
  void forward(std::vector<double>& values, int width) override {
    s_.values[me_] = &values;
    s_.barrier.wait();  // both have their local values
    for (std::size_t k = d_.num_local; k < d_.owner.size(); ++k) {
      const auto [p, i] = s_.home[d_.owner[k]];
      for (int w = 0; w < width; ++w) values[k * width + w] = (*s_.values[p])[i * width + w];
    }
    s_.barrier.wait();  // nobody changes local values before both have read them
  }
  void sum(std::vector<double>& values) override {
    {
      std::lock_guard<std::mutex> lock(s_.m);
      if (s_.sum.empty()) s_.sum.assign(values.size(), 0.0);
      for (std::size_t k = 0; k < values.size(); ++k) s_.sum[k] += values[k];
    }
    s_.barrier.wait();
    values = s_.sum;
    s_.barrier.wait();
    if (me_ == 0) s_.sum.clear();
    s_.barrier.wait();
  }
  bool root() const override { return me_ == 0; }

 private:
  Shared& s_;
  const Domain& d_;
  int me_;
};

// Networks and the decomposed Ewald/PME electrostatics together, against the whole structure
// through the reference (autograd) electrostatics.
class DecomposedTest : public ::testing::TestWithParam<std::string> {};

TEST_P(DecomposedTest, TwoProcessesEqualTheWholeStructure) {
  torch::manual_seed(23);
  ModelConfig c = engine_config({2, 2, 2, 1}, true, true);
  c.es_method = GetParam();
  c.es_accuracy = 1e-6;
  Potential model(c);
  const Structure s = random_structure(5, 14, 7.0, true);
  const Vec3 field(0.04, -0.02, 0.03);
  const auto n = static_cast<int>(s.size());
  infer::EngineModel<double> whole_engine(infer_weights(model));
  std::optional<es::Parameters> params;
  const Values whole = engine_values(whole_engine, c, s, field, params);
  const infer::CoulombParameters cp = *params;

  std::vector<int> part[2];
  for (int i = 0; i < n; ++i) {
    const Vec3 frac = s.cell.transpose().inverse() * s.positions[i];
    part[frac(1) - std::floor(frac(1)) < 0.5 ? 0 : 1].push_back(i);
  }
  Shared shared;
  shared.home.resize(n);
  Domain d[2];
  for (int p = 0; p < 2; ++p) {
    const double radius = std::max(whole_engine.ghost_cutoff(), cp.real_cutoff);
    d[p] = make_domain(s, part[p], radius);
    for (int i = 0; i < d[p].num_local; ++i) shared.home[d[p].owner[i]] = {p, i};
  }
  // Everything but the evaluation is set up first (FFTW's planner is not thread-safe).
  struct Process {
    NeighborList na, nb, pairs;
    infer::Input in;
    std::vector<double> sigma;
    std::unique_ptr<infer::EngineModel<double>> engine;
    std::unique_ptr<infer::KSpace> kspace;
    std::unique_ptr<ThreadExchange> exchange;
    infer::Output out;
  };
  Process proc[2];
  for (int p = 0; p < 2; ++p) {
    Process& q = proc[p];
    const std::array<bool, 3> open{false, false, false};
    q.na = build_neighbor_list(d[p].positions, Mat3::Zero(), open, c.network_a.cutoff);
    q.nb = build_neighbor_list(d[p].positions, Mat3::Zero(), open, c.network_b.cutoff);
    q.pairs = build_neighbor_list(d[p].positions, Mat3::Zero(), open, cp.real_cutoff);
    for (int o : d[p].owner) {
      q.in.species.push_back(c.species_index(s.numbers[o]));
      q.sigma.push_back(c.sigma.at(s.numbers[o]));
    }
    q.in.positions = d[p].positions;
    q.in.edges_a = &q.na;
    q.in.edges_b = &q.nb;
    q.in.efield = field;
    q.in.virial = true;
    q.in.num_local = d[p].num_local;
    q.engine = std::make_unique<infer::EngineModel<double>>(infer_weights(model));
    q.kspace = infer::make_kspace(cp, s.cell);
    q.exchange = std::make_unique<ThreadExchange>(shared, d[p], p);
  }
  auto run = [&](int p) {
    Process& q = proc[p];
    q.out = q.engine->evaluate(
        q.in, infer::decomposed_electrostatics(cp, *q.kspace, q.in.positions, q.sigma,
                                               d[p].num_local, q.pairs, *q.exchange));
  };
  std::thread other(run, 1);
  run(0);
  other.join();

  double energy = 0;
  std::vector<Vec3> forces(n, Vec3::Zero());
  Mat3 virial = Mat3::Zero();
  Vec3 m = Vec3::Zero();
  for (int p = 0; p < 2; ++p) {
    const infer::Output& o = proc[p].out;
    energy += o.energy;
    for (std::size_t a = 0; a < d[p].owner.size(); ++a) forces[d[p].owner[a]] += o.forces[a];
    virial += *o.virial;
    m += *o.dipole;
  }
  EXPECT_NEAR(energy, whole.energy, 1e-10 * std::max(1.0, std::abs(whole.energy)));
  RecordProperty("force_error", sci(rel_error(forces, whole.forces, 1e-3)));
  EXPECT_LT(rel_error(forces, whole.forces, 1e-3), 1e-10);
  EXPECT_LT((virial - whole.virial).cwiseAbs().maxCoeff(),
            1e-10 * std::max(1e-3, whole.virial.cwiseAbs().maxCoeff()));
  EXPECT_LT((m - whole.m).cwiseAbs().maxCoeff(), 1e-10 * whole.m.norm());
}

INSTANTIATE_TEST_SUITE_P(Methods, DecomposedTest, ::testing::Values("ewald", "pme"));

}  // namespace
}  // namespace lnet
