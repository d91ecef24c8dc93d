"""lnet from Python: load a model, evaluate structures, drive it from ASE.

    import lnet
    model = lnet.load_model("model.lnet")           # metadata in model.info
    out = model.evaluate(numbers, positions, cell, pbc, efield, virial=True, bec=True)
    atoms.calc = lnet.Calculator("model.lnet", efield=[0, 0, 0.01])   # ASE

Units: eV, Å, e, V/Å. Errors in input raise lnet.InputError (a ValueError), other failures
lnet.Error (a RuntimeError), with the same message as the lnet command line. lnet logs only
warnings and errors (stderr), as ASE calculators are quiet; ``lnet.set_log_level("info")`` shows
what the command line shows (e.g. the electrostatics parameters chosen for each structure).
"""
import os

# libgomp (loaded with libtorch) spins between parallel regions unless told otherwise, which
# collapses throughput when cores are shared; it reads this once, when it is loaded. The lnet
# CLI sets the same (src/lnet/cli/main.cpp). A user's own setting is kept.
os.environ.setdefault("OMP_WAIT_POLICY", "PASSIVE")

from ._lnet import Error, InputError, get_threads, set_log_level, set_threads  # noqa: E402
from ._lnet import quantities, register_quantity, unregister_quantity  # noqa: E402
from ._lnet import Model as _Model  # noqa: E402

Error.__module__ = InputError.__module__ = __name__  # shown as lnet.InputError

__version__ = "@PROJECT_VERSION@"


class Model(_Model):
    """A model file loaded for inference: ``Model(path, dtype=None, threads=None,
    min_distance=None)``.

    threads: libtorch's thread count (process-wide; >= 1, capped with a warning at 4 per core).
    min_distance: atoms closer than this (Å; default 0.5, 0 switches the check off) raise
    lnet.InputError naming both atoms, instead of an energy no model was trained for.
    Atomic numbers must be whole numbers (an array of floats such as 11.5 is an error).

    ``evaluate(numbers, positions, cell=None, pbc=None, efield=None, forces=True, virial=False,
    bec=False)`` returns a dict of numpy arrays: energy, forces, virial (W = -dE/dstrain, eV),
    and for long-range models dipole (Born dipole M, e·Å), charges, atomic_dipoles and bec
    (N×3×3, Z*[i, a, b] = dM_a/dr_ib, as the extxyz bec:R:9 column); ``quantities=[names]``
    adds quantities by name (``lnet.quantities()`` lists them with units and shapes;
    ``lnet.register_quantity`` adds one computed in Python from the others). The model keeps a
    neighbour list and the electrostatics parameters between calls (fast MD); call
    ``reset()`` before an unrelated structure.

    committee: the other members' model files of a committee with ``path`` (e.g. the
    ``member_k`` models of ``training.committee``): ``evaluate`` then gives the committee mean
    of energy, forces, virial, dipole and bec, with the spreads committee_energy_std (eV/atom),
    committee_force_std (per atom, eV/Å) and committee_force_std_max (eV/Å).
    """

    def __init__(self, path, dtype=None, threads=None, min_distance=None, committee=None):
        super().__init__(os.fspath(path), dtype, threads, min_distance,
                         [os.fspath(p) for p in (committee or [])])

    def __repr__(self):
        i = self.info
        return (f"lnet.Model({i['path']!r}, species={i['symbols']}, dtype={i['dtype']}, "
                f"long_range={i['long_range']}, cutoff={i['cutoff']})")


def load_model(path, dtype=None, threads=None, min_distance=None, committee=None):
    """Loads a model file, or a committee of them (see Model)."""
    return Model(path, dtype, threads, min_distance, committee)


def __getattr__(name):
    # The ASE calculator is imported on first use, so that lnet.Model works without ASE.
    if name == "Calculator":
        from .calculator import Calculator

        return Calculator
    raise AttributeError(f"module 'lnet' has no attribute {name!r}")


__all__ = ["Calculator", "Error", "InputError", "Model", "load_model", "get_threads",
           "set_threads", "set_log_level"]
