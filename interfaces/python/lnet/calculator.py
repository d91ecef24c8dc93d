"""The ASE calculator of an lnet model, over lnet.Model (lnet::Calculator)."""
import numpy as np
from ase.calculators.calculator import Calculator as _AseCalculator
from ase.calculators.calculator import all_changes
from ase.stress import full_3x3_to_voigt_6_stress


class Calculator(_AseCalculator):
    """``lnet.Calculator(model_path, efield=None, dtype=None, threads=None, min_distance=None)``

    Properties: energy and free_energy (eV, including the field term -E·M), forces (eV/Å),
    stress (eV/Å³, ASE's sign and Voigt order; periodic cells only), and for long-range models
    dipole (the Born dipole M = Σ q_i r_i + Σ μ_i, e·Å, from the positions as given: ASE's
    unwrapped MD positions keep it continuous), charges (e), atomic_dipoles (e·Å) and
    born_effective_charges (N×3×3, Z*[i, a, b] = dM_a/dr_ib: row a the field direction, as the
    extxyz bec:R:9 column), computed only when asked for. Polarizable models add
    induced_dipoles (e·Å, included in atomic_dipoles and M) and, when asked for, polarizability
    (alpha_cell = dM/dE at fixed nuclei, 3×3, e·Å²/V), epsilon_inf (3×3 tensor, periodic
    cells) and raman_tensors (N×3×3×3, [i, b] = d alpha_cell / d r_ib, e·Å/V). Per atom, as
    ASE's classical potentials: energies (eV, summing to the energy) and stresses (N×6 Voigt,
    eV/Å³, -W_i / V of the per-atom virials W_i, summing to the stress; periodic cells only).

    efield: a uniform external field in V/Å (``set_efield`` changes it). Open (pbc all False)
    and periodic (pbc all True) cells; a long-range model refuses mixed boundaries.
    min_distance: atoms closer than this (Å; default 0.5, 0: no check) raise lnet.InputError.
    threads: see lnet.Model.
    committee: the other members' model files of a committee with model_path: the results are
    the committee mean, with committee_energy_std (eV/atom), committee_force_std (per atom,
    eV/Å) and committee_force_std_max (eV/Å), the uncertainty of query by committee.
    Any other quantity of lnet's registry (``lnet.quantities()``, including those added with
    ``lnet.register_quantity``) is a property under its own name.
    """

    name = "lnet"

    @property
    def implemented_properties(self):
        """ASE's names for lnet's quantities, then every other quantity under its own name."""
        named = [_ASE_NAMES.get(q["name"], q["name"]) for q in _quantities()]
        return ["free_energy"] + [n for n in named if n not in _NOT_PROPERTIES]

    def __init__(self, model_path, efield=None, dtype=None, threads=None, min_distance=None,
                 committee=None, **kwargs):
        from . import load_model

        self.model = load_model(model_path, dtype=dtype, threads=threads,
                                min_distance=min_distance, committee=committee)
        self.efield = np.zeros(3)
        super().__init__(**kwargs)
        if efield is not None:
            self.set_efield(efield)

    @property
    def info(self):
        """The model's metadata (species, cutoffs, dtype, config)."""
        return self.model.info

    def extrapolation(self, atoms=None):
        """How far `atoms` (default: the attached Atoms) lie outside the model's training
        domain: a dict with novelty (0 inside; > 0.1 counts as outside), distance_ratio
        (shortest contact over the shortest one trained on; < 1 is outside), atom_novelty
        (per atom), close_pair and a one-line description."""
        atoms = atoms if atoms is not None else self.atoms
        if atoms is None:
            raise ValueError("extrapolation: no Atoms given and none attached")
        return self.model.domain(atoms.numbers, atoms.positions, atoms.cell.array, atoms.pbc)

    def set_efield(self, efield):
        """Sets the uniform field (V/Å, three numbers) and forgets the results."""
        e = np.array(efield, dtype=float)
        if e.shape != (3,) or not np.all(np.isfinite(e)):
            raise ValueError(f"efield: expected three finite numbers (V/Å), got {efield!r}")
        self.efield = e
        self.results = {}

    def calculate(self, atoms=None, properties=("energy",), system_changes=all_changes):
        super().calculate(atoms, properties, system_changes)
        # Another system: a fresh neighbour list and electrostatics tuning. Positions and the
        # cell are followed by the model itself (Verlet skin; re-tuning past 1 % cell change).
        if "numbers" in system_changes or "pbc" in system_changes:
            self.model.reset()
        self.results = self._evaluate(self.atoms, properties)

    def evaluate_many(self, images, properties=("energy", "forces", "stress")):
        """Results of each Atoms in `images` (a list of dicts, keyed as the properties), each
        evaluated as an unrelated structure (as ``lnet eval`` does)."""
        out = []
        for atoms in images:
            self.model.reset()
            out.append(self._evaluate(atoms, properties))
        self.reset()  # the next ordinary call starts afresh too
        return out

    def _evaluate(self, atoms, properties):
        periodic = bool(atoms.pbc.any())
        special = set(_ASE_NAMES.values()) | {"energy", "free_energy", "forces", "stress"}
        by_name = [p for p in properties if p not in special]
        out = self.model.evaluate(atoms.numbers, atoms.positions, atoms.cell.array, atoms.pbc,
                                  self.efield, forces=True,
                                  virial="stress" in properties and periodic,
                                  bec="born_effective_charges" in properties,
                                  polarizability=bool({"polarizability", "epsilon_inf"}
                                                      & set(properties)),
                                  raman="raman_tensors" in properties,
                                  atom_energies="energies" in properties,
                                  atom_virials="stresses" in properties and periodic,
                                  quantities=[p for p in by_name
                                              if p in {q["name"] for q in _quantities()}])
        results = {"energy": out["energy"], "free_energy": out["energy"],
                   "forces": out["forces"]}
        if "virial" in out:
            stress = -out["virial"] / atoms.cell.volume
            results["stress"] = full_3x3_to_voigt_6_stress(stress)
        if "atom_energies" in out:
            results["energies"] = out["atom_energies"]
        if "atom_virials" in out:
            results["stresses"] = full_3x3_to_voigt_6_stress(-out["atom_virials"]
                                                             / atoms.cell.volume)
        for key, value in out.items():
            if key not in ("energy", "forces", "virial", "atom_energies", "atom_virials"):
                results[_ASE_NAMES.get(key, key)] = value
        return results


# lnet's quantities that ASE knows under another name, and those that are not ASE properties
# of their own (the virial is the stress; virials per atom are the stresses).
_ASE_NAMES = {"bec": "born_effective_charges", "atom_energies": "energies",
              "atom_virials": "stresses"}
_NOT_PROPERTIES = {"virial"}


def _quantities():
    from . import quantities

    return quantities()
