#include "lnet/phonon/run_phonon.hpp"

#include <spdlog/spdlog.h>

#include <cmath>
#include <filesystem>

#include "lnet/core/atom_checks.hpp"
#include "lnet/core/elements.hpp"
#include "lnet/core/error.hpp"
#include "lnet/io/extxyz.hpp"
#include "lnet/io/phonopy_born.hpp"
#include "lnet/phonon/symmetry.hpp"
#include "lnet/util/output_guard.hpp"

namespace lnet {
namespace {

std::vector<double> masses_of(const PhononConfig& c, const Structure& s) {
  std::vector<double> m;
  for (int z : s.numbers) {
    const auto it = c.masses.find(element_symbol(z));
    m.push_back(it != c.masses.end() ? it->second : atomic_mass(z));
  }
  return m;
}

// Z* and ε∞ as configured: from the model at the structure, or from a BORN file (its Z* for the
// symmetry-independent atoms expanded with the crystal's operations, as phonopy does).
void resolve_born(const PhononConfig& c, ForceField& ff, const Structure& prim,
                  const CrystalSymmetry& sym, PhononResult& r) {
  NacParameters& nac = r.nac;
  nac.method = c.nac;
  if (c.born == "model") {
    if (!ff.has_dipole())
      throw InputError(c.source,
                       "nac.born: the model has no Born dipole (not long-range), so it "
                       "cannot give Z*; use a BORN file or nac.method: none");
    EvalRequest request;
    request.forces = false;
    request.bec = true;
    // A polarizable model gives its own ε∞; its Z* include the induced (electronic) part.
    request.polarizability = !c.epsilon_inf;
    const Evaluation e = ff.evaluate(prim, Vec3::Zero(), request);
    if (e.bec.size() != prim.size())
      throw Error("phonon: the model returned " + std::to_string(e.bec.size()) +
                  " Born charges for " + std::to_string(prim.size()) + " atoms");
    nac.born = e.bec;
    if (c.epsilon_inf) {
      nac.epsilon = *c.epsilon_inf;
    } else {
      if (!e.epsilon_inf) throw Error("phonon: the polarizable model returned no ε∞");
      nac.epsilon = *e.epsilon_inf;
      r.epsilon_from_model = true;
      spdlog::info(
          "phonon: nac.epsilon_inf not given: using the model's own ε∞ at the structure, "
          "diagonal {:.4f} {:.4f} {:.4f} (trace/3 {:.4f}), and its Z* with the induced part",
          nac.epsilon(0, 0), nac.epsilon(1, 1), nac.epsilon(2, 2), nac.epsilon.trace() / 3);
    }
  } else {
    const PhonopyBorn born = read_phonopy_born(c.born);
    if (born.z.size() == prim.size()) {
      nac.born = born.z;
    } else if (born.z.size() == sym.independent.size()) {
      // Z*_k = R Z*_rep Rᵀ for an operation taking the representative to k.
      nac.born.assign(prim.size(), Mat3::Zero());
      for (std::size_t i = 0; i < sym.independent.size(); ++i)
        nac.born[sym.independent[i]] = born.z[i];
      for (std::size_t k = 0; k < prim.size(); ++k) {
        const int rep = sym.representative[k];
        if (rep == int(k)) continue;
        for (const auto& op : sym.operations)
          if (op.permutation[rep] == int(k)) {
            nac.born[k] = op.cartesian * nac.born[rep] * op.cartesian.transpose();
            break;
          }
      }
    } else {
      throw InputError(c.born, "BORN lists Z* for " + std::to_string(born.z.size()) +
                                   " atoms; expected one per atom (" + std::to_string(prim.size()) +
                                   ") or one per symmetry-independent atom (" +
                                   std::to_string(sym.independent.size()) + ")");
    }
    nac.epsilon = c.epsilon_inf ? *c.epsilon_inf : born.epsilon;
    if (born.factor && std::abs(*born.factor - units::coulomb) > 1e-3 * units::coulomb)
      spdlog::warn(
          "{}: NAC unit factor {} differs from e²/(4πε0) = {} eV·Å (lnet's units); "
          "lnet uses its own",
          c.born, *born.factor, units::coulomb);
  }
  r.born_symmetry_correction = symmetrize_born(sym, nac.born, nac.epsilon);
  if (c.born_asr) r.born_asr_correction = impose_charge_neutrality(nac.born);
  validate_nac(nac, prim.size(), c.source + ": nac");
}

std::optional<double> check_hessian(const PhononConfig& c, ForceField& ff, const Supercell& sc,
                                    const ForceConstants& fd) {
  if (c.hessian_check == HessianCheck::off) return std::nullopt;
  if (c.hessian_check == HessianCheck::automatic && int(sc.size()) > c.hessian_max_atoms)
    return std::nullopt;
  const auto h = ff.hessian(sc.structure);
  if (!h) {
    if (c.hessian_check == HessianCheck::on)
      spdlog::warn("hessian_check: the force field provides no exact Hessian; check skipped");
    return std::nullopt;
  }
  const ForceConstants exact = force_constants_from_hessian(*h, sc);
  double diff = 0;
  for (std::size_t i = 0; i < exact.blocks.size(); ++i)
    diff = std::max(diff, (exact.blocks[i] - fd.blocks[i]).cwiseAbs().maxCoeff());
  return diff / std::max(exact.max_abs(), 1e-300);
}

}  // namespace

Structure load_phonon_structure(const PhononConfig& c) {
  Structure s = read_extxyz_frame(c.structure, c.frame, c.source);
  if (!(s.pbc[0] && s.pbc[1] && s.pbc[2]))
    throw InputError(c.source,
                     "structure: '" + c.structure + "' must be periodic in 3D (pbc=T T T)");
  check_atoms(
      s, c.min_distance,
      c.source + ": structure '" + c.structure + "' (frame " + std::to_string(c.frame) + ")");
  return s;
}

PhononResult run_phonon(const PhononConfig& c, ForceField& ff, const Structure& prim,
                        const PhononRunOptions& options) {
  // Every input, the config included, is refused as an output whatever --force says (a config
  // called phonon.yaml inside output.dir would otherwise be replaced by the summary).
  OutputGuard guard;
  for (const std::string& input : {c.source, c.structure, c.model})
    if (!input.empty()) guard.inputs.push_back(input);
  if (c.born != "model") guard.inputs.push_back(c.born);
  guard.flag = "output.dir";
  guard.force = options.force;
  guard.check(phonon_output_files(c));

  if (c.nac != NacMethod::none && c.born == "model" && !c.epsilon_inf && !ff.has_polarizability())
    throw InputError(c.source,
                     "nac.epsilon_inf: required when nac.method is " + to_string(c.nac) +
                         " and Z* come from a model that does not predict ε∞ (not "
                         "polarizable); give it as 1, 3 or 9 numbers, or use a BORN file");

  PhononResult r;
  r.masses = masses_of(c, prim);
  const Mat3i matrix = c.supercell_matrix ? *c.supercell_matrix
                                          : supercell_matrix_for_min_length(prim, *c.min_length);
  r.supercell = make_supercell(prim, matrix, c.source + ": supercell");
  spdlog::info("phonon: supercell of {} atoms ({} primitive cells), {} displacements of ±{} Å",
               r.supercell.size(), r.supercell.multiplicity(), 6 * prim.size(), c.displacement);

  DisplacementOptions d;
  d.amplitude = c.displacement;
  d.progress = options.progress;
  FiniteDisplacementResult fd = finite_displacement_force_constants(ff, r.supercell, d);
  r.max_residual_force = fd.max_residual_force;
  if (r.max_residual_force > c.max_force_warning)
    spdlog::warn(
        "phonon: the structure is not at equilibrium: max force {:.4g} eV/Å in the "
        "supercell (> max_force_warning {} eV/Å); relax it first (lnet relax) or the "
        "harmonic frequencies are not meaningful",
        r.max_residual_force, c.max_force_warning);
  r.hessian_deviation = check_hessian(c, ff, r.supercell, fd.fc);
  if (r.hessian_deviation)
    spdlog::info(
        "phonon: finite-difference force constants vs exact Hessian: max relative "
        "deviation {:.3g}",
        *r.hessian_deviation);
  if (c.acoustic_sum_rule) {
    r.sum_rule = impose_acoustic_sum_rule(fd.fc, r.supercell);
    spdlog::info(
        "phonon: acoustic sum rule: max |Σ_k Φ| was {:.3g} eV/Å², largest change of "
        "any force constant {:.3g} eV/Å² (of max |Φ| {:.3g})",
        r.sum_rule.max_violation_before, r.sum_rule.max_change, fd.fc.max_abs());
  }
  r.force_constants = std::move(fd.fc);

  const CrystalSymmetry sym = find_symmetry(prim, c.symprec);
  if (c.nac != NacMethod::none) {
    resolve_born(c, ff, prim, sym, r);
    spdlog::info(
        "phonon: Z* sum rule correction {:.3g} e, symmetrisation ({} operations) "
        "changed Z*/ε∞ by up to {:.3g}",
        r.born_asr_correction, sym.operations.size(), r.born_symmetry_correction);
  }
  if (ff.has_polarizability()) {  // Raman tensors at the structure (Γ: all images move)
    EvalRequest request;
    request.forces = false;
    request.raman = true;
    r.raman = ff.evaluate(prim, Vec3::Zero(), request).raman;
  }
  analyse_phonons(c, prim, r);
  r.files = write_phonon_outputs(c, prim, r);
  if (options.report) {
    *options.report << gamma_table(r.gamma);
    if (r.epsilon_static)
      *options.report << "static dielectric constant ε0 (diagonal): " << (*r.epsilon_static)(0, 0)
                      << " " << (*r.epsilon_static)(1, 1) << " " << (*r.epsilon_static)(2, 2)
                      << "\n";
  }
  return r;
}

void analyse_phonons(const PhononConfig& c, const Structure& prim, PhononResult& r) {
  const DynamicalMatrix dm(prim, r.masses, r.supercell, r.force_constants, r.nac);
  const Vec3 direction =
      c.gamma_direction_cartesian ? Vec3(prim.cell * c.gamma_direction) : c.gamma_direction;
  r.gamma = analyse_gamma(dm, direction, r.raman);
  if (r.nac.method != NacMethod::none) r.epsilon_static = static_dielectric(dm);

  if (c.band) {
    std::vector<std::vector<Vec3>> corners;
    std::vector<std::vector<std::string>> labels;
    if (!c.path_points.empty()) {
      corners = {c.path_points};
      labels = {c.point_labels};
    } else {
      const LatticeKind kind =
          c.lattice != LatticeKind::unknown ? c.lattice : detect_lattice(prim.cell);
      labels = c.path_labels.empty() ? default_path(kind) : c.path_labels;
      if (labels.empty())
        throw InputError(c.source,
                         "path: the lattice is not fcc, bcc, simple cubic (axes along x, "
                         "y, z) or hexagonal; give path.points explicitly, or path: none");
      const auto points = special_points(kind, prim.cell, c.source + ": path");
      for (const auto& seg : labels) {
        corners.emplace_back();
        for (const auto& l : seg) {
          const auto it = points.find(l);
          if (it == points.end()) {
            std::string known;
            for (const auto& [name, q] : points) known += " " + name;
            throw InputError(c.source, "path.labels: unknown label '" + l + "' for a " +
                                           to_string(kind) + " lattice (known:" + known + ")");
          }
          corners.back().push_back(it->second);
        }
      }
    }
    r.path = sample_path(corners, labels, prim.cell, c.band_points);
    // At Γ on a path the NAC direction is the path's: LO shows up where the branch arrives.
    for (std::size_t i = 0; i < r.path.qpoints.size(); ++i) {
      const Vec3& q = r.path.qpoints[i];
      std::optional<Vec3> dir;
      if (dm.cartesian(q).norm() < 1e-5) {
        const int piece = r.path.segment[i];
        for (std::size_t j = 0; j < r.path.qpoints.size(); ++j)
          if (r.path.segment[j] == piece && (r.path.qpoints[j] - q).norm() > 1e-9) {
            dir = r.path.qpoints[j] - q;
            break;
          }
      }
      r.band.push_back(dm.frequencies(q, dir));
    }
  }
  if (c.dos) r.dos = phonon_dos(dm, c.dos_mesh, c.dos_sigma, c.dos_points);
}

}  // namespace lnet
