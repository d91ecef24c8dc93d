#include "lnet/model/prediction.hpp"

namespace lnet {

namespace {

torch::Tensor f64(const torch::Tensor& t) { return t.detach().to(torch::kFloat64).contiguous(); }

Vec3 vec3(const double* d) { return Vec3(d[0], d[1], d[2]); }

Mat3 mat3(const double* d) {  // row-major
  Mat3 m;
  for (int a = 0; a < 3; ++a)
    for (int b = 0; b < 3; ++b) m(a, b) = d[3 * a + b];
  return m;
}

}  // namespace

std::vector<Evaluation> split_prediction(const Batch& batch, const Prediction& p) {
  const int64_t nb = batch.num_structures;
  std::vector<Evaluation> out(nb);
  auto energy = f64(p.energy);
  torch::Tensor forces, virial, dipole, charges, mu, bec, induced, alpha, eps, raman;
  for (auto [from, to] : {std::pair{&p.forces, &forces},
                          {&p.virial, &virial},
                          {&p.polarization, &dipole},
                          {&p.charges, &charges},
                          {&p.dipoles, &mu},
                          {&p.bec, &bec},
                          {&p.induced_dipoles, &induced},
                          {&p.polarizability, &alpha},
                          {&p.epsilon_inf, &eps},
                          {&p.raman, &raman}})
    if (from->defined()) *to = f64(*from);
  for (int64_t b = 0; b < nb; ++b) {
    Evaluation& e = out[b];
    e.energy = energy.data_ptr<double>()[b];
    const int64_t first = batch.offsets[b], n = batch.natoms[b];
    if (forces.defined())
      for (int64_t i = first; i < first + n; ++i)
        e.forces.push_back(vec3(forces.data_ptr<double>() + 3 * i));
    if (virial.defined()) e.virial = mat3(virial.data_ptr<double>() + 9 * b);
    if (dipole.defined()) e.dipole = vec3(dipole.data_ptr<double>() + 3 * b);
    if (charges.defined())
      e.charges.assign(charges.data_ptr<double>() + first, charges.data_ptr<double>() + first + n);
    if (mu.defined())
      for (int64_t i = first; i < first + n; ++i)
        e.atomic_dipoles.push_back(vec3(mu.data_ptr<double>() + 3 * i));
    if (bec.defined())
      for (int64_t i = first; i < first + n; ++i)
        e.bec.push_back(mat3(bec.data_ptr<double>() + 9 * i));
    if (induced.defined())
      for (int64_t i = first; i < first + n; ++i)
        e.induced_dipoles.push_back(vec3(induced.data_ptr<double>() + 3 * i));
    if (alpha.defined()) e.polarizability = mat3(alpha.data_ptr<double>() + 9 * b);
    if (eps.defined() && batch.pbc[b][0]) e.epsilon_inf = mat3(eps.data_ptr<double>() + 9 * b);
    if (raman.defined()) {  // [N, alpha, gamma, beta]
      const double* d = raman.data_ptr<double>();
      for (int64_t i = first; i < first + n; ++i)
        for (int beta = 0; beta < 3; ++beta) {
          Mat3 m;
          for (int a = 0; a < 3; ++a)
            for (int g = 0; g < 3; ++g) m(a, g) = d[27 * i + 9 * a + 3 * g + beta];
          e.raman.push_back(m);
        }
    }
    e.induction_iterations = p.induction_iterations;
  }
  return out;
}

}  // namespace lnet
