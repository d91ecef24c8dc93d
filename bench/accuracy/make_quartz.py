#!/usr/bin/python3
"""Writes the 9-atom alpha-quartz cell (P3_2 21, room-temperature Wyckoff parameters, on the lattice of
the Allegro-pol SiO2 data: a = 9.9706/2, c = 10.9571/2 Å) to runs/accuracy/quartz/quartz.xyz,
the start of bench/accuracy/quartz_relax.yaml and quartz_phonon.yaml.
Run from the repository root with Debian's Python: /usr/bin/python3 bench/accuracy/make_quartz.py
"""
import os

from ase.io import write
from ase.spacegroup import crystal

quartz = crystal(["Si", "O"], basis=[(0.4697, 0, 2 / 3), (0.4135, 0.2669, 0.1191 + 2 / 3)],
                 spacegroup=154, cellpar=[4.98530, 4.98530, 5.47853, 90, 90, 120])
assert len(quartz) == 9
os.makedirs("runs/accuracy/quartz", exist_ok=True)
write("runs/accuracy/quartz/quartz.xyz", quartz, format="extxyz")
print("runs/accuracy/quartz/quartz.xyz:", quartz.get_chemical_formula(), quartz.cell.cellpar())
