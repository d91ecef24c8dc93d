"""Per-atom energies and virials: lnet.Model.evaluate(atom_energies=True, atom_virials=True)
and the ASE calculator's energies and stresses, summing to the totals."""
import numpy as np
import pytest
from ase.calculators.calculator import PropertyNotImplementedError
from conftest import distorted_nacl

import lnet

FIELD = np.array([0.05, -0.02, 0.1])  # V/Å


@pytest.mark.parametrize("periodic", [True, False])
def test_model_per_atom_sums(model_path, periodic):
    model = lnet.load_model(model_path)
    atoms = distorted_nacl(periodic=periodic)
    out = model.evaluate(atoms.numbers, atoms.positions, atoms.cell.array, atoms.pbc, FIELD,
                         virial=True, atom_energies=True, atom_virials=True)
    assert out["atom_energies"].shape == (8,) and out["atom_virials"].shape == (8, 3, 3)
    # The same terms summed in another order: rounding, 1e-10 relative.
    assert abs(out["atom_energies"].sum() - out["energy"]) <= 1e-10 * abs(out["energy"])
    w = out["virial"]
    np.testing.assert_allclose(out["atom_virials"].sum(axis=0), w, rtol=0,
                               atol=1e-10 * np.abs(w).max())
    assert np.ptp(out["atom_energies"]) > 1e-6  # a split, not one number repeated
    plain = model.evaluate(atoms.numbers, atoms.positions, atoms.cell.array, atoms.pbc, FIELD)
    assert "atom_energies" not in plain and "atom_virials" not in plain


def test_ase_energies_and_stresses(model_path):
    calc = lnet.Calculator(model_path, efield=FIELD)
    atoms = distorted_nacl()
    atoms.calc = calc
    energies = atoms.get_potential_energies()
    stresses = atoms.get_stresses()
    assert energies.shape == (8,) and stresses.shape == (8, 6)
    energy = atoms.get_potential_energy()
    assert abs(energies.sum() - energy) <= 1e-10 * abs(energy)
    # ASE's convention (as its LJ and EMT): per-atom stresses sum to the stress.
    stress = atoms.get_stress()
    np.testing.assert_allclose(stresses.sum(axis=0), stress, rtol=0,
                               atol=1e-10 * np.abs(stress).max())


def test_ase_stresses_need_a_periodic_cell(model_path):
    atoms = distorted_nacl(periodic=False)
    atoms.calc = lnet.Calculator(model_path)
    assert atoms.get_potential_energies().shape == (8,)
    with pytest.raises(PropertyNotImplementedError):
        atoms.get_stresses()
