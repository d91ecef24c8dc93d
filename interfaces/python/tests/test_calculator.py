"""lnet.Model and lnet.Calculator: metadata, derivatives against ASE's finite
differences in float64, the field coupling, list evaluation and errors."""
import numpy as np
import pytest
from ase.calculators.calculator import PropertyNotImplementedError
from conftest import distorted_nacl

import lnet

FIELD = np.array([0.05, -0.02, 0.1])  # V/Å


@pytest.fixture
def calc(model_path):
    return lnet.Calculator(model_path)


def test_info(model_path):
    info = lnet.load_model(model_path).info
    assert info["species"] == [11, 17] and info["symbols"] == ["Na", "Cl"]
    assert info["long_range"] and info["dtype"] == "float64"
    assert (info["cutoff_a"], info["cutoff_b"], info["cutoff"]) == (3.5, 3.0, 3.5)
    assert info["config"]["network_a"]["cutoff"] == 3.5
    assert info["config"]["learn_charges"] is True


@pytest.mark.parametrize("periodic", [True, False])
def test_forces_equal_numerical_forces(calc, periodic):
    atoms = distorted_nacl(periodic=periodic)
    atoms.calc = calc
    calc.set_efield(FIELD)
    forces = atoms.get_forces()
    # Central differences of E with d = 1e-4 Å: truncation O(d² E''') ~ 1e-8 eV/Å, rounding
    # ~ 1e-16 |E| / d ~ 1e-11 eV/Å (measured 8e-9), against forces of ~1 eV/Å; 1e-7 catches
    # any missing term (the field term alone is |Z*ᵀE| ~ 0.05 eV/Å).
    numerical = calc.calculate_numerical_forces(atoms, d=1e-4)
    assert np.abs(forces).max() > 0.1
    np.testing.assert_allclose(forces, numerical, rtol=0, atol=1e-7)


def test_stress_equals_finite_strain(calc):
    atoms = distorted_nacl()
    atoms.calc = calc
    calc.set_efield(FIELD)
    stress = atoms.get_stress()
    # ASE strains the cell (atoms scaled) by ±d: truncation O(d²) relative, rounding
    # ~ 1e-16 |E| / (d V) ~ 1e-12 eV/Å³ (measured 4e-11), against stresses of ~5e-2 eV/Å³.
    # The electrostatics parameters stay those of the first call (cell change << 1 %), so E is
    # one smooth function of the strain.
    numerical = calc.calculate_numerical_stress(atoms, d=1e-5)
    assert np.abs(stress).max() > 1e-2
    np.testing.assert_allclose(stress, numerical, rtol=0, atol=1e-9)


@pytest.mark.parametrize("periodic", [True, False])
def test_born_charges_equal_dipole_differences(calc, periodic):
    atoms = distorted_nacl(periodic=periodic)
    atoms.calc = calc
    z = calc.get_property("born_effective_charges", atoms)
    assert z.shape == (len(atoms), 3, 3)
    h = 1e-4  # Å; M is smooth: truncation O(h² M''') ~ 1e-8 e (measured 3e-9 e of |Z*| ~ 0.8 e)
    numerical = np.zeros_like(z)
    for i in range(len(atoms)):
        for b in range(3):
            m = []
            for step in (h, -h):
                moved = atoms.copy()
                moved.positions[i, b] += step
                moved.calc = calc
                m.append(moved.get_dipole_moment())
            numerical[i, :, b] = (m[0] - m[1]) / (2 * h)  # Z*[i, a, b] = dM_a / dr_ib
    np.testing.assert_allclose(z, numerical, rtol=0, atol=1e-7)
    # Acoustic sum rule: Σ_i Z*_i = 0 for a neutral model with translation-invariant μ.
    np.testing.assert_allclose(z.sum(axis=0), 0, atol=1e-10)


def test_field_adds_born_force_and_energy(calc):
    atoms = distorted_nacl()
    atoms.calc = calc
    f0 = atoms.get_forces()
    e0 = atoms.get_potential_energy()
    m = atoms.get_dipole_moment()
    z = calc.get_property("born_effective_charges", atoms)
    calc.set_efield(FIELD)
    assert "forces" not in calc.results  # set_efield forgets the results
    # F_iβ(E) = F_iβ(0) + Σ_α E_α Z*_iαβ and E(E) = E(0) - E·M: exact (M, Z* do not depend on
    # E in this non-polarizable model), up to rounding.
    np.testing.assert_allclose(atoms.get_forces(), f0 + np.einsum("a,iab->ib", FIELD, z),
                               rtol=0, atol=1e-12)
    assert atoms.get_potential_energy() == pytest.approx(e0 - FIELD @ m, abs=1e-12)
    assert atoms.get_potential_energy() == calc.get_property("free_energy", atoms)


@pytest.mark.parametrize("periodic", [True, False])
def test_per_atom_results(calc, periodic):
    atoms = distorted_nacl(periodic=periodic)
    atoms.calc = calc
    q = atoms.get_charges()
    mu = calc.get_property("atomic_dipoles", atoms)
    assert q.shape == (8,) and mu.shape == (8, 3)
    assert q.sum() == pytest.approx(0, abs=1e-12)  # neutral by construction (DESIGN.md §1)
    assert "born_effective_charges" not in calc.results  # computed only when asked for
    if periodic:
        return  # transferred charge enters M through bond vectors, not stored images (§1)
    # Open boundaries: the Born dipole from the positions as given, M = Σ q_i r_i + Σ μ_i.
    np.testing.assert_allclose(atoms.get_dipole_moment(),
                               q @ atoms.positions + mu.sum(axis=0), atol=1e-12)


def test_model_evaluate_returns_arrays(model_path):
    model = lnet.load_model(model_path)
    atoms = distorted_nacl()
    out = model.evaluate(atoms.numbers, atoms.positions, atoms.cell.array, atoms.pbc, FIELD,
                         virial=True, bec=True)
    assert out["forces"].shape == (8, 3) and out["virial"].shape == (3, 3)
    assert out["bec"].shape == (8, 3, 3) and out["dipole"].shape == (3,)
    # numpy owns the calculator's vectors: writable float64 views, freed with the array.
    assert out["forces"].dtype == np.float64 and out["forces"].flags.c_contiguous
    np.testing.assert_allclose(out["virial"], out["virial"].T, atol=1e-12)
    # Integer positions and a list cell are converted (forcecast); same result.
    again = model.evaluate(list(atoms.numbers), atoms.positions.tolist(),
                           atoms.cell.array.tolist(), [True] * 3, FIELD.tolist(), virial=True,
                           bec=True)
    assert again["energy"] == out["energy"]


def test_evaluate_many_equals_single_calls(calc, model_path):
    images = [distorted_nacl(seed) for seed in (1, 2)] + [distorted_nacl(3, periodic=False)]
    many = calc.evaluate_many(images, properties=("energy", "forces", "stress",
                                                  "born_effective_charges"))
    for atoms, r in zip(images, many):
        atoms.calc = lnet.Calculator(model_path)
        assert r["energy"] == pytest.approx(atoms.get_potential_energy(), rel=1e-12)
        np.testing.assert_allclose(r["forces"], atoms.get_forces(), atol=1e-12)
        assert ("stress" in r) == atoms.pbc.all()
        assert r["born_effective_charges"].shape == (8, 3, 3)


def test_float32_and_threads(model_path):
    atoms = distorted_nacl()
    atoms.calc = lnet.Calculator(model_path, dtype="float32", threads=1)
    assert atoms.calc.info["dtype"] == "float32" and lnet.get_threads() == 1
    e32 = atoms.get_potential_energy()
    atoms.calc = lnet.Calculator(model_path)
    assert e32 == pytest.approx(atoms.get_potential_energy(), rel=1e-5)  # float32 rounding


def test_short_range_model(make_model):
    atoms = distorted_nacl()
    atoms.calc = lnet.Calculator(make_model("--short-range"))
    assert atoms.get_forces().shape == (8, 3) and atoms.get_stress().shape == (6,)
    with pytest.raises(PropertyNotImplementedError):
        atoms.get_dipole_moment()
    with pytest.raises(ValueError, match="Born effective charges need a long-range model"):
        atoms.calc.get_property("born_effective_charges", atoms)


def test_errors_carry_the_cli_messages(calc, tmp_path):
    missing = str(tmp_path / "missing.lnet")
    with pytest.raises(ValueError) as e:
        lnet.Calculator(missing)
    assert isinstance(e.value, lnet.InputError) and isinstance(e.value, lnet.Error)
    assert str(e.value) == f"{missing}: cannot open: No such file or directory"

    atoms = distorted_nacl()
    atoms[3].symbol = "K"
    atoms.calc = calc
    with pytest.raises(ValueError) as e:
        atoms.get_potential_energy()
    assert str(e.value) == "atom 4: element K is not among the model's species (Na, Cl)"

    atoms = distorted_nacl()
    atoms.pbc = [True, True, False]
    atoms.calc = calc
    with pytest.raises(ValueError, match="mixed boundaries are not supported"):
        atoms.get_forces()

    with pytest.raises(ValueError, match="efield"):
        calc.set_efield([1, 2])
    with pytest.raises(ValueError, match="threads: expected a positive number, got 0"):
        lnet.load_model(calc.info["path"], threads=0)
    with pytest.raises(ValueError, match="dtype: expected float64 or float32, got 'half'"):
        lnet.load_model(calc.info["path"], dtype="half")
    with pytest.raises(ValueError, match="log level: expected trace, .*, got 'loud'"):
        lnet.set_log_level("loud")
    with pytest.raises(ValueError, match=r"positions: expected shape \(8, 3\)"):
        calc.model.evaluate(atoms.numbers, atoms.positions[:4])


def test_extrapolation_against_the_recorded_domain(make_model, tmp_path):
    from ase.io import write
    frames = [distorted_nacl(seed=s) for s in range(4)]
    write(str(tmp_path / "train.xyz"), frames, format="extxyz")
    calc = lnet.Calculator(make_model("--domain", str(tmp_path / "train.xyz")))
    inside = calc.extrapolation(frames[1])
    # ASE writes positions to 8 decimals: the training frames as read differ by ~1e-8 Å.
    assert inside["novelty"] < 1e-6 and inside["distance_ratio"] > 1 - 1e-6
    assert inside["atom_novelty"].shape == (8,)
    squeezed = frames[1].copy()
    squeezed.set_cell(squeezed.cell * 0.8, scale_atoms=True)
    squeezed.calc = calc
    squeezed.get_potential_energy()
    outside = calc.extrapolation()  # the attached Atoms
    assert outside["distance_ratio"] < 1 and outside["novelty"] > 0.1
    assert "x the training set's" in outside["description"]
    with pytest.raises(lnet.Error, match="trained before lnet recorded its domain"):
        lnet.Calculator(make_model()).extrapolation(frames[0])


def test_polarizable_model_gives_dM_dE_and_epsilon_inf(make_model, model_path):
    """alpha_cell = dM/dE at fixed nuclei (M is linear in E: central differences are exact up
    to the induced-dipole solver's tolerance), eps_inf = 1 + alpha/(eps0 V), induced dipoles."""
    path = make_model("--polarizable")
    atoms = distorted_nacl()
    atoms.calc = lnet.Calculator(path)
    alpha = atoms.calc.get_property("polarizability", atoms)
    eps = atoms.calc.get_property("epsilon_inf", atoms)
    induced = atoms.calc.results["induced_dipoles"]
    assert alpha.shape == (3, 3) and induced.shape == (len(atoms), 3)
    assert np.abs(induced).max() > 0 and np.trace(alpha) > 0
    h = 0.01  # V/Å
    numerical = np.zeros((3, 3))
    for b in range(3):
        m = []
        for step in (h, -h):
            field = np.zeros(3)
            field[b] = step
            moved = atoms.copy()
            moved.calc = lnet.Calculator(path, efield=field)
            m.append(moved.get_dipole_moment())
        numerical[:, b] = (m[0] - m[1]) / (2 * h)
    np.testing.assert_allclose(alpha, numerical, rtol=0, atol=1e-6 * np.abs(alpha).max())
    coulomb = 14.399645478425668  # e²/(4π ε0) in eV·Å (src/lnet/core/constants.hpp)
    eps0 = 1 / (4 * np.pi * coulomb)
    np.testing.assert_allclose(eps, np.eye(3) + alpha / (eps0 * atoms.cell.volume), rtol=1e-12,
                               atol=1e-12)
    # Raman tensors d alpha_cell / d r_ib against central differences of alpha_cell.
    raman = atoms.calc.get_property("raman_tensors", atoms)
    assert raman.shape == (len(atoms), 3, 3, 3)
    dr = 1e-4  # Å
    for i, b in ((0, 0), (5, 2)):
        alphas = []
        for step in (dr, -dr):
            moved = atoms.copy()
            moved.positions[i, b] += step
            moved.calc = lnet.Calculator(path)
            alphas.append(moved.calc.get_property("polarizability", moved))
        numerical = (alphas[0] - alphas[1]) / (2 * dr)
        assert np.abs(numerical).max() > 1e-4
        np.testing.assert_allclose(raman[i, b], numerical, rtol=0,
                                   atol=1e-6 * max(1.0, np.abs(numerical).max()))
    # A model without induced dipoles refuses, with the calculator's message.
    atoms.calc = lnet.Calculator(model_path)
    with pytest.raises(lnet.InputError, match="polarizable model"):
        atoms.calc.get_property("polarizability", atoms)
