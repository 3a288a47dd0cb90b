#!/usr/bin/env python3
"""bench/pp_ab_table.py RAW [BASE]: per size, each column's median MB/s
(interquartile range) and each column's per-round ratio to BASE (bare),
median and IQR, with how many rounds the column was ahead of BASE. A column
"bare2" (a second bare column) shows what the method reads as a difference
where there is none. RAW has the "pp LABEL SIZE MBps ROUND" lines of
bench/pp-rounds.sh."""
import math
import sys

from stats import quart

raw = sys.argv[1]
base = sys.argv[2] if len(sys.argv) > 2 else "bare"
pp = {}
for line in open(raw):
    f = line.split()
    if len(f) == 5 and f[0] == "pp":
        try:
            pp.setdefault(f[1], {}).setdefault(int(f[2]), {})[int(f[4])] = float(f[3])
        except ValueError:
            pass  # timeout / BAD: no number for that round
labels = [c for c in ("bare", "bare2", "nix", "nix2", "wrap") if c in pp and c != base]


def fmt(q, d):
    return "n/a" if q is None else f"{q[0]:.{d}f} ({q[1]:.{d}f} to {q[2]:.{d}f})"


print(f"| size | {base} MB/s | " + " | ".join(f"{c} MB/s | {c}/{base} | {c} ahead" for c in labels) + " |")
print("|---" * (2 + 3 * len(labels)) + "|")
for s in sorted(pp.get(base, {})):
    b = pp[base][s]
    row = [f"{s // 1024} KiB" if s < 1 << 20 else f"{s >> 20} MiB", fmt(quart(b.values()), 0)]
    for c in labels:
        v = pp[c].get(s, {})
        r = [v[k] / b[k] for k in b if k in v and b[k]]
        row += [fmt(quart(v.values()), 0), fmt(quart(r), 3), f"{sum(x > 1 for x in r)}/{len(r)}"]
    print("| " + " | ".join(row) + " |")
# All sizes at once: per round, the geometric mean of the column's ratios
# over the sizes both have; its median and IQR over rounds.
row = ["all sizes (geometric mean per round)", ""]
for c in labels:
    per_round = []
    for r in sorted({k for v in pp[base].values() for k in v}):
        rs = [pp[c][s][r] / pp[base][s][r] for s in pp[base]
              if r in pp[base][s] and r in pp[c].get(s, {}) and pp[base][s][r]]
        if rs:
            per_round.append(math.exp(sum(map(math.log, rs)) / len(rs)))
    row += ["", fmt(quart(per_round), 3), f"{sum(x > 1 for x in per_round)}/{len(per_round)}"]
print("| " + " | ".join(row) + " |")
