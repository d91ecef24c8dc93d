"""A committee of models through lnet.Model(committee=...) and the ASE calculator: the mean of
the members, their spread as named quantities, and a clear refusal of what a committee does not
average."""
import numpy as np
import pytest

import lnet
from conftest import distorted_nacl


def test_committee_mean_and_spread(make_model):
    a = make_model("--short-range", "--seed", "1")
    b = make_model("--short-range", "--seed", "2")
    atoms = distorted_nacl()
    args = (atoms.numbers, atoms.positions, atoms.cell.array, atoms.pbc)
    ea = lnet.Model(a).evaluate(*args, virial=True)
    eb = lnet.Model(b).evaluate(*args, virial=True)
    two = lnet.Model(a, committee=[b])
    assert two.info["committee"] == 2
    out = two.evaluate(*args, virial=True)
    # (a + b) / 2 in double: rounding only.
    assert out["energy"] == pytest.approx(0.5 * (ea["energy"] + eb["energy"]), rel=1e-14)
    np.testing.assert_allclose(out["forces"], 0.5 * (ea["forces"] + eb["forces"]), atol=1e-13)
    np.testing.assert_allclose(out["virial"], 0.5 * (ea["virial"] + eb["virial"]), atol=1e-13)
    # Two members: the population spread of each atom's force is |F_a - F_b| / 2.
    expected = 0.5 * np.linalg.norm(ea["forces"] - eb["forces"], axis=1)
    np.testing.assert_allclose(out["committee_force_std"], expected, rtol=1e-12)
    assert out["committee_force_std_max"] == pytest.approx(expected.max(), rel=1e-12)
    assert out["committee_energy_std"] == pytest.approx(
        0.5 * abs(ea["energy"] - eb["energy"]) / len(atoms), rel=1e-12)
    assert expected.max() > 0  # different seeds disagree

    same = lnet.Model(a, committee=[a]).evaluate(*args)
    assert same["committee_force_std_max"] == 0.0

    with pytest.raises(lnet.InputError, match="per-atom energies"):
        two.evaluate(*args, atom_energies=True)
    names = [q["name"] for q in lnet.quantities()]
    assert "committee_force_std" in names


def test_ase_calculator_gives_the_spread(make_model):
    a = make_model("--short-range", "--seed", "1")
    b = make_model("--short-range", "--seed", "2")
    atoms = distorted_nacl()
    atoms.calc = lnet.Calculator(a, committee=[b])
    forces = atoms.get_forces()
    spread = atoms.calc.get_property("committee_force_std", atoms)
    assert spread.shape == (len(atoms),)
    assert atoms.calc.get_property("committee_force_std_max", atoms) == pytest.approx(spread.max())
    assert forces.shape == (len(atoms), 3)
