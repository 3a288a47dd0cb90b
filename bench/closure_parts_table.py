#!/usr/bin/env python3
"""bench/closure_parts_table.py RAW ROUNDS: the table of bench/closure-parts
(markdown) from its raw lines "N BUILD ROUND PART ms" (BUILD new or old)."""
import sys

from stats import quart

raw, rounds = sys.argv[1], sys.argv[2]
d = {}
for line in open(raw):
    n, b, r, part, v = line.split()
    d.setdefault((int(n), b), {}).setdefault(part, {})[int(r)] = float(v)


def cell(vals, digits=1):
    q = quart(list(vals))
    return "n/a" if q is None else f"{q[0]:.{digits}f} ({q[1]:.{digits}f} to {q[2]:.{digits}f})"


def view(parts):
    """per round: what the helper spends on the view"""
    keys = ("resolve+describe(library)", "reopen+plan", "apply(total)")
    rs = set.intersection(*[set(parts.get(k, {})) for k in keys])
    return {r: sum(parts[k][r] for k in keys) for r in rs}


ROWS = [
    ("resolve+describe(library)", "read the SPECs and open the DB, as the helper does before the plan"),
    ("walk(library),_alone", "for scale: the walk alone (DB query, describe each path), which apply runs"),
    ("resolve(DB),_again", "of which: the DB query (run again alone)"),
    ("describe(fstatat),_again", "for scale: an fstatat (+ readlinkat) per path (alone)"),
    ("reopen+plan", "reopen the store, build the mount plan (the closure's entries are not in it)"),
    ("apply:tmpfs/ramfs", "op by op (another run): the file system holding the mount points"),
    ("apply:staging-bind", "bind the whole store at the staging point"),
    ("apply:mount-points", "a mount point per path (mkdir, mknod, symlink)"),
    ("apply:bind-per-path", "a mount(2) bind per path"),
    ("apply:staging-umount", "unmount the staging point"),
    ("apply:restrict", "remount read-only"),
    ("apply(total)", "apply, in one call as the helper does (the walk and mount points in a second process, binds in this one)"),
    ("teardown(detach)", "(job end, not in the step) detach the view"),
]
FLOORS = [
    ("floor:bind-only(mount_points_made_before)", "**floor**: N read-only binds, mount points made before"),
    ("floor:mkdir+bind", "floor with its mount points: mkdir + bind per path"),
    ("floor:mkdirat+open_tree+move_mount", "(idea) mkdirat + open_tree + move_mount per path"),
    ("floor:mkdir+bind-rw+mount_setattr-once", "(idea) mkdir + rw bind per path, one recursive mount_setattr"),
    ("floor:mkdir-only(before_bind-only)", "(part of the floor) the mkdirs alone"),
]
builds = sorted({b for _, b in d}, reverse=True)  # new, old
sizes = sorted({n for n, _ in d})
print(f"ms: median of {rounds} rounds (interquartile range); "
      + ("the two builds alternating in each round, the order rotating.\n" if len(builds) > 1 else "\n"))
head = " | ".join(f"{n:,} paths ({b})" for n in sizes for b in builds)
print(f"| part | {head} |")
print("|---|" + "---|" * (len(sizes) * len(builds)))
for key, label in ROWS + FLOORS:
    print(f"| {label} | " + " | ".join(cell(d.get((n, b), {}).get(key, {}).values())
                                       for n in sizes for b in builds) + " |")
rows = [("**view** (resolve + describe, plan, apply)", lambda p, fk: view(p).values(), 1),
        ("view / floor", lambda p, fk: [v / p[fk][r] for r, v in view(p).items() if r in p.get(fk, {})], 2)]
for label, f, dg in rows:
    fk = "floor:bind-only(mount_points_made_before)"
    print(f"| {label} | " + " | ".join(cell(f(d.get((n, b), {}), fk), dg) for n in sizes for b in builds) + " |")
fk = "floor:mkdir+bind"
print("| view / floor with its mount points | " + " | ".join(
    cell([v / d[(n, b)][fk][r] for r, v in view(d.get((n, b), {})).items() if r in d.get((n, b), {}).get(fk, {})], 2)
    for n in sizes for b in builds) + " |")
if len(builds) > 1:
    print("\nPer-round ratio of the view's time, new / old: " + "; ".join(
        f"{n:,} paths {cell([vn / vo[r] for r, vn in view(d[(n, 'new')]).items() if r in (vo := view(d[(n, 'old')]))], 3)}"
        for n in sizes) + ".")
