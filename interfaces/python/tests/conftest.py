"""Fixtures of the Python tests: small untrained models written by lnet_make_test_model (a
testing aid built with the module; CTest passes its path in LNET_MAKE_TEST_MODEL) and small
Na/Cl structures."""
import os
import subprocess
from pathlib import Path

import numpy as np
import pytest
from ase.build import bulk

import lnet


def _maker():
    path = os.environ.get("LNET_MAKE_TEST_MODEL")
    if not path:  # the build tree that lnet was imported from
        path = Path(lnet.__file__).parents[2] / "interfaces/python/lnet_make_test_model"
    if not Path(path).is_file():
        pytest.fail(f"no lnet_make_test_model at {path}: build it, or set LNET_MAKE_TEST_MODEL")
    return str(path)


@pytest.fixture(scope="session")
def make_model(tmp_path_factory):
    """make_model(*flags) -> path of a model written with those flags (cached per session)."""
    made = {}

    def make(*flags):
        if flags not in made:
            path = tmp_path_factory.mktemp("models") / "model.lnet"
            subprocess.run([_maker(), str(path), *flags], check=True)
            made[flags] = str(path)
        return made[flags]

    return make


@pytest.fixture(scope="session")
def model_path(make_model):
    """Long range, learned charge transfer and dipoles, float64, Ewald at 1e-8."""
    return make_model()


def distorted_nacl(seed=3, periodic=True):
    """8 Na/Cl atoms in a sheared rock-salt cell, randomly displaced (as the C++ tests)."""
    atoms = bulk("NaCl", "rocksalt", a=5.6, cubic=True)
    cell = np.array([[5.6, 0.1, 0.0], [0.2, 5.6 * 1.02, 0.05], [-0.1, 0.15, 5.6 * 0.98]])
    atoms.set_cell(cell, scale_atoms=True)
    atoms.rattle(0.15, seed=seed)
    atoms.pbc = periodic
    return atoms
