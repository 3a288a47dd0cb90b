#!/usr/bin/env python3
"""bench/tasks_table.py RAW COUNT...: the table of bench/tasks-per-node (markdown)
from its raw lines "tasks.bare.N ms" and "tasks.nix.N ms", in round order."""
import statistics, sys

raw, counts = sys.argv[1], sys.argv[2:]
cols = {}
for line in open(raw):
    label, v = line.split()
    cols.setdefault(label, []).append(None if v == "fail" else float(v))

def q(vals):
    s = sorted(vals)
    return statistics.median(s), s[len(s) // 4], s[(3 * len(s)) // 4]

verdicts = []
print("| tasks on one node | bare ms (median, IQR) | pinned --nix-store ms | ratio (median of rounds, IQR) | failed |")
print("|---|---|---|---|---|")
for n in counts:
    bare, nix = cols.get(f"tasks.bare.{n}", []), cols.get(f"tasks.nix.{n}", [])
    pairs = [(b, x) for b, x in zip(bare, nix) if b and x]
    failed = sum(v is None for v in bare + nix)
    if not pairs:
        print(f"| {n} | - | - | - | {failed} |")
        continue
    mb, lb, hb = q([b for b, _ in pairs])
    mx, lx, hx = q([x for _, x in pairs])
    mr, lr, hr = q([x / b for b, x in pairs])
    print(f"| {n} | {mb:.1f} ({lb:.1f}-{hb:.1f}) | {mx:.1f} ({lx:.1f}-{hx:.1f}) | "
          f"**{mr:.3f}** ({lr:.3f}-{hr:.3f}) | {failed} |")
    # met only when the whole interquartile range of the ratio is <= 1.03
    verdicts.append(f"{n} tasks **{'MET' if hr <= 1.03 else 'NOT MET' if lr > 1.03 else 'NOT SHOWN (spread straddles the target)'}**")
print("\nTarget, a pinned step at most 1.03 x bare (per-round ratios): " + "; ".join(verdicts) + ".")
