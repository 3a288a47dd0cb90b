#!/usr/bin/env python3
"""bench/tasks_table.py RAW COUNT... [--plugin-times FILE]: the table of
bench/tasks-per-node (markdown) from its raw lines "tasks.bare.N ms" and
"tasks.nix.N ms", in round order; with FILE (the plugin's debug lines "nix:
step J.S task T of N on this node: X ms in the plugin"), the time each task
of the pinned steps spent in the plugin, per number of tasks."""
import re, statistics, sys

args = sys.argv[1:]
times_file = None
if "--plugin-times" in args:
    i = args.index("--plugin-times")
    times_file = args[i + 1]
    del args[i:i + 2]
raw, counts = args[0], args[1:]
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

if times_file is not None:
    # Steps 0 and 1 of the allocation are tasks.sh's warm-up: a bare step and
    # the step that builds and pins the view.
    per_count = {}
    pat = re.compile(r"nix: step \d+\.(\d+) task \d+ of (\d+) on this node: ([0-9.]+) ms in the plugin")
    for line in open(times_file):
        m = pat.search(line)
        if m and int(m.group(1)) >= 2:
            per_count.setdefault(m.group(2), []).append(float(m.group(3)))
    cells = []
    for n in counts:
        v = per_count.get(n)
        if not v:
            cells.append(f"{n} tasks: none logged")
            continue
        med, lo, hi = q(v)
        cells.append(f"{n} tasks: {med:.2f} ms ({lo:.2f} to {hi:.2f}; max {max(v):.2f}; {len(v)} tasks)")
    print("\nTime each task of the pinned steps spent in the plugin (task_init_privileged + task_init, "
          "the plugin's own clock, from the node's slurmd log at debug level; median, IQR, max): "
          + "; ".join(cells) + ".")
