// The decomposition the MPI pair style will use equals the one-process sum: sites
// split over two "ranks", each spreading its own sites into one summed k-space buffer and
// interpolating its own sites, and each summing real space over its local atoms plus explicit
// ghost atoms (image positions, zero shifts) with num_local.
#include <gtest/gtest.h>

#include <map>

#include "coulomb_fixtures.hpp"

namespace lnet::infer::test {
namespace {

// One rank's sites: its own [begin, end) of the system, then ghosts (images of any site within
// the cutoff of an own site), and the pairs of its own sites over them.
struct Rank {
  std::vector<Vec3> positions, dipoles;
  std::vector<double> charges, sigma;
  std::vector<std::size_t> owner;  // index in the whole system
  NeighborList pairs;
  std::size_t num_local = 0;
};

Rank make_rank(const System& s, const NeighborList& all, std::size_t begin, std::size_t end) {
  Rank r;
  auto add = [&](std::size_t j, const Vec3& pos) {
    r.positions.push_back(pos);
    r.charges.push_back(s.charges[j]);
    r.dipoles.push_back(s.dipoles[j]);
    r.sigma.push_back(s.sigma[j]);
    r.owner.push_back(j);
    return r.positions.size() - 1;
  };
  for (std::size_t j = begin; j < end; ++j) add(j, s.positions[j]);
  r.num_local = end - begin;
  std::map<std::pair<int, std::array<int, 3>>, std::size_t> ghosts;
  for (std::size_t k = 0; k < all.size(); ++k) {
    const std::size_t i = all.first[k], j = all.second[k];
    if (i < begin || i >= end) continue;
    const auto& n = all.shifts[k];
    std::size_t local;
    if (n == std::array<int, 3>{0, 0, 0} && j >= begin && j < end) {
      local = j - begin;
    } else {
      auto key = std::make_pair(int(j), n);
      auto it = ghosts.find(key);
      if (it == ghosts.end()) {
        const Vec3 image =
            s.positions[j] +
            (n[0] * s.cell.row(0) + n[1] * s.cell.row(1) + n[2] * s.cell.row(2)).transpose();
        it = ghosts.emplace(key, add(j, image)).first;
      }
      local = it->second;
    }
    r.pairs.first.push_back(int(i - begin));
    r.pairs.second.push_back(int(local));
    r.pairs.shifts.push_back({0, 0, 0});
  }
  return r;
}

CoulombSites view(const Rank& r, const System& s) {
  CoulombSites v;
  v.positions = r.positions.data();
  v.charges = s.use_charges ? r.charges.data() : nullptr;
  v.dipoles = s.use_dipoles ? r.dipoles.data() : nullptr;
  v.sigma = s.gaussian ? r.sigma.data() : nullptr;
  v.size = r.positions.size();
  return v;
}

void expect_equal(const ElectrostaticsResult& got, const ElectrostaticsResult& want) {
  // Only the order of the sums differs: rounding, 1e-12 relative to the largest entry.
  auto tol = [](double scale) { return 1e-12 * std::max(1.0, scale); };
  EXPECT_NEAR(got.energy, want.energy, tol(std::abs(want.energy)));
  EXPECT_NEAR((got.virial - want.virial).norm(), 0.0, tol(want.virial.norm()));
  for (std::size_t i = 0; i < want.forces.size(); ++i) {
    EXPECT_NEAR((got.forces[i] - want.forces[i]).norm(), 0.0, tol(want.forces[i].norm())) << i;
    EXPECT_NEAR((got.field[i] - want.field[i]).norm(), 0.0, tol(want.field[i].norm())) << i;
    EXPECT_NEAR(got.potential[i], want.potential[i], tol(std::abs(want.potential[i]))) << i;
  }
}

class CoulombRanks : public ::testing::TestWithParam<CoulombMethod> {};

TEST_P(CoulombRanks, SumOverRanksEqualsTheWhole) {
  const System s = random_system(40, triclinic(9.0), 11, /*net=*/0.3);
  CoulombParameters p;
  p.method = GetParam();
  p.alpha = 0.5;
  p.real_cutoff = 5.0;
  p.kmax = {6, 6, 6};
  p.mesh = {16, 15, 18};
  p.order = 6;
  Coulomb whole_solver(p);
  const ElectrostaticsResult whole = whole_solver.evaluate(s.sites(), s.cell);

  const NeighborList all =
      build_neighbor_list(s.positions, s.cell, {true, true, true}, p.real_cutoff);
  const std::size_t n = s.positions.size(), split = 17;
  const std::pair<std::size_t, std::size_t> ranges[2] = {{0, split}, {split, n}};
  ElectrostaticsResult sum;
  sum.reset(n);
  // k-space: (a) per rank into one buffer (the Allreduce), (b) once, (c) per rank.
  auto kspace = make_kspace(p, s.cell);
  std::vector<double> buffer = kspace->make_buffer();
  for (const auto& [b, e] : ranges) kspace->spread(s.sites().slice(b, e), buffer);
  const KSpaceSolution k = kspace->solve(buffer);
  sum.energy += k.energy;
  sum.virial += k.virial;
  for (const auto& [b, e] : ranges) {
    kspace->interpolate(s.sites().slice(b, e), buffer, sum, b);
    self_energy(s.sites().slice(b, e), p.alpha, sum, b);
    const Rank r = make_rank(s, all, b, e);
    ElectrostaticsResult part;
    part.reset(r.positions.size());
    real_space_sum(r.pairs, s.cell, view(r, s), r.num_local, p.alpha, p.real_cutoff, part);
    sum.energy += part.energy;
    sum.virial += part.virial;
    for (std::size_t g = 0; g < r.positions.size(); ++g) sum.forces[r.owner[g]] += part.forces[g];
    for (std::size_t i = 0; i < r.num_local; ++i) {
      sum.potential[b + i] += part.potential[i];
      sum.field[b + i] += part.field[i];
    }
  }
  expect_equal(sum, whole);
}

INSTANTIATE_TEST_SUITE_P(Methods, CoulombRanks,
                         ::testing::Values(CoulombMethod::Ewald, CoulombMethod::PME));

// A Verlet list (longer cutoff) gives the same as the exact list: pairs beyond the cutoff skip.
TEST(CoulombRealSpace, AcceptsALongerList) {
  const System s = random_system(30, Mat3(Vec3(8.0, 9.0, 7.5).asDiagonal()), 5);
  const NeighborList exact = build_neighbor_list(s.positions, s.cell, {true, true, true}, 4.0);
  const NeighborList verlet = build_neighbor_list(s.positions, s.cell, {true, true, true}, 5.0);
  ElectrostaticsResult a, b;
  a.reset(s.positions.size());
  b.reset(s.positions.size());
  real_space_sum(exact, s.cell, s.sites(), s.positions.size(), 0.6, 4.0, a);
  real_space_sum(verlet, s.cell, s.sites(), s.positions.size(), 0.6, 4.0, b);
  expect_equal(b, a);
  EXPECT_LT(exact.size(), verlet.size());
}

}  // namespace
}  // namespace lnet::infer::test
