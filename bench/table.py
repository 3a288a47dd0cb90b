#!/usr/bin/env python3
"""bench/table.py RAW REPS PP_REPS AR_REPS FIRST_REPS: the tables of bench/run
(markdown) from its raw measurement lines."""
import statistics
import sys

raw, reps, pp_reps, ar_reps, first_reps = sys.argv[1], *sys.argv[2:6]
steps, pp, ar, warns, fails = {}, {}, {}, set(), []
for line in open(raw):
    f = line.split()
    if not f:
        continue
    if f[0] == "pp":
        pp.setdefault(f[1], {}).setdefault(int(f[2]), []).append(f[3])
    elif f[0] == "ar":
        ar.setdefault(f[1], []).append((f[2], f[3]))
    elif f[0] == "warn":
        warns.add(f[1])
    elif len(f) == 2:
        steps.setdefault(f[0], []).append(f[1])


def med(vals):
    nums = [float(v) for v in vals if v not in ("fail", "BAD", "timeout")]
    bad = len(vals) - len(nums)
    return (statistics.median(nums) if nums else None), bad


def fmt(v, unit=""):
    return "n/a" if v is None else f"{v:.1f}{unit}"


def ratio(a, b):
    return "n/a" if a is None or b is None or b == 0 else f"{a / b:.3f}"


out = []
p = out.append
p(f"### 1. Step launch (median ms of {reps} steps, one allocation, interleaved)\n")
p("| step | bare | --nix-store, pinned | ratio | per-task wrapper (bwrap) | ratio | first --nix-store step (creates) | first bare step | ratio |")
p("|---|---|---|---|---|---|---|---|---|")
for shape, name in (("n2", "`srun -n2 true`"), ("N2n4", "`srun -N2 -n4 true`")):
    b, bb = med(steps.get(f"bare.{shape}", []))
    n, nb = med(steps.get(f"nix.{shape}", []))
    w, wb = med(steps.get(f"wrap.{shape}", []))
    fn, fnb = med(steps.get(f"first.nix.{shape}", []))
    fb, fbb = med(steps.get(f"first.bare.{shape}", []))
    for lab, k in (("bare", bb), ("nix", nb), ("wrapper", wb), ("first nix", fnb), ("first bare", fbb)):
        if k:
            fails.append(f"{name} {lab}: {k} failed")
    p(f"| {name} | {fmt(b)} | {fmt(n)} | **{ratio(n, b)}** | {fmt(w)} | {ratio(w, b)} | {fmt(fn)} | {fmt(fb)} | {ratio(fn, fb)} |")
fs, _ = med(steps.get("first.N2n4", []))
p(f"\nFirst steps: median of {first_reps} fresh allocations each (bare and --nix-store alternating). "
  f"The first --nix-store step of the step-launch allocation itself took {fmt(fs, ' ms')}.\n")

p(f"### 2. Intra-node ping-pong, Open MPI 4.1 `--mpi=pmix`, 2 ranks on one node (MB/s, best of {pp_reps})\n")
p("| size | bare | spank-nix | ratio | per-task wrapper | ratio |")
p("|---|---|---|---|---|---|")
sizes = sorted(set().union(*[set(v) for v in pp.values()])) if pp else []


def best(label, size):
    vals = pp.get(label, {}).get(size, [])
    nums = [float(v) for v in vals if v not in ("timeout", "BAD")]
    if nums:
        return max(nums), None
    if "BAD" in vals:
        return None, "BAD DATA"
    if "timeout" in vals:
        return None, "timeout"
    return None, "not reached"


worst = None
for s in sizes:
    b, be = best("bare", s)
    n, ne = best("nix", s)
    w, we = best("wrap", s)
    if n is not None and b:
        worst = n / b if worst is None else min(worst, n / b)
    label = f"{s // 1024} KiB" if s < 1 << 20 else f"{s >> 20} MiB"
    p(f"| {label} | {fmt(b) if b is not None else be} | {fmt(n) if n is not None else ne} | **{ratio(n, b)}** "
      f"| {fmt(w) if w is not None else we} | {ratio(w, b) if w is not None else '-'} |")
p("")
p(f"Lowest spank-nix/bare bandwidth ratio over all sizes: **{ratio(worst, 1.0) if worst else 'n/a'}**. "
  "Open MPI's \"CMA is not available due to different user namespaces\" warning: "
  + ", ".join(f"{c}: {'YES' if c in warns else 'no'}" for c in ("bare", "nix", "wrap")) + ".\n")

p(f"### 3. Allreduce, 2 nodes x 2 ranks (median of {ar_reps} runs; µs per call)\n")
p("| MPI | bare 4 B | spank-nix 4 B | ratio | bare 1 MiB | spank-nix 1 MiB | ratio |")
p("|---|---|---|---|---|---|---|")
for mpi, name in (("ompi", "Open MPI 4.1.4, `--mpi=pmix`"), ("mpich", "MPICH 4.0.2, `--mpi=pmi2` (UCX_TLS=self,tcp)")):
    cols = []
    for mode in ("bare", "nix"):
        rs = ar.get(f"{mpi}.{mode}", [])
        s, sb = med([r[0] for r in rs])
        g, gb = med([r[1] for r in rs])
        if sb or gb:
            fails.append(f"{name} {mode}: {max(sb, gb)} of {len(rs)} runs failed")
        cols.append((s, g))
    (bs, bg), (ns, ng) = cols
    p(f"| {name} | {fmt(bs)} | {fmt(ns)} | {ratio(ns, bs)} | {fmt(bg)} | {fmt(ng)} | {ratio(ng, bg)} |")
p("")
if fails:
    p("Failures: " + "; ".join(fails) + "\n")
print("\n".join(out))
