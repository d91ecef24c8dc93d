#!/usr/bin/env python3
"""Atom-steps/s of LAMMPS + `pair_style lnet` (build/lnet-lammps) against `lnet md` for the same
system, model and NVE settings, on 1 rank and on 1 vs 2 MPI ranks.

    /usr/bin/python3 bench/lammps/bench_lammps.py [--model runs/nacl/model.lnet] [--cells 8]
        [--steps 10] [--build build] [--workdir runs/bench-lammps]

System: rock-salt NaCl, cells^3 conventional cells (8 → 4096 atoms), a = 5.69 Å, 300 K.
Timing: the marginal cost of a step, free of start-up (torch, model load, first evaluation):
  LAMMPS  "Loop time" / steps (the loop excludes the setup evaluation);
  lnet md (wall(2S) - wall(S)) / S from its summary lines.
Threads: 1 rank uses all cores, 2 ranks one thread each (`threads` default); 2 ranks with the
domain decomposition and with every rank evaluating the whole system (`parallel replicated`).
Prints a markdown table; numbers depend on the machine's load (run it on an idle machine).
"""
import argparse
import os
import re
import subprocess
import sys
import time

MASSES = {"Na": 22.98976928, "Cl": 35.45}


def rocksalt_xyz(path, cells, a=5.69):
    frac = [(0, 0, 0), (.5, .5, 0), (.5, 0, .5), (0, .5, .5),
            (.5, 0, 0), (0, .5, 0), (0, 0, .5), (.5, .5, .5)]
    atoms = []
    for i in range(cells):
        for j in range(cells):
            for k in range(cells):
                for n, f in enumerate(frac):
                    atoms.append(("Na" if n < 4 else "Cl",
                                  (a * (i + f[0]), a * (j + f[1]), a * (k + f[2]))))
    L = a * cells
    with open(path, "w") as out:
        out.write(f"{len(atoms)}\nLattice=\"{L} 0 0 0 {L} 0 0 0 {L}\" "
                  "Properties=species:S:1:pos:R:3 pbc=\"T T T\"\n")
        for s, r in atoms:
            out.write(f"{s} {r[0]} {r[1]} {r[2]}\n")
    return len(atoms), L


def run(cmd, env=None):
    t0 = time.time()
    p = subprocess.run(cmd, stdout=subprocess.PIPE, stderr=subprocess.STDOUT, text=True, env=env)
    if p.returncode != 0:
        sys.exit(f"{' '.join(cmd)} failed:\n{p.stdout[-3000:]}")
    return p.stdout, time.time() - t0


def lnet_md_wall(lnet, workdir, model, steps, threads):
    yaml = os.path.join(workdir, f"md_{steps}.yaml")
    with open(yaml, "w") as f:
        f.write(f"""model: {os.path.abspath(model)}
structure: start.xyz
timestep: 2.0
steps: {steps}
ensemble: nve
temperature: 300
seed: 1
masses: {{Na: {MASSES['Na']}, Cl: {MASSES['Cl']}}}
output: {{dir: md_{steps}, thermo_every: 1000, trajectory_every: 100000, checkpoint_every: 100000, overwrite: true}}
""")
    out, _ = run([lnet, "--threads", str(threads), "md", yaml])
    m = re.search(r"md: steps \d+ -> \d+ in ([0-9.]+) s", out)
    if not m:
        sys.exit(f"no summary line in lnet md output:\n{out[-2000:]}")
    return float(m.group(1))


def lammps_loop(lmp, workdir, model, n, L, steps, ranks, mpirun, parallel):
    script = os.path.join(workdir, f"in_{ranks}_{parallel}.lammps")
    with open(script, "w") as f:
        f.write(f"""units metal
atom_style atomic
atom_modify map array
lattice custom 5.69 a1 1 0 0 a2 0 1 0 a3 0 0 1 &
  basis 0.0 0.0 0.0 basis 0.5 0.5 0.0 basis 0.5 0.0 0.5 basis 0.0 0.5 0.5 &
  basis 0.5 0.0 0.0 basis 0.0 0.5 0.0 basis 0.0 0.0 0.5 basis 0.5 0.5 0.5
region box block 0 {round(L / 5.69)} 0 {round(L / 5.69)} 0 {round(L / 5.69)}
create_box 2 box
create_atoms 1 box basis 5 2 basis 6 2 basis 7 2 basis 8 2
mass 1 {MASSES['Na']}
mass 2 {MASSES['Cl']}
pair_style lnet {os.path.abspath(model)} parallel {parallel}
pair_coeff * * Na Cl
velocity all create 300 1 mom yes rot no
timestep 0.002
fix nve all nve
thermo {steps}
run {steps}
""")
    env = dict(os.environ, OMPI_ALLOW_RUN_AS_ROOT="1", OMPI_ALLOW_RUN_AS_ROOT_CONFIRM="1")
    # --bind-to none: OpenMPI binds one or two ranks to one core each by default, which puts a
    # rank's threads on a single core.
    out, _ = run([mpirun, "--oversubscribe", "--bind-to", "none", "-np", str(ranks), lmp,
                  "-in", script, "-log",
                  os.path.join(workdir, f"log_{ranks}_{parallel}.lammps")], env)
    m = re.search(r"Loop time of ([0-9.eE+-]+) on (\d+) procs for (\d+) steps with (\d+) atoms", out)
    comm = re.search(r"^Comm\s*\|[^|]*\|[^|]*\|[^|]*\|[^|]*\|\s*([0-9.]+)", out, re.M)
    gather = re.search(r"gathering atoms \(MPI, ([0-9.]+) %\)", out)
    if not m or int(m.group(4)) != n:
        sys.exit(f"no loop time in LAMMPS output:\n{out[-2000:]}")
    # Communication: LAMMPS's own (ghost exchange, "Comm" row of the timer table) plus the pair
    # style's all-gather of the atoms (its share of the pair time, printed at the end).
    nan = float("nan")
    return float(m.group(1)), (float(comm.group(1)) if comm else nan), \
        (float(gather.group(1)) if gather else nan)


def main():
    p = argparse.ArgumentParser(description=__doc__.split("\n\n")[0])
    p.add_argument("--model", default="runs/nacl/model.lnet")
    p.add_argument("--cells", type=int, default=8)
    p.add_argument("--steps", type=int, default=10)
    p.add_argument("--build", default="build")
    p.add_argument("--workdir", default="runs/bench-lammps")
    p.add_argument("--mpirun", default="mpirun")
    a = p.parse_args()
    lnet = os.path.abspath(os.path.join(a.build, "lnet"))
    lmp = os.path.abspath(os.path.join(a.build, "lnet-lammps"))
    os.makedirs(a.workdir, exist_ok=True)
    n, L = rocksalt_xyz(os.path.join(a.workdir, "start.xyz"), a.cells)
    cores = os.cpu_count()
    os.environ.setdefault("OPENBLAS_NUM_THREADS", "1")
    os.environ.setdefault("OMP_WAIT_POLICY", "PASSIVE")
    cwd = os.getcwd()
    os.chdir(a.workdir)
    try:
        w1 = lnet_md_wall(lnet, ".", os.path.join(cwd, a.model), a.steps, cores)
        w2 = lnet_md_wall(lnet, ".", os.path.join(cwd, a.model), 2 * a.steps, cores)
        md_rate = n * a.steps / max(w2 - w1, 1e-9)
        nan = float("nan")
        rows = [("lnet md", 1, cores, md_rate, nan, nan)]
        for ranks, parallel in ((1, "auto"), (2, "domain"), (2, "replicated")):
            loop, comm, gather = lammps_loop(lmp, ".", os.path.join(cwd, a.model), n, L, a.steps,
                                             ranks, a.mpirun, parallel)
            rows.append((f"LAMMPS + pair lnet ({'replicated' if ranks == 1 else parallel})",
                         ranks, max(1, cores // ranks), n * a.steps / loop, comm, gather))
    finally:
        os.chdir(cwd)
    print(f"\n{n} atoms NaCl, model {a.model}, {a.steps} steps, {cores} cores\n")
    print("| program | MPI ranks | threads/rank | atom-steps/s | ratio to lnet md "
          "| LAMMPS Comm % | pair gather % |")
    print("|---|---|---|---|---|---|---|")
    fmt = lambda x: "" if x != x else f"{x:.1f}"  # noqa: E731 (nan: not applicable)
    for name, ranks, threads, rate, comm, gather in rows:
        print(f"| {name} | {ranks} | {threads} | {rate:.0f} | {rate / md_rate:.2f} | "
              f"{fmt(comm)} | {fmt(gather)} |")


if __name__ == "__main__":
    main()
