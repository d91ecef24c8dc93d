// Testing aid for the LAMMPS tests: evaluates the first frame of an extended XYZ file (its
// `efield` if any) with lnet::Calculator and its default options, exactly as pair_style lnet
// does, and prints every result with round-trip precision, one quantity per line:
//   energy E | forces f1x f1y ... | virial Wxx Wxy ... (row-major 3x3) | dipole Mx My Mz |
//   charges q1 ... | atomic_dipoles m1x ...
//   lnet_lammps_reference MODEL XYZ
#include <cstdio>
#include <exception>
#include <string>
#include <vector>

#include "lnet/io/extxyz.hpp"
#include "lnet/model/calculator.hpp"

namespace {

void print(const char* name, const std::vector<double>& values) {
  std::printf("%s", name);
  for (double v : values) std::printf(" %.17g", v);
  std::printf("\n");
}

}  // namespace

int main(int argc, char** argv) {
  if (argc != 3) {
    std::fprintf(stderr, "usage: lnet_lammps_reference MODEL XYZ\n");
    return 2;
  }
  try {
    const lnet::Structure s = lnet::read_extxyz(argv[2]).at(0);
    lnet::Calculator calculator(argv[1]);
    lnet::EvalRequest request;
    request.virial = true;
    const lnet::Evaluation e =
        calculator.evaluate(s, s.efield.value_or(lnet::Vec3::Zero()), request);
    print("energy", {e.energy});
    std::vector<double> v;
    for (const auto& f : e.forces) v.insert(v.end(), {f[0], f[1], f[2]});
    print("forces", v);
    print("virial", std::vector<double>(e.virial->data(), e.virial->data() + 9));
    if (e.dipole) print("dipole", {(*e.dipole)[0], (*e.dipole)[1], (*e.dipole)[2]});
    if (!e.charges.empty()) print("charges", e.charges);
    v.clear();
    for (const auto& m : e.atomic_dipoles) v.insert(v.end(), {m[0], m[1], m[2]});
    if (!v.empty()) print("atomic_dipoles", v);
  } catch (const std::exception& e) {
    std::fprintf(stderr, "lnet_lammps_reference: %s\n", e.what());
    return 1;
  }
  return 0;
}
