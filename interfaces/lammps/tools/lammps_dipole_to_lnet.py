#!/usr/bin/env python3
"""Converts the M(t) that a LAMMPS run with `pair_style lnet` writes with fix ave/time into
lnet's dipole series (format 1, src/lnet/io/dipole_series.hpp), the input of `lnet ir` and
`lnet dielectric`. Standard library only.

The fix must write, every step, the columns (examples/nacl/in.nacl.lammps):
    fix dipole all ave/time 1 1 1 c_m[1] c_m[2] c_m[3] c_m[5] c_m[6] c_m[7] v_vol v_temp file F
with `compute m all pair lnet`, `variable vol equal vol` and `variable temp equal temp`, i.e.
step, Mx My Mz (e·Å), Ex Ey Ez (V/Å), volume (Å³), temperature (K).

    lammps_dipole_to_lnet.py F --timestep-fs 2 --natoms 64 [--ensemble nvt --temperature 300]
                             -o dipole.dat

dM/dt is the centred difference (M(n+1) - M(n-1)) / (2 dt), one-sided at the ends, as `lnet md`
writes it.
"""
import argparse
import os
import sys


def main():
    p = argparse.ArgumentParser(description=__doc__.split("\n\n")[0])
    p.add_argument("input", help="fix ave/time file")
    p.add_argument("-o", "--output", required=True)
    p.add_argument("--timestep-fs", type=float, required=True, help="LAMMPS timestep in fs")
    p.add_argument("--natoms", type=int, required=True)
    p.add_argument("--ensemble", default="nvt")
    p.add_argument("--temperature", type=float, default=0.0, help="thermostat target (K)")
    p.add_argument("--force", action="store_true", help="replace an existing output")
    a = p.parse_args()
    if os.path.exists(a.output) and not a.force:
        sys.exit(f"{a.output} exists (use --force to replace it)")
    if os.path.abspath(a.output) == os.path.abspath(a.input):
        sys.exit("the output would overwrite the input")

    rows = []
    with open(a.input) as f:
        for number, line in enumerate(f, 1):
            if not line.strip() or line.startswith("#"):
                continue
            w = line.split()
            if len(w) != 9:
                sys.exit(f"{a.input}:{number}: expected 9 columns (step, M, E, volume, "
                         f"temperature), got {len(w)}")
            rows.append((int(w[0]), [float(x) for x in w[1:]]))
    if len(rows) < 2:
        sys.exit(f"{a.input}: fewer than 2 rows")
    steps = [r[0] for r in rows]
    if any(b - a_ != 1 for a_, b in zip(steps, steps[1:])):
        sys.exit(f"{a.input}: rows must be every step (fix ave/time 1 1 1) and consecutive")

    dt = a.timestep_fs
    m = [r[1][0:3] for r in rows]
    n = len(rows)
    out = ["# lnet md dipole series, format 1",
           f"# timestep_fs={dt!r} natoms={a.natoms} ensemble={a.ensemble} "
           f"target_temperature_K={a.temperature!r}",
           "step,time_fs,Mx,My,Mz,dMdt_x,dMdt_y,dMdt_z,Ex,Ey,Ez,volume_A3,temperature_K"]
    for k, (step, v) in enumerate(rows):
        lo, hi = max(k - 1, 0), min(k + 1, n - 1)
        rate = [(m[hi][d] - m[lo][d]) / ((hi - lo) * dt) for d in range(3)]
        fields = [step * dt, *v[0:3], *rate, *v[3:6], v[6], v[7]]
        out.append(",".join([str(step)] + [repr(x) for x in fields]))
    with open(a.output, "w") as f:
        f.write("\n".join(out) + "\n")


if __name__ == "__main__":
    main()
