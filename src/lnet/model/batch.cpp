#include "lnet/model/batch.hpp"

#include "lnet/core/constants.hpp"
#include "lnet/core/error.hpp"

namespace lnet {

namespace {

torch::Dtype dtype_of(const ModelConfig& c) {
  return c.dtype == "float32" ? torch::kFloat32 : torch::kFloat64;
}

EdgeSet edge_set(const std::vector<NeighborList>& lists, const std::vector<int64_t>& offsets,
                 torch::Dtype dtype) {
  std::vector<int64_t> recv, send, structure;
  std::vector<double> shift;
  for (std::size_t b = 0; b < lists.size(); ++b) {
    const NeighborList& nl = lists[b];
    for (std::size_t k = 0; k < nl.size(); ++k) {
      recv.push_back(offsets[b] + nl.first[k]);
      send.push_back(offsets[b] + nl.second[k]);
      for (int a = 0; a < 3; ++a) shift.push_back(nl.shifts[k][a]);
      structure.push_back(static_cast<int64_t>(b));
    }
  }
  EdgeSet e;
  const auto ne = static_cast<int64_t>(recv.size());
  e.receiver = torch::tensor(recv, torch::kLong);
  e.sender = torch::tensor(send, torch::kLong);
  e.structure = torch::tensor(structure, torch::kLong);
  e.shift = torch::tensor(shift, torch::kFloat64).reshape({ne, 3}).to(dtype);
  return e;
}

std::vector<NeighborList> neighbor_lists(const std::vector<const Structure*>& structures,
                                         double cutoff) {
  std::vector<NeighborList> lists;
  for (const Structure* s : structures)
    lists.push_back(build_neighbor_list(s->positions, s->cell, s->pbc, cutoff));
  return lists;
}

torch::Tensor mat3(const Mat3& m) {
  auto t = torch::empty({3, 3}, torch::kFloat64);
  for (int a = 0; a < 3; ++a)
    for (int b = 0; b < 3; ++b) t[a][b] = m(a, b);
  return t;
}

}  // namespace

torch::Tensor Batch::volume() const { return torch::linalg::det(cell).abs(); }

Batch make_batch(const std::vector<const Structure*>& structures, const ModelConfig& config) {
  return make_batch(structures, config, neighbor_lists(structures, config.network_a.cutoff),
                    config.long_range ? neighbor_lists(structures, config.network_b.cutoff)
                                      : std::vector<NeighborList>{});
}

Batch make_batch(const std::vector<const Structure*>& structures, const ModelConfig& config,
                 const std::vector<NeighborList>& edges_a,
                 const std::vector<NeighborList>& edges_b) {
  if (edges_a.size() != structures.size() ||
      (config.long_range && edges_b.size() != structures.size()))
    throw Error("make_batch: one neighbour list per structure and network expected");
  Batch b;
  const auto dtype = dtype_of(config);
  b.num_structures = static_cast<int64_t>(structures.size());
  int64_t n = 0;
  for (const Structure* s : structures) {
    b.offsets.push_back(n);
    b.natoms.push_back(static_cast<int64_t>(s->size()));
    b.pbc.push_back(s->pbc);
    n += static_cast<int64_t>(s->size());
  }
  auto f64 = torch::kFloat64;
  b.positions = torch::empty({n, 3}, f64);
  b.species = torch::empty({n}, torch::kLong);
  b.numbers = torch::empty({n}, torch::kLong);
  b.structure = torch::empty({n}, torch::kLong);
  b.forces = torch::zeros({n, 3}, f64);
  b.forces_mask = torch::zeros({n}, f64);
  b.bec = torch::zeros({n, 3, 3}, f64);
  b.bec_mask = torch::zeros({n}, f64);
  const int64_t nb = b.num_structures;
  b.cell = torch::zeros({nb, 3, 3}, f64);
  b.energy = torch::zeros({nb}, f64);
  b.energy_mask = torch::zeros({nb}, f64);
  b.stress = torch::zeros({nb, 3, 3}, f64);
  b.stress_mask = torch::zeros({nb}, f64);
  b.efield = torch::zeros({nb, 3}, f64);
  b.dipole = torch::zeros({nb, 3}, f64);
  b.dipole_mask = torch::zeros({nb}, f64);
  b.polarizability = torch::zeros({nb, 3, 3}, f64);
  b.polarizability_mask = torch::zeros({nb}, f64);
  b.weight = torch::ones({nb}, f64);
  auto pos = b.positions.accessor<double, 2>();
  auto frc = b.forces.accessor<double, 2>();
  auto bec = b.bec.accessor<double, 3>();
  for (int64_t k = 0; k < nb; ++k) {
    const Structure& s = *structures[k];
    b.cell[k] = mat3(s.cell);
    b.weight[k] = s.weight;
    if (s.energy) {
      b.energy[k] = *s.energy;
      b.energy_mask[k] = 1.0;
    }
    if (auto st = s.stress_label()) {
      b.stress[k] = mat3(*st);
      b.stress_mask[k] = 1.0;
    }
    const std::optional<Vec3> m = s.dipole_label();
    for (int a = 0; a < 3; ++a) {
      if (s.efield) b.efield[k][a] = (*s.efield)(a);
      if (m) b.dipole[k][a] = (*m)(a);
    }
    if (m) b.dipole_mask[k] = 1.0;
    const std::optional<Mat3> alpha = s.polarizability_label();
    if (alpha) {
      b.polarizability[k] = mat3(*alpha);
      b.polarizability_mask[k] = 1.0;
    }
    for (std::size_t i = 0; i < s.size(); ++i) {
      const int64_t g = b.offsets[k] + static_cast<int64_t>(i);
      for (int a = 0; a < 3; ++a) pos[g][a] = s.positions[i](a);
      b.species[g] = config.species_index(s.numbers[i]);
      b.numbers[g] = s.numbers[i];
      b.structure[g] = k;
      if (s.forces) {
        for (int a = 0; a < 3; ++a) frc[g][a] = (*s.forces)[i](a);
        b.forces_mask[g] = 1.0;
      }
      if (s.bec) {
        for (int a = 0; a < 3; ++a)
          for (int c = 0; c < 3; ++c) bec[g][a][c] = (*s.bec)[i](a, c);
        b.bec_mask[g] = 1.0;
      }
    }
  }
  b.edges_a = edge_set(edges_a, b.offsets, dtype);
  if (config.long_range) b.edges_b = edge_set(edges_b, b.offsets, dtype);
  for (auto* t : {&b.positions, &b.forces, &b.bec, &b.cell, &b.energy, &b.energy_mask, &b.stress,
                  &b.stress_mask, &b.efield, &b.weight, &b.dipole, &b.dipole_mask, &b.forces_mask,
                  &b.bec_mask, &b.polarizability, &b.polarizability_mask})
    *t = t->to(dtype);
  return b;
}

}  // namespace lnet
