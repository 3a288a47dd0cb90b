#!/usr/bin/env python3
"""shared_fs_table.py RAW ROUNDS: the table of bench/shared-fs.

RAW lines: "ROUND COLUMN METRIC MS" (COLUMN nfsdir, nfsimg (squashfs=fuse),
nfsimgk (squashfs=kernel, absent when not measured), localimg (the image
on local disk, squashfs=fuse; absent when not measured), localdir, bare;
METRIC first, later, cold, warm; MS a number or "fail"), and "meta ..."
lines (files, reads, sizes, how the image was mounted, Ganesha's version).
Ratios and extras are per round, against the same round's other column."""
import sys

from stats import quart

raw, rounds = sys.argv[1], int(sys.argv[2])
data, meta = {}, {}
for line in open(raw):
    f = line.split()
    if not f:
        continue
    if f[0] == "meta":
        meta.update(zip(f[1::2], f[2::2]))
        continue
    r, col, metric, v = f[:4]
    data[(int(r), col, metric)] = None if v == "fail" else float(v)


def vals(col, metric):
    return [data.get((r, col, metric)) for r in range(1, rounds + 1)]


def per_round(a, b, op):
    out = []
    for x, y in zip(a, b):
        out.append(None if x is None or y is None else op(x, y))
    return out


def cell(v, sign=False, digits=1, bold=False):
    q = quart(v)
    if q is None:
        return "n/a"
    f = f"{{:{'+' if sign else ''}.{digits}f}}"
    m = f.format(q[0])
    return f"{'**' + m + '**' if bold else m} ({f.format(q[1])} to {f.format(q[2])})"


def fails(v):
    n = sum(x is None for x in v)
    return f" ({n} of {len(v)} failed)" if n else ""


def verdict(v, limit, higher_is_better):
    q = quart(v)
    if q is None:
        return "NOT MEASURED"
    good = q[1] >= limit if higher_is_better else q[2] <= limit
    bad = q[2] < limit if higher_is_better else q[1] > limit
    return "MET" if good else "NOT MET" if bad else "NOT SHOWN (spread straddles the target)"


by_hand = meta.get("image") == "hand"
has_kernel = any(col == "nfsimgk" for (_, col, _) in data)
server = meta.get("server", "squashfuse")
img_name = ("squashfs image on NFS, loop-mounted on the node by hand (this build has no "
            "`--nix-store=IMAGE`)" if by_hand else
            f"squashfs image on NFS, `--nix-store=IMAGE`, `squashfs=fuse` ({server})")
rows = [("directory on NFS", "nfsdir"), (img_name, "nfsimg")]
if has_kernel:
    rows.append(("squashfs image on NFS, `--nix-store=IMAGE`, `squashfs=kernel` (loop device)",
                 "nfsimgk"))
has_local_image = any(col == "localimg" for (_, col, _) in data)
if has_local_image:
    rows.append((f"the same image on local disk, `squashfs=fuse` ({server})", "localimg"))
rows.append(("directory on local disk (floor)", "localdir"))
print(f"### Shared file system: a store on NFS (ms: median of {rounds} rounds, interquartile "
      "range or min to max in parentheses; the columns interleaved in each round, the page "
      "cache dropped before each first step and each cold run; ratios per round)")
print()
print("| store | first step (creates the view) | later step | file-heavy program, cold "
      "| file-heavy program, warm |")
print("|---|---|---|---|---|")
for name, col in rows:
    steps = [cell(vals(col, m)) + fails(vals(col, m)) for m in ("first", "later")]
    if by_hand and col == "nfsimg":
        steps = ["not measured", "not measured"]
    runs = [cell(vals(col, m)) + fails(vals(col, m)) for m in ("cold", "warm")]
    print(f"| {name} | {' | '.join(steps)} | {' | '.join(runs)} |")
print(f"| no store (bare `srun`) | {cell(vals('bare', 'first'))} | {cell(vals('bare', 'later'))} "
      "| | |")
print()
print(f"Store: {int(meta.get('files', 0)):,} files ({int(meta.get('size_kib', 0)):,} KiB), its "
      f"squashfs image (zstd) {int(meta.get('image_kib', 0)):,} KiB; the program reads "
      f"{int(meta.get('reads', 0)):,} of them (stat, open, read, close each). NFS: NFS-Ganesha "
      f"{meta.get('ganesha', '?')} (VFS, NFSv4) on this machine, mounted on each node over the "
      "cluster's bridge by `bench/nfs_fuse.c` (FUSE over libnfs: this kernel has no NFS "
      f"client). squashfuse {meta.get('squashfuse', '?')}.")


def targets(col, mode):
    cold_speedup = per_round(vals("nfsdir", "cold"), vals(col, "cold"), lambda a, b: a / b)
    cold_floor = per_round(vals(col, "cold"), vals("localdir", "cold"), lambda a, b: a / b)
    first_extra = per_round(vals(col, "first"), vals("nfsdir", "first"), lambda a, b: a - b)
    print(f"Targets{mode}, the cold file-heavy program at least 3 x faster from the image than "
          f"from the directory on NFS: **{verdict(cold_speedup, 3.0, True)}** (directory / image "
          f"{cell(cold_speedup, digits=2)}); within 1.5 x of the local directory: "
          f"**{verdict(cold_floor, 1.5, False)}** (image / local {cell(cold_floor, digits=2)}); ",
          end="")
    if by_hand:
        print("the first step with an image at most +20 ms over a directory store: "
              "**NOT MEASURED** (needs `--nix-store=IMAGE`).")
    else:
        print(f"the first step with an image at most +20 ms over a directory store on NFS: "
              f"**{verdict(first_extra, 20.0, False)}** ({cell(first_extra, sign=True)} ms).")


targets("nfsimg", "" if by_hand else ", `squashfs=fuse`")
if has_kernel:
    targets("nfsimgk", ", `squashfs=kernel`")
if has_local_image:
    # Not a target: how much of the image's cost is squashfs, how much NFS.
    img_local = per_round(vals("localimg", "cold"), vals("localdir", "cold"), lambda a, b: a / b)
    nfs_share = per_round(vals("nfsimg", "cold"), vals("localimg", "cold"), lambda a, b: a / b)
    print(f"Where the image's time goes, cold, per round: the image on local disk / the local "
          f"directory {cell(img_local, digits=2)} (squashfuse's own cost); the image on NFS / "
          f"on local disk {cell(nfs_share, digits=2)} (the NFS client's).")
