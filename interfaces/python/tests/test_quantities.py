"""Named output quantities: the registry as Python sees it, and a quantity registered at run time
(per-atom |F|, computed from the forces) reaching Model.evaluate's result under its name."""
import numpy as np
import pytest
from conftest import distorted_nacl

import lnet


def test_registry_lists_the_result_keys():
    by_name = {q["name"]: q for q in lnet.quantities()}
    assert by_name["forces"]["unit"] == "eV/Å" and by_name["forces"]["per_atom"]
    assert by_name["forces"]["shape"] == (3,)
    assert by_name["raman_tensors"]["shape"] == (3, 3, 3)
    assert by_name["energy"]["shape"] == () and not by_name["energy"]["per_atom"]


def test_registered_quantity_reaches_the_result(model_path):
    def norms(result):
        return np.linalg.norm(result["forces"], axis=1)

    lnet.register_quantity("test_force_norms", "eV/Å", True, [], "|F_i|", ["forces"], norms)
    try:
        model = lnet.load_model(model_path)
        atoms = distorted_nacl()
        out = model.evaluate(atoms.numbers, atoms.positions, atoms.cell.array, atoms.pbc,
                             forces=False, quantities=["test_force_norms"])
        assert out["test_force_norms"].shape == (8,)
        # Its input was requested with it; the same numbers, so equal to the last bit.
        np.testing.assert_array_equal(out["test_force_norms"], norms(out))
        assert np.all(out["test_force_norms"] > 0)
        plain = model.evaluate(atoms.numbers, atoms.positions, atoms.cell.array, atoms.pbc)
        assert "test_force_norms" not in plain
    finally:
        assert lnet.unregister_quantity("test_force_norms")
    with pytest.raises(lnet.InputError, match="unknown quantity 'test_force_norms'"):
        model.evaluate(atoms.numbers, atoms.positions, atoms.cell.array, atoms.pbc,
                       quantities=["test_force_norms"])


def test_ase_calculator_gives_registered_quantities(model_path):
    lnet.register_quantity("test_force_norms", "eV/Å", True, [], "|F_i|", ["forces"],
                           lambda result: np.linalg.norm(result["forces"], axis=1))
    try:
        atoms = distorted_nacl()
        atoms.calc = lnet.Calculator(model_path)
        assert "test_force_norms" in atoms.calc.implemented_properties
        assert "born_effective_charges" in atoms.calc.implemented_properties
        assert "virial" not in atoms.calc.implemented_properties  # ASE's stress instead
        norms = atoms.calc.get_property("test_force_norms", atoms)
        np.testing.assert_array_equal(norms, np.linalg.norm(atoms.get_forces(), axis=1))
        assert atoms.calc.get_property("born_effective_charges", atoms).shape == (8, 3, 3)
    finally:
        assert lnet.unregister_quantity("test_force_norms")
