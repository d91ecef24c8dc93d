#!/usr/bin/env python3
"""Tests of `pair_style lnet` in lnet-lammps , one case per CTest test:

  test_lammps.py CASE WORKDIR      CASE: forces | triclinic | nve | restart | errors | committee

The references are lnet's own programs on the same structure: `lnet eval` (energy, forces,
stress, Born dipole, charges, atomic dipoles; written with round-trip precision) and `lnet md`
(velocity Verlet). Models are small untrained float64 ones from lnet_make_test_model. Exit code
77 (CTest skip) when mpirun, the executables, numpy or ASE are missing.

Environment (set by interfaces/lammps/CMakeLists.txt): LNET_LAMMPS, LNET_EXECUTABLE,
LNET_MAKE_TEST_MODEL, LNET_MPIRUN.
"""
import os
import shutil
import subprocess
import sys

SKIP = 77
NKTV2P = 1.6021765e6  # LAMMPS metal: bar per (eV/Å³), force.cpp's nktv2p
MVV2E = 1.0364269e-4  # LAMMPS metal: eV per (amu Å²/ps²)

try:
    import numpy as np
    from ase import Atoms
    from ase.io import read
except ImportError as e:
    print(f"skipped: {e}")
    sys.exit(SKIP)

LAMMPS = os.environ.get("LNET_LAMMPS", "")
LNET = os.environ.get("LNET_EXECUTABLE", "")
MAKE_MODEL = os.environ.get("LNET_MAKE_TEST_MODEL", "")
REFERENCE = os.environ.get("LNET_LAMMPS_REFERENCE", "")
MPIRUN = os.environ.get("LNET_MPIRUN") or shutil.which("mpirun") or ""
for path in (LAMMPS, LNET, MAKE_MODEL, REFERENCE, MPIRUN):
    if not path or not os.access(path, os.X_OK):
        print(f"skipped: '{path}' is not an executable (needs mpirun and the lnet-lammps build)")
        sys.exit(SKIP)

# Masses as lnet's (IUPAC 2013 conventional, = ASE's); md runs are given the same ones.
MASSES = {"Na": 22.98976928, "Cl": 35.45}


def fail(message):
    print("FAIL:", message)
    sys.exit(1)


def check_close(name, got, want, rel):
    """max |got - want| <= rel * max(|want|, tiny): relative to the largest component."""
    got, want = np.asarray(got, float), np.asarray(want, float)
    scale = max(np.max(np.abs(want)), 1e-300)
    err = np.max(np.abs(got - want)) / scale
    print(f"  {name}: relative error {err:.2e} (tolerance {rel:.0e})")
    if not err <= rel:
        fail(f"{name}: relative error {err:.3e} > {rel:.0e}\n got {got}\n want {want}")


def run(cmd, cwd, expect_ok=True):
    p = subprocess.run(cmd, cwd=cwd, stdout=subprocess.PIPE, stderr=subprocess.STDOUT, text=True)
    if expect_ok and p.returncode != 0:
        fail(f"{' '.join(cmd)} exited with {p.returncode}:\n{p.stdout[-4000:]}")
    return p


def lammps(workdir, script, ranks, name, expect_ok=True):
    """Runs `script` on `ranks` MPI ranks; returns (process, log text)."""
    path = os.path.join(workdir, name + ".in")
    with open(path, "w") as f:
        f.write(script)
    log = name + ".log"
    cmd = [MPIRUN, "--oversubscribe", "-np", str(ranks), LAMMPS, "-in", name + ".in", "-log", log,
           "-screen", "none"]
    p = run(cmd, workdir, expect_ok)
    text = open(os.path.join(workdir, log)).read() if os.path.exists(os.path.join(workdir, log)) else ""
    return p, text


def thermo_table(log):
    """Rows of every thermo block of a LAMMPS log: list of dicts keyed by column name."""
    rows, header = [], None
    for line in log.splitlines():
        words = line.split()
        if words[:1] == ["Step"]:
            header = words
            continue
        if header and words and len(words) == len(header):
            try:
                rows.append(dict(zip(header, [float(w) for w in words])))
            except ValueError:
                header = None
        elif header and line.startswith("Loop time"):
            header = None
    return rows


def thermo_lines(log):
    """The thermo lines as printed (for exact comparison between runs)."""
    out, on = [], False
    for line in log.splitlines():
        if line.split()[:1] == ["Step"]:
            on = True
        elif line.startswith("Loop time"):
            on = False
        elif on:
            out.append(line.strip())
    return out


def read_dump(path):
    """A `write_dump ... custom` file sorted by id: dict column -> array."""
    lines = open(path).read().splitlines()
    k = next(i for i, l in enumerate(lines) if l.startswith("ITEM: ATOMS"))
    cols = lines[k].split()[2:]
    data = np.array([[float(w) for w in l.split()] for l in lines[k + 1:] if l.strip()])
    data = data[np.argsort(data[:, 0])]
    return {c: data[:, j] for j, c in enumerate(cols)}


def make_model(workdir, name, *flags):
    path = os.path.join(workdir, name + ".lnet")
    if not os.path.exists(path):
        run([MAKE_MODEL, path, *flags], workdir)
    return path


def rocksalt(reps, a=5.64, cell=None, seed=1, rattle=0.12):
    """Rock salt NaCl (8-atom conventional cell repeated `reps`), optionally in a sheared `cell`
    (rows), randomly displaced."""
    frac = np.array([[0, 0, 0], [.5, .5, 0], [.5, 0, .5], [0, .5, .5],
                     [.5, 0, 0], [0, .5, 0], [0, 0, .5], [.5, .5, .5]])
    symbols = ["Na"] * 4 + ["Cl"] * 4
    base = np.diag([a, a, a]) if cell is None else np.asarray(cell, float)
    atoms = Atoms(symbols, scaled_positions=frac, cell=base, pbc=True).repeat(reps)
    rng = np.random.default_rng(seed)
    atoms.positions += rattle * rng.uniform(-1, 1, atoms.positions.shape)
    return atoms


def write_data(path, atoms, velocities_per_ps=None):
    """LAMMPS data file (atom_style atomic, types 1 = Na, 2 = Cl). The cell must be LAMMPS's
    lower-triangular form: a = (xprd,0,0), b = (xy,yprd,0), c = (xz,yz,zprd)."""
    c = atoms.cell.array
    if abs(c[0, 1]) + abs(c[0, 2]) + abs(c[1, 2]) > 0:
        fail("cell not in LAMMPS form")
    types = {"Na": 1, "Cl": 2}
    with open(path, "w") as f:
        f.write(f"lnet test structure\n\n{len(atoms)} atoms\n2 atom types\n\n")
        f.write(f"0 {c[0, 0]!r} xlo xhi\n0 {c[1, 1]!r} ylo yhi\n0 {c[2, 2]!r} zlo zhi\n")
        if abs(c[1, 0]) + abs(c[2, 0]) + abs(c[2, 1]) > 0:  # triclinic
            f.write(f"{c[1, 0]!r} {c[2, 0]!r} {c[2, 1]!r} xy xz yz\n")
        f.write("\n")
        f.write(f"Masses\n\n1 {MASSES['Na']!r}\n2 {MASSES['Cl']!r}\n\nAtoms # atomic\n\n")
        for i, (s, r) in enumerate(zip(atoms.get_chemical_symbols(), atoms.positions)):
            f.write(f"{i + 1} {types[s]} {r[0]!r} {r[1]!r} {r[2]!r}\n")
        if velocities_per_ps is not None:
            f.write("\nVelocities\n\n")
            for i, v in enumerate(velocities_per_ps):
                f.write(f"{i + 1} {v[0]!r} {v[1]!r} {v[2]!r}\n")


def write_xyz(path, atoms, info="", velocities=None):
    """Extended XYZ with every number in round-trip precision (ASE's writer rounds positions to
    8 decimals, which would give lnet other positions than LAMMPS)."""
    c = " ".join(repr(float(x)) for x in atoms.cell.array.reshape(-1))
    props = "species:S:1:pos:R:3" + (":velocities:R:3" if velocities is not None else "")
    with open(path, "w") as f:
        f.write(f'{len(atoms)}\nLattice="{c}" Properties={props} pbc="T T T" {info}\n')
        for k, (s, r) in enumerate(zip(atoms.get_chemical_symbols(), atoms.positions)):
            extra = "" if velocities is None else " " + " ".join(repr(float(x)) for x in velocities[k])
            f.write(f"{s} {' '.join(repr(float(x)) for x in r)}{extra}\n")


def references(workdir, model, atoms, efield, name):
    """The calculator's results (lnet_lammps_reference: the same Calculator and options as the
    pair style) and `lnet eval`'s (written with round-trip precision) for `atoms` in `efield`."""
    xyz = os.path.join(workdir, name + "_in.xyz")
    write_xyz(xyz, atoms, 'efield="' + " ".join(repr(float(x)) for x in efield) + '"')
    out = run([REFERENCE, model, xyz], workdir).stdout
    keys = ("energy", "forces", "virial", "dipole", "charges", "atomic_dipoles")
    calc = {l.split()[0]: np.array([float(w) for w in l.split()[1:]])
            for l in out.splitlines() if l.split()[:1] and l.split()[0] in keys}
    n = len(atoms)
    calc["forces"] = calc["forces"].reshape(n, 3)
    calc["virial"] = calc["virial"].reshape(3, 3)
    if "atomic_dipoles" in calc:
        calc["atomic_dipoles"] = calc["atomic_dipoles"].reshape(n, 3)
    run([LNET, "--threads", "1", "eval", model, xyz, "-o", os.path.join(workdir, name + "_eval"),
         "--force"], workdir)
    ev = read(os.path.join(workdir, name + "_eval.xyz"), format="extxyz")
    s = np.asarray(ev.info["stress"], float).reshape(3, 3)  # ASE sign: stress = -W / V
    evaluated = {"energy": ev.info["energy"], "forces": ev.arrays["forces"],
                 "virial": -s * atoms.get_volume()}
    return calc, evaluated


def pair_line(model, efield, extra=""):
    field = " efield " + " ".join(repr(float(x)) for x in efield) if any(efield) else ""
    return f"pair_style lnet {model}{field}{extra} threads 1\npair_coeff * * Na Cl\n"


# Dynamics tests: Ewald at 1e-6 instead of the test models' 1e-8 (several times faster); lnet md
# is given the same setting.
DYNAMICS_ES = " electrostatics ewald 1e-6"


SINGLE_POINT = """units metal
atom_style atomic
atom_modify map array
read_data {data}
{pair}
compute m all pair lnet
compute v all pressure NULL virial
compute qmu all lnet/atom
compute ea all lnet/atom atom_energies
compute pea all pe/atom
compute sa all stress/atom NULL virial
compute spe all reduce sum c_pea
compute ssa all reduce sum c_sa[1] c_sa[2] c_sa[3] c_sa[4] c_sa[5] c_sa[6]
thermo_style custom step pe vol c_v[1] c_v[2] c_v[3] c_v[4] c_v[5] c_v[6] c_m[1] c_m[2] c_m[3] c_m[4] c_spe c_ssa[1] c_ssa[2] c_ssa[3] c_ssa[4] c_ssa[5] c_ssa[6]
thermo_modify format float %.17g
dump d all custom 1 {dump} id fx fy fz c_pea c_ea[1] c_qmu[1] c_qmu[2] c_qmu[3] c_qmu[4]
dump_modify d sort id format float %.17g
run 0
"""


def compare_single_point(workdir, model, atoms, efield, name,
                         runs=((1, "auto"), (1, "domain"), (2, "auto"), (4, "auto"),
                               (2, "replicated"), (4, "replicated"))):
    """Energy, forces, virial, M, charges and dipoles of pair lnet on `runs` (MPI ranks,
    `parallel` mode: auto is replicated on 1 rank, domain decomposition on more) against
    the calculator's. Tolerance 1e-10 relative: the same float64 calculator on the same
    positions; LAMMPS's wrapping and unwrapping of positions changes them by a few ulp, and the
    virial goes through LAMMPS's pressure (P·V/nktv2p). `lnet eval` is a second, independent
    reference (another process; it also asks for Born charges): 1e-8. compute
    pe/atom sums to the energy and compute stress/atom to the virial (-sum / nktv2p): 1e-10
    relative, the same terms summed in another order, over ranks."""
    calc, ev = references(workdir, model, atoms, efield, name)
    long_range = "dipole" in calc
    data = os.path.join(workdir, name + ".data")
    write_data(data, atoms)
    for n, mode in runs:
        print(f"{name}: {n} rank(s), parallel {mode}")
        dump = f"{name}_{n}_{mode}.dump"
        script = SINGLE_POINT.format(data=data, pair=pair_line(model, efield, " parallel " + mode),
                                     dump=dump)
        if not long_range:  # no charges: drop compute lnet/atom and its columns
            script = script.replace("compute qmu all lnet/atom\n", "")
            script = script.replace(" c_qmu[1] c_qmu[2] c_qmu[3] c_qmu[4]", "")
        _, log = lammps(workdir, script, n, f"{name}_{n}_{mode}")
        row = thermo_table(log)[-1]
        d = read_dump(os.path.join(workdir, dump))
        p = [row[f"c_v[{k}]"] for k in range(1, 7)]  # xx yy zz xy xz yz, bar
        w = np.array([[p[0], p[3], p[4]], [p[3], p[1], p[5]], [p[4], p[5], p[2]]])
        got = {"energy": row["PotEng"], "forces": np.stack([d["fx"], d["fy"], d["fz"]], axis=1),
               "virial": w * row["Volume"] / NKTV2P}
        q = [row[f"c_ssa[{k}]"] for k in range(1, 7)]  # -sum of W_i * nktv2p, bar Å³
        got["atom energies (sum)"] = row["c_spe"]
        got["atom virials (sum)"] = -np.array([[q[0], q[3], q[4]], [q[3], q[1], q[5]],
                                               [q[4], q[5], q[2]]]) / NKTV2P
        check_close("atom energies (sum)", got["atom energies (sum)"], calc["energy"], 1e-10)
        # compute lnet/atom by registry name gives the same per-atom energies as pe/atom.
        check_close("atom_energies (compute lnet/atom)", d["c_ea[1]"], d["c_pea"], 1e-12)
        check_close("atom virials (sum)", got["atom virials (sum)"], calc["virial"], 1e-10)
        for key in ("energy", "forces", "virial"):
            check_close(key, got[key], calc[key], 1e-10)
            check_close(key + " (lnet eval)", got[key], ev[key], 1e-8)
        if long_range:
            m = np.array([row["c_m[1]"], row["c_m[2]"], row["c_m[3]"]])
            check_close("Born dipole", m, calc["dipole"], 1e-10)
            check_close("field energy", row["c_m[4]"], -np.dot(efield, calc["dipole"]), 1e-10)
            check_close("charges", d["c_qmu[1]"], calc["charges"], 1e-10)
            mu = np.stack([d[f"c_qmu[{k}]"] for k in (2, 3, 4)], axis=1)
            check_close("atomic dipoles", mu, calc["atomic_dipoles"], 1e-10)


def case_forces(workdir):
    lr = make_model(workdir, "long_range")
    sr = make_model(workdir, "short_range", "--short-range")
    atoms = rocksalt((2, 1, 1), seed=3)
    compare_single_point(workdir, lr, atoms, [0.02, -0.01, 0.03], "long_range_field")
    compare_single_point(workdir, sr, atoms, [0, 0, 0], "short_range")


def case_triclinic(workdir):
    lr = make_model(workdir, "long_range")
    cell = [[5.7, 0, 0], [0.9, 5.5, 0], [-0.6, 0.7, 5.6]]
    atoms = rocksalt((2, 1, 1), cell=cell, seed=5)
    # Some atoms outside the cell: LAMMPS wraps them (image flags), lnet sees them unwrapped.
    atoms.positions[0] += atoms.cell[0] + atoms.cell[2]
    compare_single_point(workdir, lr, atoms, [0.01, 0.02, -0.02], "triclinic")


NVE = """units metal
atom_style atomic
atom_modify map array
read_data {data}
{pair}
compute m all pair lnet
timestep 0.0005
thermo_style custom step temp pe ke etotal press c_m[1] c_m[2] c_m[3]
thermo_modify format float %.10g
thermo 10
fix nve all nve
{runs}
write_dump all custom {dump} id xu yu zu vx vy vz modify sort id format float %.17g
"""


def nve_start(seed=11, temperature=600.0):
    atoms = rocksalt((2, 1, 1), seed=seed, rattle=0.05)
    rng = np.random.default_rng(seed)
    m = np.array([MASSES[s] for s in atoms.get_chemical_symbols()])
    kT = 8.617333262e-5 * temperature  # eV
    v = rng.normal(size=(len(atoms), 3)) * np.sqrt(kT / (m[:, None] * MVV2E))  # Å/ps
    v -= (m[:, None] * v).sum(axis=0) / m.sum()  # no centre-of-mass drift (lnet md keeps it)
    return atoms, v


def case_nve(workdir):
    """200 NVE steps in a field: the same thermo output (printed digits) on 1, 2 and 4 ranks with
    the domain decomposition and positions within 1e-9 A (the ranks sum forces in another
    order); bit-identical positions on 2 ranks with `parallel replicated`; and the trajectory of
    `lnet md` (velocity Verlet, same start and timestep)."""
    model = make_model(workdir, "tiny", "--tiny")
    efield = [0.0, 0.0, 0.05]
    atoms, v = nve_start()
    data = os.path.join(workdir, "nve.data")
    write_data(data, atoms, v)
    logs, dumps = {}, {}
    for n, mode in ((1, "auto"), (2, "domain"), (4, "domain"), ("2r", "replicated")):
        ranks = 2 if n == "2r" else n
        script = NVE.format(data=data, pair=pair_line(model, efield, DYNAMICS_ES + " parallel " + mode),
                            runs="run 200", dump=f"nve_{n}.dump")
        _, log = lammps(workdir, script, ranks, f"nve_{n}")
        if ranks > 1 and ("domain decomposition" in log) != (mode == "domain"):
            fail(f"{ranks} ranks, parallel {mode}: the log does not show the expected mode")
        logs[n], dumps[n] = thermo_lines(log), read_dump(os.path.join(workdir, f"nve_{n}.dump"))
        if len(logs[n]) != 21:
            fail(f"{n} ranks: expected 21 thermo lines, got {len(logs[n])}")
    for n in (2, 4, "2r"):
        if logs[n] != logs[1]:
            diff = [(a, b) for a, b in zip(logs[1], logs[n]) if a != b]
            fail(f"thermo output on {n} ranks differs from 1 rank: {diff[:3]}")
        for c in ("xu", "yu", "zu", "vx", "vy", "vz"):
            if n == "2r" and not np.array_equal(dumps[n][c], dumps[1][c]):
                fail(f"{c} after 200 steps on 2 ranks (replicated) differs from 1 rank")
        err = max(np.max(np.abs(dumps[n][c] - dumps[1][c])) for c in ("xu", "yu", "zu"))
        if not err < 1e-9:
            fail(f"positions after 200 steps on {n} ranks differ from 1 rank by {err:.3e} A")
        print(f"  {n} ranks: thermo identical, positions within {err:.1e} A of 1 rank")

    # lnet md: velocities in Å/fs, masses as in the data file, no COM removal (zero anyway).
    write_xyz(os.path.join(workdir, "md_start.xyz"), atoms, "velocities_unit=A/fs", v / 1000.0)
    with open(os.path.join(workdir, "md.yaml"), "w") as f:
        f.write(f"""model: {model}
structure: md_start.xyz
timestep: 0.5
steps: 200
ensemble: nve
velocities: file
remove_com: false
field: {{type: static, e0: [{efield[0]}, {efield[1]}, {efield[2]}]}}
masses: {{Na: {MASSES['Na']!r}, Cl: {MASSES['Cl']!r}}}
electrostatics: {{method: ewald, accuracy: 1e-6}}
output: {{dir: md, thermo_every: 10, trajectory_every: 200, checkpoint_every: 1000, overwrite: true}}
""")
    run([LNET, "--threads", "1", "md", os.path.join(workdir, "md.yaml")], workdir)
    md = np.genfromtxt(os.path.join(workdir, "md", "thermo.csv"), delimiter=",", names=True)
    lmp = thermo_table(open(os.path.join(workdir, "nve_1.log")).read())
    pe_lmp = np.array([r["PotEng"] for r in lmp])
    pe_md = md["potential_energy_eV"][: len(pe_lmp)]
    if len(pe_md) != len(pe_lmp):
        fail(f"lnet md wrote {len(pe_md)} thermo rows, LAMMPS {len(pe_lmp)}")
    # The only difference is the unit constant amu·Å²/ps² → eV: LAMMPS's 1.0364269e-4 against
    # lnet's CODATA 2018 value (relative ~1e-7); over 200 steps that moved positions by 2e-8 Å
    # and the potential energy by 4e-10 relative (tolerances: 10-20 times that).
    check_close("potential energy (200 steps)", pe_lmp, pe_md, 1e-8)
    last = read(os.path.join(workdir, "md", "trajectory.xyz"), index=-1, format="extxyz")
    unwrapped = last.positions + last.arrays["image"] @ last.cell.array
    x_lmp = np.stack([dumps[1]["xu"], dumps[1]["yu"], dumps[1]["zu"]], axis=1)
    err = np.max(np.abs(x_lmp - unwrapped))
    print(f"  positions after 200 steps: max |LAMMPS - lnet md| = {err:.2e} A")
    if not err < 2e-7:
        fail(f"positions after 200 steps differ from lnet md by {err:.3e} A")


def case_restart(workdir):
    """`run 50` twice with write_restart in between, and read_restart (no pair_style) + `run 50`,
    continue `run 100` (on 2 ranks). Not bit for bit: LAMMPS wraps atoms back into the box at
    the start of every run, which changes unwrapped positions by an ulp (as for any pair
    style); so the printed thermo (%.10g) must agree and positions to 1e-9 Å."""
    model = make_model(workdir, "tiny", "--tiny")
    atoms, v = nve_start(seed=12)
    data = os.path.join(workdir, "restart.data")
    write_data(data, atoms, v)
    pair = pair_line(model, [0.03, 0.0, 0.0], DYNAMICS_ES)
    _, log = lammps(workdir, NVE.format(data=data, pair=pair, runs="run 100", dump="once.dump"),
                    2, "once")
    twice = NVE.format(data=data, pair=pair, runs="run 50\nwrite_restart nve.restart\nrun 50",
                       dump="twice.dump")
    _, log2 = lammps(workdir, twice, 2, "twice")
    second = (NVE.format(data="", pair="", runs="run 50", dump="second.dump")
              .replace("read_data \n", "read_restart nve.restart\n")
              .replace("atom_modify map array\n", ""))
    _, log3 = lammps(workdir, second, 2, "second")
    if "restoring pair style lnet from restart" not in log3:
        fail("read_restart did not restore pair_style lnet")
    last = thermo_lines(log)[-1]
    for name, other in (("run 50 twice", log2), ("restart", log3)):
        if thermo_lines(other)[-1] != last:
            fail(f"{name}: step 100 thermo '{thermo_lines(other)[-1]}' != '{last}'")
    ref = read_dump(os.path.join(workdir, "once.dump"))
    for name in ("twice", "second"):
        d = read_dump(os.path.join(workdir, name + ".dump"))
        err = max(np.max(np.abs(d[c] - ref[c])) for c in ("xu", "yu", "zu"))
        print(f"  {name}: step 100 thermo equal, max position difference {err:.1e} A")
        if not err < 1e-9:
            fail(f"{name}: positions after 100 steps differ from run 100 by {err:.2e} A")


def case_errors(workdir):
    """Input errors are LAMMPS errors (message, non-zero exit), never crashes."""
    model = make_model(workdir, "tiny", "--tiny")
    data = os.path.join(workdir, "errors.data")
    write_data(data, rocksalt((1, 1, 1)))
    base = "units metal\natom_style atomic\nread_data {}\n".format(data)
    cases = {
        "unknown_element": (f"pair_style lnet {model}\npair_coeff * * Na K\nrun 0\n",
                            "element K is not among the model's species (Na Cl)"),
        "not_an_element": (f"pair_style lnet {model}\npair_coeff * * Na Qq\nrun 0\n",
                           "'Qq' is not an element symbol"),
        "too_few_elements": (f"pair_style lnet {model}\npair_coeff * * Na\nrun 0\n",
                             "expected 2 element symbols"),
        "missing_model": ("pair_style lnet no_such.lnet\npair_coeff * * Na Cl\nrun 0\n",
                          "no_such.lnet"),
        "bad_keyword": (f"pair_style lnet {model} efield 1 2\npair_coeff * * Na Cl\n",
                        "efield needs Ex Ey Ez"),
        "bad_parallel": (f"pair_style lnet {model} parallel some\npair_coeff * * Na Cl\n",
                         "parallel must be auto, domain or replicated"),
        "domain_newton_off": (f"newton off on\npair_style lnet {model} parallel domain\n"
                              "pair_coeff * * Na Cl\nrun 0\n",
                              "parallel domain needs newton_pair on"),
    }
    # Atoms 3 and 6 0.01 Å apart: an error naming their IDs, in both parallel modes (the
    # domain decomposition finds the pair on the rank that owns one of them).
    close = rocksalt((1, 1, 1))
    close.positions[5] = close.positions[2] + [0.01, 0, 0]
    close_data = os.path.join(workdir, "close.data")
    write_data(close_data, close)
    close_base = "units metal\natom_style atomic\nread_data {}\n".format(close_data)
    short = make_model(workdir, "tiny_short", "--tiny", "--short-range")
    cases.update({
        "close_replicated": (f"pair_style lnet {model} parallel replicated\n"
                             "pair_coeff * * Na Cl\nrun 0\n",
                             "atoms with IDs 3 and 6 are 0.01 A apart, closer than min_distance "
                             "0.5 A"),
        "close_domain": (f"pair_style lnet {short} parallel domain\npair_coeff * * Na Cl\n"
                         "run 0\n", "0.01 A apart, closer than min_distance 0.5 A"),
        "bad_min_distance": (f"pair_style lnet {model} min_distance -1\n",
                             "min_distance must be a distance >= 0"),
        "unknown_quantity": (f"pair_style lnet {model}\npair_coeff * * Na Cl\n"
                             "compute x all lnet/atom charges magnetisation\n",
                             "no per-atom quantity 'magnetisation' (one of forces"),
        "quantity_not_in_domain": (f"pair_style lnet {model} parallel domain\n"
                                   "pair_coeff * * Na Cl\ncompute z all lnet/atom bec\n"
                                   "run 0\n", "bec is not available with parallel domain"),
        "short_range_charges": (f"pair_style lnet {short}\npair_coeff * * Na Cl\n"
                                "compute q all lnet/atom\nrun 0\n",
                                "the model is short-range (no charges)"),
    })
    p, log = lammps(workdir, close_base + f"pair_style lnet {short} min_distance 0\n"
                    "pair_coeff * * Na Cl\nrun 0\n", 2, "close_unchecked", expect_ok=False)
    print(f"  close_unchecked: exit {p.returncode}")
    if p.returncode != 0:
        fail(f"min_distance 0 should evaluate atoms 0.01 A apart:\n{(p.stdout + log)[-2000:]}")
    for name, (script, message) in cases.items():
        script = (close_base if name.startswith("close") else base) + script
        p, log = lammps(workdir, script, 2, name, expect_ok=False)
        text = p.stdout + log
        ok = p.returncode != 0 and "ERROR" in text and message in text
        crash = any(w in text for w in ("Segmentation", "core dumped", "terminate called"))
        print(f"  {name}: exit {p.returncode}, message {'found' if message in text else 'MISSING'}")
        if not ok or crash:
            fail(f"{name}: expected a LAMMPS error with '{message}', got exit {p.returncode}:\n"
                 f"{text[-2000:]}")


COMMITTEE_POINT = """units metal
atom_style atomic
atom_modify map array
read_data {data}
{pair}
compute s all lnet/atom committee_force_std
compute smax all reduce max c_s[1]
thermo_style custom step pe c_smax
thermo_modify format float %.17g
dump d all custom 1 {dump} id fx fy fz c_s[1]
dump_modify d sort id format float %.17g
run 0
"""


def case_committee(workdir):
    """`committee`: LAMMPS integrates the committee's mean and gives each atom's force spread,
    equal to `lnet eval --committee` (the same calculators, 1e-10 relative; the spread 1e-8
    relative: a difference of nearly equal forces) on 1 and 2 ranks; two copies of one model have
    zero spread and the model's own forces; `parallel domain` with a committee is an error."""
    a = make_model(workdir, "long_range")
    b = make_model(workdir, "long_range_seed11", "--seed", "11")
    atoms = rocksalt((2, 1, 1), seed=3)
    efield = [0.02, -0.01, 0.03]
    xyz = os.path.join(workdir, "committee_in.xyz")
    write_xyz(xyz, atoms, 'efield="' + " ".join(repr(float(x)) for x in efield) + '"')
    run([LNET, "--threads", "1", "eval", a, xyz, "--committee", b, "-o",
         os.path.join(workdir, "committee_eval"), "--force"], workdir)
    ev = read(os.path.join(workdir, "committee_eval.xyz"), format="extxyz")
    spread = np.asarray(ev.arrays["committee_force_std"], float)
    if not np.max(spread) > 1e-4:
        fail(f"two different members should disagree: spread {np.max(spread)}")
    data = os.path.join(workdir, "committee.data")
    write_data(data, atoms)
    for n in (1, 2):
        name = f"committee_{n}"
        dump = name + ".dump"
        pair = pair_line(a, efield, f" committee 1 {b}")
        _, log = lammps(workdir, COMMITTEE_POINT.format(data=data, pair=pair, dump=dump), n, name)
        row = thermo_table(log)[-1]
        d = read_dump(os.path.join(workdir, dump))
        print(f"{name}: {n} rank(s)")
        check_close("energy", row["PotEng"], ev.info["energy"], 1e-10)
        check_close("forces", np.stack([d["fx"], d["fy"], d["fz"]], axis=1), ev.arrays["forces"],
                    1e-10)
        check_close("force spread", d["c_s[1]"], spread, 1e-8)
        check_close("largest force spread", row["c_smax"], np.max(spread), 1e-8)
    calc, _ = references(workdir, a, atoms, efield, "committee_single")
    pair = pair_line(a, efield, f" committee 1 {a}")
    _, log = lammps(workdir, COMMITTEE_POINT.format(data=data, pair=pair, dump="same.dump"), 1,
                    "committee_same")
    d = read_dump(os.path.join(workdir, "same.dump"))
    check_close("forces (two copies)", np.stack([d["fx"], d["fy"], d["fz"]], axis=1),
                calc["forces"], 1e-10)
    if np.max(np.abs(d["c_s[1]"])) != 0:
        fail(f"two copies of one model: spread {np.max(np.abs(d['c_s[1]']))}, expected 0")
    p, log = lammps(workdir, f"units metal\natom_style atomic\nread_data {data}\n"
                    f"pair_style lnet {a} committee 1 {b} parallel domain\n"
                    "pair_coeff * * Na Cl\nrun 0\n", 2, "committee_domain", expect_ok=False)
    text = p.stdout + log
    if p.returncode == 0 or "parallel domain is not possible: a committee" not in text:
        fail(f"committee with parallel domain: expected an error, got exit {p.returncode}:\n"
             f"{text[-2000:]}")
    print("  committee with parallel domain: error as expected")


CASES = {"forces": case_forces, "triclinic": case_triclinic, "nve": case_nve,
         "restart": case_restart, "errors": case_errors, "committee": case_committee}

if __name__ == "__main__":
    if len(sys.argv) != 3 or sys.argv[1] not in CASES:
        print(f"usage: {sys.argv[0]} {{{'|'.join(CASES)}}} WORKDIR")
        sys.exit(2)
    workdir = os.path.abspath(sys.argv[2])
    os.makedirs(workdir, exist_ok=True)
    CASES[sys.argv[1]](workdir)
    print("PASS")
