"""The ASE calculator gives the numbers of `lnet eval` on the same extxyz file written by ASE."""
import os
import subprocess
from pathlib import Path

import numpy as np
import pytest
from ase.calculators.singlepoint import SinglePointCalculator
from ase.io import read, write
from conftest import distorted_nacl

import lnet


def _lnet_executable():
    path = os.environ.get("LNET_EXECUTABLE")  # set by CTest
    if not path or not Path(path).is_file():
        pytest.skip("LNET_EXECUTABLE does not name the lnet executable")
    return path


def test_equals_lnet_eval(model_path, tmp_path):
    exe = _lnet_executable()
    field = [0.05, -0.02, 0.1]
    frames = [distorted_nacl(1), distorted_nacl(2, periodic=False)]
    for atoms in frames:
        atoms.info["efield"] = np.array(field)
        # A label for `lnet eval` to compare against; its value does not matter here.
        atoms.calc = SinglePointCalculator(atoms, energy=0.0)
    data = tmp_path / "data.xyz"
    write(data, frames, format="extxyz")
    subprocess.run([exe, "--threads", "1", "eval", model_path, str(data), "-o",
                    str(tmp_path / "eval")], check=True, capture_output=True)
    predicted = read(tmp_path / "eval.xyz", index=":")

    # The structures as written to the file (ASE writes 8 decimals), evaluated here as by
    # `lnet eval` (a fresh start per frame); lnet writes shortest round-trip decimals. Measured
    # bit-identical; 1e-12 relative leaves room for another thread count's summation order.
    written = read(data, index=":")
    calc = lnet.Calculator(model_path, efield=field)
    results = calc.evaluate_many(written, ("energy", "forces", "stress",
                                           "born_effective_charges"))
    assert len(predicted) == len(results) == 2
    for ref, r in zip(predicted, results):
        scale = np.abs(r["forces"]).max()
        assert ref.get_potential_energy() == pytest.approx(r["energy"], rel=1e-12)
        np.testing.assert_allclose(ref.get_forces(), r["forces"], rtol=0, atol=1e-12 * scale)
        if ref.pbc.all():
            stress = r["stress"]
            np.testing.assert_allclose(ref.get_stress(), stress, rtol=0,
                                       atol=1e-12 * np.abs(stress).max())
        else:
            assert "stress" not in r
        bec = ref.arrays["bec"].reshape(-1, 3, 3)  # bec:R:9 row-major: Z*[i, a, b]
        np.testing.assert_allclose(bec, r["born_effective_charges"], rtol=0, atol=1e-12)
        # ASE reads a `charges` column as initial charges.
        np.testing.assert_allclose(ref.get_initial_charges(), r["charges"], rtol=0, atol=1e-12)
        np.testing.assert_allclose(ref.arrays["atomic_dipoles"], r["atomic_dipoles"], rtol=0,
                                   atol=1e-12)
        np.testing.assert_allclose(ref.get_dipole_moment(), r["dipole"], rtol=0, atol=1e-11)
