// Small models and structures shared by the model tests.
#pragma once
#include <fstream>
#include <string>

#include "common/rocksalt.hpp"
#include "lnet/model/potential.hpp"

namespace lnet::testing {

// A small float64 model for Na/Cl; long range with dipoles (and learned charges if asked).
inline ModelConfig small_config(bool long_range, bool learn_charges = false) {
  ModelConfig c;
  c.species = {11, 17};
  c.network_a = {3.5, 6, 5, 2, 1, 8, 3, 2, 16};
  c.network_b = {3.0, 6, 5, 2, 1, 8, 2, 2, 16};
  c.long_range = long_range;
  c.learn_charges = learn_charges;
  c.charges = {{11, 0.8}, {17, -0.8}};
  c.sigma = {{11, 0.7}, {17, 0.9}};
  c.es_accuracy = 1e-8;  // tight, so FD checks test derivatives and not Ewald truncation
  c.e0 = {-1.0, -2.0};
  c.energy_scale = 0.5;
  c.avg_neighbors_a = 8;
  c.avg_neighbors_b = 6;
  return c;
}

// A distorted rock-salt-like periodic cell with `n` formula units along a (2n Na + 2n Cl... ):
// 8 atoms in a sheared cell, randomly displaced.
inline Structure distorted_nacl(int seed, bool periodic = true) {
  std::srand(seed);
  auto rnd = [] { return 2.0 * std::rand() / RAND_MAX - 1.0; };
  Structure s;
  const double a = 5.6;
  s.cell << a, 0.1, 0.0, 0.2, a * 1.02, 0.05, -0.1, 0.15, a * 0.98;
  s.pbc = {periodic, periodic, periodic};
  for (int i = 0; i < 8; ++i) {
    const Vec3& f = rocksalt_fractions()[i];
    Vec3 r = s.cell.transpose() * f;
    s.positions.push_back(r + 0.15 * Vec3(rnd(), rnd(), rnd()));
    s.numbers.push_back(rocksalt_number(i));
  }
  return s;
}

// distorted_nacl(4) as a one-frame extended XYZ file with energy -3.5 eV, positions written
// with 17 digits: labelled data for `lnet eval` tests.
inline void write_labelled_nacl(const std::string& path) {
  std::ofstream out(path);
  const Structure s = distorted_nacl(4);
  out.precision(17);
  out << s.size() << "\nLattice=\"5.6 0.1 0 0.2 5.712 0.05 -0.1 0.15 5.488\" pbc=\"T T T\" "
      << "Properties=species:S:1:pos:R:3 energy=-3.5\n";
  for (std::size_t i = 0; i < s.size(); ++i)
    out << (s.numbers[i] == 11 ? "Na" : "Cl") << " " << s.positions[i].transpose() << "\n";
}

inline Prediction predict(Potential& p, const Structure& s, Request r = {}) {
  Batch b = make_batch({&s}, p->config());
  return p->forward(b, r);
}

// A proper rotation drawn from a seed.
inline Mat3 random_rotation(int seed) {
  std::srand(seed);
  Eigen::HouseholderQR<Eigen::Matrix3d> qr(Eigen::Matrix3d::Random());
  Mat3 q = qr.householderQ();
  if (q.determinant() < 0) q.col(0) *= -1;
  return q;
}

}  // namespace lnet::testing
