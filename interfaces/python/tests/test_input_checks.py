"""Input checks of the Python module, the same as the command line's: atomic numbers must be
whole numbers, atoms closer than min_distance are an error, thread counts follow one rule, and
the module is quiet (warnings and errors only) unless asked."""
import numpy as np
import pytest
from conftest import distorted_nacl

import lnet


def test_non_integer_atomic_numbers_are_an_error(model_path):
    model = lnet.load_model(model_path)
    atoms = distorted_nacl()
    numbers = atoms.numbers.astype(float)
    # Whole numbers in a float array are atomic numbers as well.
    same = model.evaluate(numbers, atoms.positions, atoms.cell.array, atoms.pbc)
    assert same["energy"] == model.evaluate(atoms.numbers, atoms.positions, atoms.cell.array,
                                            atoms.pbc)["energy"]
    numbers[2] = 11.5  # was truncated to sodium
    with pytest.raises(lnet.InputError,
                       match=r"numbers: atom 3: 11.5 is not an atomic number \(an integer"):
        model.evaluate(numbers, atoms.positions, atoms.cell.array, atoms.pbc)
    with pytest.raises(lnet.InputError, match="numbers: expected integer atomic numbers"):
        model.evaluate(np.ones(8, dtype=bool), atoms.positions, atoms.cell.array, atoms.pbc)
    with pytest.raises(lnet.InputError, match="numbers: atom 1: 0.0 is not an atomic number"):
        model.evaluate(np.zeros(8, dtype=int), atoms.positions, atoms.cell.array, atoms.pbc)


def test_atoms_too_close_are_an_error(model_path):
    atoms = distorted_nacl()
    atoms.positions[5] = atoms.positions[2] + [0.01, 0, 0]
    atoms.calc = lnet.Calculator(model_path)
    with pytest.raises(lnet.InputError) as e:
        atoms.get_potential_energy()
    assert str(e.value).startswith("atoms 3 and 6 are 0.01 Å apart, closer than min_distance "
                                   "0.5 Å")
    atoms.calc = lnet.Calculator(model_path, min_distance=0)  # the check switched off
    assert np.isfinite(atoms.get_potential_energy())
    with pytest.raises(lnet.InputError, match="min_distance: expected a distance >= 0"):
        lnet.Model(model_path, min_distance=-1)


def test_non_finite_cell_entry_is_named(model_path):
    model = lnet.load_model(model_path)
    atoms = distorted_nacl()
    cell = atoms.cell.array.copy()
    cell[0, 0] = np.inf
    with pytest.raises(lnet.InputError,
                       match=r"cell: vector a \(row 1\) component x is not finite \(inf\)"):
        model.evaluate(atoms.numbers, atoms.positions, cell, atoms.pbc)


def test_threads_are_positive_and_capped(model_path, capfd):
    for bad in (0, -2):
        with pytest.raises(lnet.InputError, match=f"threads: expected a positive number, got {bad}"):
            lnet.Model(model_path, threads=bad)
    try:
        used = lnet.set_threads(100000)
        assert used < 100000 and lnet.get_threads() == used
        assert "threads: 100000 requested, using" in capfd.readouterr().err
    finally:
        lnet.set_threads(1)


def test_quiet_unless_asked(model_path, capfd):
    atoms = distorted_nacl()
    atoms.calc = lnet.Calculator(model_path)
    atoms.get_potential_energy()  # resolves the electrostatics: an info message on the CLI
    quiet = capfd.readouterr()
    assert quiet.out == "" and quiet.err == ""
    lnet.set_log_level("info")
    try:
        atoms.pbc = False  # another method (direct sum): logged when the choice changes
        atoms.get_potential_energy()
        assert "electrostatics:" in capfd.readouterr().err
    finally:
        lnet.set_log_level("warning")
