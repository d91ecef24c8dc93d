// Prediction files hold predictions only under the usual keys: the frame a model
// writes into keeps the geometry and the field it was evaluated in, and moves every reference
// value and every other key of the input under a `ref_` prefix, so that no reference value can
// be mistaken for a model value (e.g. a reference `free_energy` beside a predicted `energy`).
#pragma once
#include "lnet/core/force_field.hpp"
#include "lnet/core/structure.hpp"

namespace lnet {

// numbers, positions, cell, pbc and efield of `s`; labels become ref_energy, ref_forces:R:3,
// ref_stress (9 numbers, ASE order), ref_virial, ref_bec:R:9 (row-major), ref_dipole,
// ref_polarization, ref_epsilon_inf and ref_polarizability (row-major), ref_weight (when not 1);
// other per-frame keys and per-atom columns keep their values under ref_<name>.
Structure reference_frame(const Structure& s);

// reference_frame(ref) holding the model's values of `e`: every quantity of the registry
// (core/quantity.hpp) that `e` has and frames carry, in registry order. Typed labels for energy,
// forces, stress (-W/V, periodic structures), dipole, bec, polarizability and epsilon_inf
// (row-major); the others under their name, per-atom ones as columns (e.g. charges:R:1,
// atomic_dipoles:R:3, induced_dipoles:R:3, atom_energies:R:1), per-frame ones as keys.
Structure prediction_frame(const Structure& ref, const Evaluation& e);

}  // namespace lnet
