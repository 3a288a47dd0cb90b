#!/usr/bin/env python3
"""bench/closure_ab_table.py RAW PATHS: bench/closure-ab's summary from its
raw lines "ROUND BUILD MODE us" (BUILD old or new, MODE plain or closure)."""
import sys

from stats import quart

d = {}
for line in open(sys.argv[1]):
    r, b, m, us = line.split()
    if us != "fail":
        d.setdefault((b, m), {})[int(r)] = int(us) / 1000


def cell(vals, digits=1):
    q = quart(list(vals))
    return "n/a" if q is None else f"{q[0]:.{digits}f} ({q[1]:.{digits}f} to {q[2]:.{digits}f})"


paths = f"{int(sys.argv[2]):,}"
print(f"ms, median (IQR) over rounds; both builds in one cluster, fresh allocations, order rotating.\n")
print(f"| build | plain first step | {paths}-path closure first step | extra over plain (per round) |")
print("|---|---|---|---|")
for b in ("old", "new"):
    p, c = d.get((b, "plain"), {}), d.get((b, "closure"), {})
    print(f"| {b} | {cell(p.values())} | {cell(c.values())} | "
          f"{cell([c[r] - p[r] for r in c if r in p])} |")
o, n = d.get(("old", "closure"), {}), d.get(("new", "closure"), {})
print(f"\nClosure first step, new / old per round: {cell([n[r] / o[r] for r in n if r in o], 3)}.")
