#!/usr/bin/env python3
"""Which index of a data set's Born charges is the field direction.

lnet's convention (DESIGN.md §1.4): Z*_i(a, b) = dM_a/dr_ib = dF_ib/dE_a, row a = field /
polarization direction, stored row-major (xx xy xz yx ... zz). Site symmetry and the acoustic
sum rule cannot tell Z* from its transpose (both transform alike), but the cell dipole can:
between two frames A, B of one trajectory,

    M_B - M_A = sum_i Zbar_i (r_iB - r_iA) + O(|dr|^3),   Zbar_i = (Z_iA + Z_iB) / 2

(the trapezoid rule of the path integral of dM = sum_i Z_i dr_i), modulo the polarization
quantum e·R. The script compares the residual of that relation with Z* as stored and with Z*
transposed, over pairs of frames, and prints the acoustic sum rule and the antisymmetric part
of Z* (the transpose test only means something when that part is large against the residual).

Usage (plain Python 3, no numpy):
    python3 bench/accuracy/check_bec_convention.py ../shared/data/sio2-quartz-pol/SiO2_qe_pbe_72atom.xyz \
        --bec born_charge --dipole polarization [--pairs 40]
"""
import argparse
import math
import re
import shlex


def read_frames(path, bec_key, dipole_key):
    frames = []
    with open(path) as f:
        while True:
            line = f.readline()
            if not line.strip():
                break
            n = int(line)
            header = f.readline()
            info = dict(kv.split("=", 1) for kv in shlex.split(header) if "=" in kv)
            lattice = [float(x) for x in info["Lattice"].split()]
            cell = [lattice[0:3], lattice[3:6], lattice[6:9]]
            props = info["Properties"].split(":")
            cols, c = {}, 0
            for k in range(0, len(props), 3):
                width = int(props[k + 2])
                cols[props[k]] = (c, width)
                c += width
            pos, bec = [], []
            for _ in range(n):
                t = f.readline().split()
                p0, _w = cols["pos"]
                b0, _w = cols[bec_key]
                pos.append([float(t[p0 + a]) for a in range(3)])
                z = [float(t[b0 + k]) for k in range(9)]
                bec.append([z[0:3], z[3:6], z[6:9]])
            m = [float(x) for x in info[dipole_key].split()]
            frames.append({"cell": cell, "pos": pos, "bec": bec, "M": m})
    return frames


def solve3(a, b):  # a x = b for a 3x3 (Cramer)
    def det(m):
        return (m[0][0] * (m[1][1] * m[2][2] - m[1][2] * m[2][1])
                - m[0][1] * (m[1][0] * m[2][2] - m[1][2] * m[2][0])
                + m[0][2] * (m[1][0] * m[2][1] - m[1][1] * m[2][0]))
    d = det(a)
    out = []
    for c in range(3):
        mc = [row[:] for row in a]
        for r in range(3):
            mc[r][c] = b[r]
        out.append(det(mc) / d)
    return out


def fold(d, cell):
    """d modulo the lattice vectors (rows of cell), in lattice coordinates as lnet's loss."""
    ct = [[cell[j][i] for j in range(3)] for i in range(3)]  # d = cell^T f
    f = solve3(ct, d)
    f = [x - round(x) for x in f]
    return [sum(ct[i][j] * f[j] for j in range(3)) for i in range(3)]


def min_image(d, cell):
    return fold(d, cell)  # the same operation on a displacement


def residual(fa, fb, transpose):
    cell = fa["cell"]
    pred = [0.0, 0.0, 0.0]
    for i in range(len(fa["pos"])):
        dr = min_image([fb["pos"][i][a] - fa["pos"][i][a] for a in range(3)], cell)
        for a in range(3):
            for b in range(3):
                za = fa["bec"][i][b][a] if transpose else fa["bec"][i][a][b]
                zb = fb["bec"][i][b][a] if transpose else fb["bec"][i][a][b]
                pred[a] += 0.5 * (za + zb) * dr[b]
    dm = [fb["M"][a] - fa["M"][a] for a in range(3)]
    r = fold([dm[a] - pred[a] for a in range(3)], cell)
    return math.sqrt(sum(x * x for x in r)), math.sqrt(sum(x * x for x in fold(dm, cell)))


def main():
    ap = argparse.ArgumentParser(description=__doc__.split("\n")[0])
    ap.add_argument("xyz")
    ap.add_argument("--bec", default="born_charge")
    ap.add_argument("--dipole", default="polarization", help="per-frame cell dipole M (e·Å)")
    ap.add_argument("--pairs", type=int, default=40)
    a = ap.parse_args()
    frames = read_frames(a.xyz, a.bec, a.dipole)
    n = len(frames)
    asr = max(abs(sum(z[r][c] for z in f["bec"])) for f in frames for r in range(3) for c in range(3))
    anti = [abs(z[r][c] - z[c][r]) / 2 for f in frames for z in f["bec"] for r in range(3) for c in range(3)]
    print(f"{a.xyz}: {n} frames of {len(frames[0]['pos'])} atoms")
    print(f"acoustic sum rule: max |sum_i Z*_i| = {asr:.2e} e")
    print(f"antisymmetric part |Z - Z^T|/2: mean {sum(anti) / len(anti):.4f} e, max {max(anti):.4f} e")
    # Pairs of consecutive frames (the closest in time when the file is a trajectory).
    rows = []
    for k in range(min(a.pairs, n - 1)):
        fa, fb = frames[k], frames[k + 1]
        dr = max(math.sqrt(sum(x * x for x in min_image([fb["pos"][i][c] - fa["pos"][i][c] for c in range(3)], fa["cell"])))
                 for i in range(len(fa["pos"])))
        if fa["cell"] != fb["cell"]:
            continue
        as_stored, dm = residual(fa, fb, False)
        transposed, _ = residual(fa, fb, True)
        rows.append((k + 1, k + 2, dr, dm, as_stored, transposed))
    print("frames  max|dr| (Å)  |dM| (e·Å, folded)  residual as stored  residual transposed")
    for r in rows:
        print(f"{r[0]:3d}-{r[1]:<3d} {r[2]:10.3f} {r[3]:16.4f} {r[4]:18.4f} {r[5]:18.4f}")
    s = sum(r[4] for r in rows) / len(rows)
    t = sum(r[5] for r in rows) / len(rows)
    better = sum(1 for r in rows if r[4] < r[5])
    print(f"mean residual: as stored {s:.4f} e·Å, transposed {t:.4f} e·Å; "
          f"as stored fits better in {better} of {len(rows)} pairs")


if __name__ == "__main__":
    main()
