"""ASE drivers on the calculator: velocity Verlet MD (with and without a field) and phonopy."""
import numpy as np
import pytest
from ase import Atoms, units
from ase.build import bulk
from ase.md.velocitydistribution import MaxwellBoltzmannDistribution, Stationary
from ase.md.verlet import VelocityVerlet
from conftest import distorted_nacl

import lnet


@pytest.mark.parametrize("efield", [None, [0.1, -0.05, 0.08]])
def test_velocity_verlet_conserves_energy(make_model, efield):
    atoms = distorted_nacl(5)
    atoms.calc = lnet.Calculator(make_model("--tiny"), efield=efield)
    MaxwellBoltzmannDistribution(atoms, temperature_K=300, rng=np.random.default_rng(1))
    Stationary(atoms)
    dyn = VelocityVerlet(atoms, timestep=0.5 * units.fs)
    potential, total = [], []

    def record():
        potential.append(atoms.get_potential_energy())
        total.append(potential[-1] + atoms.get_kinetic_energy())

    dyn.attach(record, interval=1)
    dyn.run(200)
    potential, total = np.array(potential), np.array(total)
    # Velocity Verlet at 0.5 fs keeps the total energy to O(dt²) of the potential energy's
    # swing (measured: 1e-5 eV of 0.15 eV, 7e-5 of it, drift 2e-6 eV); a force that is not
    # -dE/dr (e.g. without the Z*ᵀE field term, whose -E·M swings by 0.14 eV here) lets
    # the total follow part of the potential energy instead.
    swing = np.ptp(potential)
    assert swing > 0.05  # eV: the atoms do move
    assert np.ptp(total) < 1e-3 * swing
    drift = np.polyfit(np.arange(len(total)), total, 1)[0] * len(total)
    assert abs(drift) < 1e-3 * swing


@pytest.mark.filterwarnings("ignore::DeprecationWarning")  # inside phonopy 2.17
def test_phonopy_gamma_frequencies_equal_exact_hessian(model_path):
    phonopy = pytest.importorskip("phonopy")
    from phonopy.structure.atoms import PhonopyAtoms

    unit = bulk("NaCl", "rocksalt", a=5.6)  # primitive, 2 atoms
    phonon = phonopy.Phonopy(PhonopyAtoms(symbols=unit.get_chemical_symbols(),
                                          cell=unit.cell.array,
                                          scaled_positions=unit.get_scaled_positions()),
                             supercell_matrix=2 * np.eye(3, dtype=int))
    phonon.generate_displacements(distance=0.01)
    calc = lnet.Calculator(model_path)
    images = [Atoms(s.symbols, cell=s.cell, positions=s.positions, pbc=True)
              for s in phonon.supercells_with_displacements]
    phonon.forces = [r["forces"] for r in calc.evaluate_many(images, ("forces",))]
    phonon.produce_force_constants()
    freqs = np.sort(phonon.get_frequencies([0, 0, 0]))

    # The same Γ frequencies from the model's exact Hessian of the undisplaced supercell:
    # D_κκ'(Γ) = Σ_l' Φ(0κ, l'κ') / √(m_κ m_κ'), with atom 0 of each species as the origin.
    s = phonon.supercell
    h = calc.model.hessian(s.numbers, s.positions, s.cell, [True] * 3)
    n = len(s.numbers)
    kinds = [np.flatnonzero(s.numbers == z) for z in unit.numbers]
    masses = unit.get_masses()
    d = np.zeros((6, 6))
    for k, rows in enumerate(kinds):
        for kp, cols in enumerate(kinds):
            block = h.reshape(n, 3, n, 3)[rows[0], :, cols, :].sum(axis=0)
            d[3 * k:3 * k + 3, 3 * kp:3 * kp + 3] = block / np.sqrt(masses[k] * masses[kp])
    w2 = np.linalg.eigvalsh(d)
    exact = np.sort(np.sign(w2) * np.sqrt(np.abs(w2)) * phonopy.units.VaspToTHz)
    # Displacement 0.01 Å with ± pairs by symmetry: error O(h²) ~ 1e-4 relative (measured
    # 5e-4 THz on 6.3 THz; 1e-7 vs 1e-5 THz for the acoustic modes, zero by translation
    # invariance), so 5e-3 THz.
    assert np.abs(exact).max() > 1  # THz: optical modes present
    np.testing.assert_allclose(freqs, exact, rtol=0, atol=5e-3)
